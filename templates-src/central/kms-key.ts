import { KMS, SSM, Template } from '../cfn-types';
import type { Config } from '../config';
import { getAtt, merge, orgParameters, ref, retain, sub, tags, P } from '../cfn';
import { names } from '../names';
import { engineRoleNames } from './pipeline-rollout';
import {
  artifactRoleNames,
  KMS_READ_WRITE_VIA_S3,
  KMS_USE,
  ownAccountRoles,
  policy,
  PolicyDocument,
  sourceAccessConditions,
  sourceAccounts,
  Statement,
  targetRoleStatements,
} from '../policies/document';

export const KEY = 'ArtifactKey';
export const KEY_ALIAS = 'ArtifactKeyAlias';

/** Administration without use: the account can manage and recover the key, but not decrypt with it. */
const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:Create*',
  'kms:Delete*',
  'kms:Describe*',
  'kms:Disable*',
  'kms:Enable*',
  'kms:Get*',
  'kms:List*',
  'kms:Revoke*',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:Update*',
];

/**
 * Deliberate break-glass: whoever may rewrite the key policy (or replicate the key with a policy of
 * its own) can grant itself decryption, and that cannot be designed away. KMS refuses a key policy
 * that does not let the caller make a later PutKeyPolicy request ("PutKeyPolicy", AWS KMS API
 * Reference: BypassPolicyLockoutSafetyCheck), and CloudFormation changes the policy and creates
 * regional replicas with the deployer's credentials. Kept in its own statement so it is visible,
 * proven (test/lint/access-paths-stores.test.ts) and auditable in CloudTrail as PutKeyPolicy.
 */
const KEY_POLICY_BREAK_GLASS = ['kms:PutKeyPolicy', 'kms:ReplicateKey'];

/** The account administers the key (without use) and keeps the key-policy break-glass. */
function accountStatements(): Statement[] {
  const account = { AWS: sub(`arn:${P.partition}:iam::${P.account}:root`) };
  return [
    { Sid: 'AccountAdministration', Effect: 'Allow', Principal: account, Action: KEY_ADMIN_ACTIONS, Resource: '*' },
    { Sid: 'KeyPolicyBreakGlass', Effect: 'Allow', Principal: account, Action: KEY_POLICY_BREAK_GLASS, Resource: '*' },
  ];
}

/** The key policy: administration by the account, use by xacct's roles only. */
export function artifactKeyPolicy(config: Config): PolicyDocument {
  const source: Statement[] =
    sourceAccounts(config).length === 0
      ? []
      : [
          {
            Sid: 'SourceAccessRolesUseThroughS3',
            Effect: 'Allow',
            Principal: '*',
            Action: KMS_READ_WRITE_VIA_S3,
            Resource: '*',
            Condition: { ...sourceAccessConditions(), StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
          },
        ];
  return policy(
    ...accountStatements(),
    {
      Sid: 'PipelineAndBuildUse',
      Effect: 'Allow',
      ...ownAccountRoles([names.pipelineRole, names.buildRole]),
      Action: KMS_USE,
      Resource: '*',
    },
    // Target roles reach the key only through S3 (artifact reads and writes), from target OUs and named accounts.
    ...targetRoleStatements(
      config,
      { Sid: 'TargetRolesUseThroughS3', Action: KMS_READ_WRITE_VIA_S3, Resource: '*', Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } } },
      artifactRoleNames(config),
    ),
    {
      // Grants hand out key use outside this policy; only AWS services acting for a resource
      // (e.g. S3 or CodeBuild integrations) may create them. Control Tower CT.KMS.PR.3.
      Sid: 'DenyGrantsExceptForAwsResources',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    },
    {
      // Templates larger than CloudFormation's inline limit travel through the templates bucket;
      // principals of this account (with IAM permission) may use the key for that bucket only.
      Sid: 'TemplatesBucketUseByAccount',
      Effect: 'Allow',
      Principal: { AWS: sub(`arn:${P.partition}:iam::${P.account}:root`) },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: {
        StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' },
        ArnLike: { 'kms:EncryptionContext:aws:s3:arn': sub(`arn:${P.partition}:s3:::${names.bucket(P.prefix, 'templates', P.account, P.region)}*`) },
      },
    },
    {
      // CodeBuild's log group is encrypted with this key; CloudWatch Logs names the log group in the context.
      Sid: 'CloudWatchLogsUse',
      Effect: 'Allow',
      Principal: { Service: sub(`logs.${P.region}.amazonaws.com`) },
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      Resource: '*',
      Condition: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': sub(`arn:${P.partition}:logs:${P.region}:${P.account}:log-group:/aws/codebuild/${P.prefix}-*`) },
      },
    },
    ...source,
    ...engineRolesUse(config),
  );
}

/** The engine's roles (stackset: stages, selfUpdate) read input artifacts and write preview reports: the key only through S3. */
function engineRolesUse(config: Config): Statement[] {
  const roles = engineRoleNames(config);
  if (roles.length === 0) return [];
  const { Principal, Condition } = ownAccountRoles(roles);
  return [
    {
      Sid: 'EngineRolesUseThroughS3',
      Effect: 'Allow',
      Principal,
      Action: KMS_READ_WRITE_VIA_S3,
      Resource: '*',
      Condition: { ...Condition, StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
    },
  ];
}

/**
 * kms-key — lands in the CI account (and, through regional-store, in every extra pipeline region).
 * A symmetric customer-managed key for pipeline artifacts: rotation on, kept on delete and replace,
 * 30-day deletion window, an alias, and its ARN published as an export and an SSM parameter.
 */
export function kmsKeyResources(config: Config): Template {
  return {
    Resources: {
      [KEY]: retain(
        new KMS.Key({
          Description: sub(`${P.prefix} pipeline artifacts`),
          EnableKeyRotation: true,
          PendingWindowInDays: 30,
          KeySpec: 'SYMMETRIC_DEFAULT',
          // Multi-Region so regional artifact stores replicate it: replicas share the key ID, and the
          // pipeline names each region's key by ARN without a cross-region lookup.
          MultiRegion: true,
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeyPolicy: artifactKeyPolicy(config),
          Tags: tags(ref('Prefix')),
        }),
      ),
      [KEY_ALIAS]: new KMS.Alias({ AliasName: sub(names.keyAlias(P.prefix)), TargetKeyId: ref(KEY) }),
    },
  };
}

export function kmsKey(config: Config): Template {
  const description = 'xacct kms-key (CI account): customer-managed key for pipeline artifacts';
  const published: Template = {
    Parameters: orgParameters(config, sourceAccounts(config)),
    Resources: {
      ArtifactKeyArnParameter: new SSM.Parameter({
        Name: sub(names.ssm(P.prefix, 'artifact-key-arn')),
        Type: 'String',
        Value: getAtt(KEY, 'Arn'),
        Description: 'ARN of the xacct artifact key',
      }),
    },
    Outputs: {
      ArtifactKeyArn: { Description: 'ARN of the artifact key', Value: getAtt(KEY, 'Arn'), Export: { Name: sub(names.export(P.prefix, 'artifact-key-arn')) } },
      ArtifactKeyAlias: { Description: 'Alias of the artifact key', Value: ref(KEY_ALIAS) },
    },
  };
  return merge(description, kmsKeyResources(config), published);
}
