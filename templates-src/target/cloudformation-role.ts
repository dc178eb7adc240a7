import { IAM, SSM, Template, Value } from '../cfn-types';
import type { Config } from '../config';
import { merge, ref, retain, sub, P } from '../cfn';
import type Resource from 'cloudform-types/types/resource';
import { names } from '../names';
import { boundaryDocument } from './permissions-boundary';
import { roleTemplate, trustService, RoleSpec } from './role-template';

export { boundaryDocument } from './permissions-boundary';

export const CFN_ROLE = 'CloudFormationRole';
export const BOUNDARY = 'PermissionsBoundary';

/** AWS managed policy ARNs in the stack's own partition. */
export function partitioned(arn: string): Value<string> {
  return arn.startsWith('arn:aws:') ? sub(`arn:${P.partition}:${arn.slice('arn:aws:'.length)}`) : arn;
}

/**
 * The boundary policy, and its ARN published as an export and an SSM parameter so that SAM and CDK
 * apps can put it on the roles they create (README: "Deploying apps under the boundary").
 */
function boundaryResources(config: Config): Template {
  return {
    Resources: {
      // Kept when the stack instance goes (an account leaving a target OU, destroy): app roles still
      // carry it as their boundary, and IAM refuses to delete a policy in use (DeleteConflict), which
      // would leave the instance INOPERABLE.
      [BOUNDARY]: retain(
        new IAM.ManagedPolicy({
          ManagedPolicyName: sub(names.permissionsBoundary(P.prefix)),
          Description: 'Permissions boundary for the xacct CloudFormation role and every role it creates',
          PolicyDocument: boundaryDocument(config),
        }).metadata({ 'xacct:purpose': 'permissions-boundary' }),
      ),
      [`${BOUNDARY}ArnParameter`]: new SSM.Parameter({
        Name: sub(names.permissionsBoundaryParameter(P.prefix)),
        Type: 'String',
        Value: ref(BOUNDARY),
        Description: 'ARN of the permissions boundary every role created by xacct-deployed stacks must carry',
      }),
    },
    Outputs: {
      [`${BOUNDARY}Arn`]: {
        Description: 'ARN of the permissions boundary for roles that app stacks create',
        Value: ref(BOUNDARY),
        Export: { Name: sub(names.permissionsBoundaryExport(P.prefix)) },
      },
    },
  };
}

/**
 * cloudformation-role — lands in every account of the target OUs (home region, via StackSets).
 * The execution role CloudFormation uses for the application stacks: trusted only by
 * cloudformation.amazonaws.com, with the configured managed policies and, by default, a permissions
 * boundary that blocks privilege escalation (its ARN published for the app stacks' own roles).
 */
export function cloudformationRole(config: Config): Template {
  const withBoundary = config.cloudformationRole.permissionsBoundary;
  const spec: RoleSpec = {
    id: CFN_ROLE,
    name: names.cfnExecRole,
    slug: 'cfn-exec',
    description: 'Passed to CloudFormation by the xacct pipeline to create the application stacks',
    trust: trustService('cloudformation.amazonaws.com'),
    managedPolicyArns: config.cloudformationRole.managedPolicyArns.map(partitioned),
    permissionsBoundary: withBoundary ? ref(BOUNDARY) : undefined,
  };
  const description = 'xacct cloudformation-role (every target account): CloudFormation execution role';
  const role = roleTemplate(config, description, spec);
  // Kept when the stack instance goes: the app stacks it created still need it to be updated or
  // deleted by CloudFormation (destroy lists it in every account with how to remove it).
  retain(role.Resources![CFN_ROLE] as Resource);
  return withBoundary ? merge(description, role, boundaryResources(config)) : role;
}
