/**
 * The IAM policy xacct itself needs in the CI account to run `deploy`, `plan`, `status` and
 * `destroy` as a StackSets delegated administrator: its own API calls (proven call by call against
 * the in-memory organization's record in test/lint/deployer-policy.test.ts), and what CloudFormation
 * does with the caller's credentials while it creates the CI-account stacks (the central stacks run
 * without a service role). `make build` writes it to dist/deployer-policy.json; both READMEs show it.
 *
 * Account IDs are wildcards: service-managed StackSets live in the management account even when a
 * delegated administrator creates them ("CreateStackSet - AWS CloudFormation", CallAs), and the
 * policy is the same in every organization. Replace `aws` with your partition where needed.
 */
import type { Config } from './config';
import { names, PREFIX_TAG } from './names';
import type { PolicyDocument, Statement } from './policies/document';

const arn = (service: string, resource: string, region = '*', account = '*') => `arn:aws:${service}:${region}:${account}:${resource}`;

/** Calls with no resource ARN in the Service Authorization Reference: they take `*`. */
function resourceless(): Statement {
  return {
    Sid: 'CallsWithoutResources',
    Effect: 'Allow',
    Action: [
      'sts:GetCallerIdentity',
      'organizations:DescribeOrganization',
      'organizations:ListRoots',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListAccountsForParent',
      'organizations:ListParents',
      'organizations:ListDelegatedAdministrators',
      'cloudformation:DescribeOrganizationsAccess',
      'cloudformation:ListStackSets',
      'cloudformation:CreateStackSet',
      // DescribeStacks without a stack name lists the region's stacks (inventory).
      'cloudformation:DescribeStacks',
      'cloudformation:DescribeStackDriftDetectionStatus',
      's3:ListAllMyBuckets',
    ],
    Resource: '*',
  };
}

function stackSets(p: string): Statement {
  return {
    Sid: 'XacctStackSets',
    Effect: 'Allow',
    Action: [
      'cloudformation:DescribeStackSet',
      'cloudformation:UpdateStackSet',
      'cloudformation:DeleteStackSet',
      'cloudformation:CreateStackInstances',
      'cloudformation:DeleteStackInstances',
      'cloudformation:ListStackInstances',
      'cloudformation:DescribeStackSetOperation',
      'cloudformation:ListStackSetOperations',
      'cloudformation:ListStackSetOperationResults',
      'cloudformation:DetectStackSetDrift',
      'cloudformation:ListStackInstanceResourceDrifts',
    ],
    Resource: [arn('cloudformation', `stackset/${p}-*:*`), arn('cloudformation', `stackset-target/${p}-*`), arn('cloudformation', 'type/resource/*', '*', '*')],
  };
}

function stacks(p: string): Statement {
  return {
    Sid: 'XacctStacks',
    Effect: 'Allow',
    Action: [
      'cloudformation:DescribeStacks',
      'cloudformation:GetTemplate',
      'cloudformation:DescribeStackEvents',
      'cloudformation:CreateChangeSet',
      'cloudformation:DescribeChangeSet',
      'cloudformation:DeleteChangeSet',
      'cloudformation:ExecuteChangeSet',
      'cloudformation:UpdateTerminationProtection',
      'cloudformation:DeleteStack',
      'cloudformation:ListStackResources',
      'cloudformation:DetectStackDrift',
      'cloudformation:DescribeStackResourceDrifts',
    ],
    Resource: arn('cloudformation', `stack/${p}-*/*`),
  };
}

/** Templates over the inline limit: put into the templates bucket with SSE-KMS and the artifact key. */
function templatesBucket(p: string): Statement[] {
  return [
    { Sid: 'UploadLargeTemplates', Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${names.bucket(p, 'templates', '*', '*')}/xacct/*` },
    {
      Sid: 'EncryptUploadsWithTheArtifactKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: arn('kms', 'key/*'),
      Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' }, StringEquals: { [`aws:ResourceTag/${PREFIX_TAG}`]: p } },
    },
  ];
}

/**
 * What CloudFormation does with the caller's credentials while it creates, updates and deletes the
 * CI-account stacks: only on resources named with the prefix (roles, buckets, pipelines, projects,
 * log groups, parameters, aliases) or tagged with it (the key).
 */
function centralResources(p: string): Statement[] {
  return [
    {
      Sid: 'CentralStackRoles',
      Effect: 'Allow',
      Action: [
        'iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy',
        'iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies',
        'iam:TagRole', 'iam:UntagRole', 'iam:PassRole',
      ],
      Resource: `arn:aws:iam::*:role/${p}-*`,
    },
    { Sid: 'CentralStackKeyCreation', Effect: 'Allow', Action: ['kms:CreateKey', 'kms:TagResource'], Resource: '*', Condition: { StringEquals: { [`aws:RequestTag/${PREFIX_TAG}`]: p } } },
    {
      Sid: 'CentralStackKeys',
      Effect: 'Allow',
      Action: [
        'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:EnableKeyRotation', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags',
        'kms:TagResource', 'kms:UntagResource', 'kms:UpdateKeyDescription', 'kms:ReplicateKey', 'kms:ScheduleKeyDeletion', 'kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias',
      ],
      Resource: arn('kms', 'key/*'),
      Condition: { StringEquals: { [`aws:ResourceTag/${PREFIX_TAG}`]: p } },
    },
    { Sid: 'CentralStackKeyAliases', Effect: 'Allow', Action: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias', 'kms:ListAliases'], Resource: arn('kms', `alias/${p}-*`) },
    {
      // Bucket-level actions only: `${p}-*` also matches every object ARN in those buckets, and the
      // deployer has no business reading artifacts.
      Sid: 'CentralStackBuckets',
      Effect: 'Allow',
      Action: [
        's3:CreateBucket', 's3:DeleteBucket', 's3:ListBucket', 's3:GetBucket*', 's3:PutBucket*', 's3:DeleteBucketPolicy',
        's3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration',
      ],
      Resource: `arn:aws:s3:::${p}-*`,
    },
    { Sid: 'CentralStackPipelines', Effect: 'Allow', Action: 'codepipeline:*', Resource: arn('codepipeline', `${p}-*`) },
    { Sid: 'CentralStackBuildProjects', Effect: 'Allow', Action: 'codebuild:*', Resource: arn('codebuild', `project/${p}-*`) },
    { Sid: 'CentralStackLogGroups', Effect: 'Allow', Action: 'logs:*', Resource: [arn('logs', `log-group:/aws/codebuild/${p}-*`), arn('logs', `log-group:/aws/codebuild/${p}-*:*`)] },
    { Sid: 'CentralStackParameters', Effect: 'Allow', Action: 'ssm:*', Resource: arn('ssm', `parameter/${p}/*`) },
    { Sid: 'CentralStackEvents', Effect: 'Allow', Action: ['events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:PutTargets', 'events:RemoveTargets', 'events:TagResource', 'events:PutPermission', 'events:RemovePermission', 'events:DescribeEventBus'], Resource: [arn('events', `rule/${p}-*`), arn('events', 'event-bus/default')] },
  ];
}

/** The deployer's policy as a delegated administrator (trusted access already on). */
export function deployerPolicy(config: Pick<Config, 'prefix'>): PolicyDocument {
  const p = config.prefix;
  return { Version: '2012-10-17', Statement: [resourceless(), stackSets(p), stacks(p), ...templatesBucket(p), ...centralResources(p)] };
}
