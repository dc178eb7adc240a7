/**
 * The shape every target-account role template shares: a fixed-name role, its ARN published as an
 * export and an SSM parameter, and the parameters that let one template deploy in any organization.
 */
import { IAM, SSM, Template, Value } from '../cfn-types';
import type { Config } from '../config';
import { getAtt, parameters, ref, sub, tags, P } from '../cfn';
import { names } from '../names';
import { policy, PolicyDocument, Statement } from '../policies/document';

export interface RoleSpec {
  /** Logical ID of the role. */
  id: string;
  /** Name function from names.ts. */
  name: (prefix: string) => string;
  /** Short name used in exports and SSM parameters: `cross-account` -> `/<prefix>/roles/cross-account`. */
  slug: string;
  description: string;
  trust: PolicyDocument;
  inline?: Statement[];
  managedPolicyArns?: Value<string>[];
  permissionsBoundary?: Value<string>;
}

export function roleResources(spec: RoleSpec): NonNullable<Template['Resources']> {
  return {
    [spec.id]: new IAM.Role({
      RoleName: sub(spec.name(P.prefix)),
      Description: spec.description,
      AssumeRolePolicyDocument: spec.trust,
      MaxSessionDuration: 3600,
      ManagedPolicyArns: spec.managedPolicyArns,
      PermissionsBoundary: spec.permissionsBoundary,
      Policies: spec.inline && spec.inline.length > 0 ? [{ PolicyName: sub(`${spec.name(P.prefix)}-policy`), PolicyDocument: policy(...spec.inline) }] : undefined,
      Tags: tags(ref('Prefix')),
    }),
    [`${spec.id}ArnParameter`]: new SSM.Parameter({
      Name: sub(names.ssm(P.prefix, `roles/${spec.slug}`)),
      Type: 'String',
      Value: getAtt(spec.id, 'Arn'),
      Description: `ARN of the xacct ${spec.slug} role`,
    }),
  };
}

export function roleOutputs(spec: RoleSpec): NonNullable<Template['Outputs']> {
  return {
    [`${spec.id}Arn`]: {
      Description: `ARN of the ${spec.slug} role`,
      Value: getAtt(spec.id, 'Arn'),
      Export: { Name: sub(names.export(P.prefix, `${spec.slug}-role-arn`)) },
    },
  };
}

/** A whole target-account template around one role (plus any extra resources). */
export function roleTemplate(config: Config, description: string, spec: RoleSpec, extra: Template['Resources'] = {}): Template {
  const resources = { ...extra, ...roleResources(spec) };
  // A declared but unused parameter is a cfn-lint warning (W2001) and a value the deployer must supply for nothing.
  const usesCi = JSON.stringify(resources).includes(P.ciAccount);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: description,
    Parameters: { Prefix: parameters.Prefix(config.prefix), ...(usesCi ? { CiAccountId: parameters.CiAccountId() } : {}) },
    Resources: resources,
    Outputs: roleOutputs(spec),
  };
}

/** Trust the CI account, but only when the caller is one of the named CI-account roles. */
export function trustCiRoles(roles: Array<(prefix: string) => string>): PolicyDocument {
  return policy({
    Sid: 'TrustCiAccountRoles',
    Effect: 'Allow',
    Principal: { AWS: sub(`arn:${P.partition}:iam::${P.ciAccount}:root`) },
    Action: 'sts:AssumeRole',
    Condition: { ArnEquals: { 'aws:PrincipalArn': roles.map((r) => sub(`arn:${P.partition}:iam::${P.ciAccount}:role/${r(P.prefix)}`)) } },
  });
}

/** Trust an AWS service, only on behalf of this account. */
export function trustService(...services: string[]): PolicyDocument {
  return policy({
    Sid: 'TrustServiceForThisAccount',
    Effect: 'Allow',
    Principal: { Service: services.length === 1 ? services[0] : services },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:SourceAccount': sub(P.account) } },
  });
}
