/**
 * The shape every target-account role template shares: a fixed-name role, its ARN published as an
 * export and an SSM parameter, and the parameters that let one template deploy in any organization.
 */
import { IAM, SSM, Template, Value } from '../cfn-types';
import type { Config } from '../config';
import { getAtt, merge, parameters, ref, sub, tags, P } from '../cfn';
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
      Policies:
        spec.inline && spec.inline.length > 0 ? [{ PolicyName: sub(`${spec.name(P.prefix)}-policy`), PolicyDocument: policy(...spec.inline) }] : undefined,
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

/** A whole target-account template around one role (plus any extra resources, merged: a duplicate logical ID throws). */
export function roleTemplate(config: Config, description: string, spec: RoleSpec, extra: Template['Resources'] = {}): Template {
  const resources = merge(description, { Resources: extra }, { Resources: roleResources(spec) }).Resources ?? {};
  // A declared but unused parameter is a cfn-lint warning (W2001) and a value the deployer must supply for nothing.
  const usesCi = JSON.stringify(resources).includes(P.ciAccount);
  const params = { Prefix: parameters.Prefix(config.prefix), ...(usesCi ? { CiAccountId: parameters.CiAccountId() } : {}) };
  return merge(description, { Parameters: params }, { Resources: resources, Outputs: roleOutputs(spec) });
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

/**
 * What each service is documented to put in the request context when it assumes a role. A trust
 * condition on a key the service does not supply makes the role unusable, so `aws:SourceAccount` is
 * required only where an AWS page says the service sets it (details and quotes: notes/service-trust.md).
 */
const SERVICE_TRUST: Record<string, { sid: string; sourceAccount: boolean }> = {
  // "CloudFormation service role" names cloudformation.amazonaws.com and no condition; CloudFormation's
  // "Cross-service confused deputy prevention" page covers extensions' roles, not a stack's service role.
  'cloudformation.amazonaws.com': { sid: 'TrustCloudFormation', sourceAccount: false },
  // "Allow CodeBuild to interact with other AWS services": the service role's trust policy conditions
  // on aws:SourceAccount and aws:SourceArn (the build project).
  'codebuild.amazonaws.com': { sid: 'TrustCodeBuildForThisAccount', sourceAccount: true },
  // "Create the CodePipeline service role (CLI)": the documented trust policy has no condition.
  'codepipeline.amazonaws.com': { sid: 'TrustCodePipeline', sourceAccount: false },
  // "IAM roles for Amazon EC2" (Amazon EC2 User Guide): instances get the role through an instance
  // profile; the trust names ec2.amazonaws.com, and no page documents a source key for it.
  'ec2.amazonaws.com': { sid: 'TrustEc2', sourceAccount: false },
  // "Cross-service confused deputy prevention in Amazon EventBridge": "For EventBridge event bus rule
  // targets, the value of aws:SourceArn must be the rule ARN" (the rule's account is this account).
  'events.amazonaws.com': { sid: 'TrustEventBridgeForThisAccount', sourceAccount: true },
  // No AWS page found that documents a source key when Lambda assumes an execution role.
  'lambda.amazonaws.com': { sid: 'TrustLambda', sourceAccount: false },
};

/** Trust AWS services: one statement each, with `aws:SourceAccount` only where the service documents it. */
export function trustService(...services: string[]): PolicyDocument {
  return policy(
    ...services.map((service): Statement => {
      const known = SERVICE_TRUST[service];
      if (!known) throw new Error(`trustService: no documented trust for ${service}; add it to SERVICE_TRUST with its AWS page`);
      return {
        Sid: known.sid,
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(known.sourceAccount ? { Condition: { StringEquals: { 'aws:SourceAccount': sub(P.account) } } } : {}),
      };
    }),
  );
}
