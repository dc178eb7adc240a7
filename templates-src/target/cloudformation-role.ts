import { IAM, Template, Value } from '../cfn-types';
import type { Config } from '../config';
import { ref, sub, P } from '../cfn';
import { names } from '../names';
import { policy, PolicyDocument } from '../policies/document';
import { roleTemplate, trustService, RoleSpec } from './role-template';

export const CFN_ROLE = 'CloudFormationRole';
export const BOUNDARY = 'PermissionsBoundary';

/** AWS managed policy ARNs in the stack's own partition. */
export function partitioned(arn: string): Value<string> {
  return arn.startsWith('arn:aws:') ? sub(`arn:${P.partition}:${arn.slice('arn:aws:'.length)}`) : arn;
}

const ROLE_AND_USER_WRITES = [
  'iam:AttachRolePolicy', 'iam:AttachUserPolicy', 'iam:CreateRole', 'iam:CreateUser', 'iam:DeleteRolePolicy',
  'iam:DeleteUserPolicy', 'iam:DetachRolePolicy', 'iam:DetachUserPolicy', 'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy', 'iam:PutUserPermissionsBoundary', 'iam:PutUserPolicy',
];

/**
 * The boundary on the CloudFormation role. As a permissions boundary its Allow grants nothing by
 * itself; it caps what the role's policies can do. The Denys block privilege escalation: roles and
 * users may only be created or changed with this same boundary, the boundary cannot be edited or
 * removed, and xacct's own roles cannot be touched.
 */
export function boundaryDocument(): PolicyDocument {
  const boundaryArn = sub(`arn:${P.partition}:iam::${P.account}:policy/${names.permissionsBoundary(P.prefix)}`);
  return policy(
    { Sid: 'BoundaryCeiling', Effect: 'Allow', Action: '*', Resource: '*' },
    {
      Sid: 'DenyRolesAndUsersWithoutThisBoundary',
      Effect: 'Deny',
      Action: ROLE_AND_USER_WRITES,
      Resource: '*',
      Condition: { StringNotEquals: { 'iam:PermissionsBoundary': boundaryArn } },
    },
    {
      Sid: 'DenyBoundaryEdits',
      Effect: 'Deny',
      Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
      Resource: boundaryArn,
    },
    { Sid: 'DenyBoundaryRemoval', Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'], Resource: '*' },
    {
      Sid: 'DenyChangesToXacctRoles',
      Effect: 'Deny',
      Action: [
        'iam:AttachRolePolicy', 'iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePolicy',
        'iam:TagRole', 'iam:UntagRole', 'iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'iam:UpdateRoleDescription',
      ],
      Resource: sub(`arn:${P.partition}:iam::${P.account}:role/${P.prefix}-*`),
    },
  );
}

/**
 * cloudformation-role — lands in every account of the target OUs (home region, via StackSets).
 * The execution role CloudFormation uses for the application stacks: trusted only by
 * cloudformation.amazonaws.com for this account, with the configured managed policies and, by
 * default, a permissions boundary that blocks privilege escalation.
 */
export function cloudformationRole(config: Config): Template {
  const withBoundary = config.cloudformationRole.permissionsBoundary;
  const extra: Template['Resources'] = withBoundary
    ? {
        [BOUNDARY]: new IAM.ManagedPolicy({
          ManagedPolicyName: sub(names.permissionsBoundary(P.prefix)),
          Description: 'Permissions boundary for the xacct CloudFormation role and every role it creates',
          PolicyDocument: boundaryDocument(),
        }).metadata({ 'xacct:purpose': 'permissions-boundary' }),
      }
    : {};
  const spec: RoleSpec = {
    id: CFN_ROLE,
    name: names.cfnExecRole,
    slug: 'cfn-exec',
    description: 'Passed to CloudFormation by the xacct pipeline to create the application stacks',
    trust: trustService('cloudformation.amazonaws.com'),
    managedPolicyArns: config.cloudformationRole.managedPolicyArns.map(partitioned),
    permissionsBoundary: withBoundary ? ref(BOUNDARY) : undefined,
  };
  return roleTemplate(config, 'xacct cloudformation-role (every target account): CloudFormation execution role', spec, extra);
}
