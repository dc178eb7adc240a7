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
import { githubOidcProviderArn, names, PREFIX_TAG } from './names';
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

/**
 * Templates over the inline limit, xacct's engine and the resolved config: put into the templates
 * bucket with SSE-KMS and the artifact key. The engine and config are content-hashed and put only
 * when HeadObject finds them missing; "To use HEAD, you must have the s3:GetObject permission", and
 * a missing key answers 404 only with s3:ListBucket on the bucket (403 otherwise) ("HeadObject -
 * Amazon Simple Storage Service"); ListBucket comes with the central buckets' statement.
 */
function templatesBucket(p: string): Statement[] {
  return [
    {
      Sid: 'UploadLargeTemplates',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: `arn:aws:s3:::${names.bucket(p, 'templates', '*', '*')}/xacct/*`,
    },
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
        'iam:CreateRole',
        'iam:DeleteRole',
        'iam:GetRole',
        'iam:UpdateRole',
        'iam:UpdateRoleDescription',
        'iam:UpdateAssumeRolePolicy',
        'iam:PutRolePolicy',
        'iam:GetRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:PassRole',
      ],
      Resource: `arn:aws:iam::*:role/${p}-*`,
    },
    {
      Sid: 'CentralStackKeyCreation',
      Effect: 'Allow',
      Action: ['kms:CreateKey', 'kms:TagResource'],
      Resource: '*',
      Condition: { StringEquals: { [`aws:RequestTag/${PREFIX_TAG}`]: p } },
    },
    {
      Sid: 'CentralStackKeys',
      Effect: 'Allow',
      Action: [
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'kms:PutKeyPolicy',
        'kms:EnableKeyRotation',
        'kms:GetKeyRotationStatus',
        'kms:ListResourceTags',
        'kms:TagResource',
        'kms:UntagResource',
        'kms:UpdateKeyDescription',
        'kms:ReplicateKey',
        'kms:ScheduleKeyDeletion',
        'kms:CreateAlias',
        'kms:DeleteAlias',
        'kms:UpdateAlias',
      ],
      Resource: arn('kms', 'key/*'),
      Condition: { StringEquals: { [`aws:ResourceTag/${PREFIX_TAG}`]: p } },
    },
    {
      Sid: 'CentralStackKeyAliases',
      Effect: 'Allow',
      Action: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias', 'kms:ListAliases'],
      Resource: arn('kms', `alias/${p}-*`),
    },
    {
      // Bucket-level actions only: `${p}-*` also matches every object ARN in those buckets, and the
      // deployer has no business reading artifacts.
      Sid: 'CentralStackBuckets',
      Effect: 'Allow',
      Action: [
        's3:CreateBucket',
        's3:DeleteBucket',
        's3:ListBucket',
        's3:GetBucket*',
        's3:PutBucket*',
        's3:DeleteBucketPolicy',
        's3:GetEncryptionConfiguration',
        's3:PutEncryptionConfiguration',
        's3:GetLifecycleConfiguration',
        's3:PutLifecycleConfiguration',
      ],
      Resource: `arn:aws:s3:::${p}-*`,
    },
    // The actions of each type's CloudFormation resource handlers (create, read, update, delete and
    // tagging, as the types' registry schemas list them), not whole services: the policy is also the
    // GitHub deploy role's, and xacct lint allows no `service:*` in a template.
    {
      Sid: 'CentralStackPipelines',
      Effect: 'Allow',
      Action: [
        'codepipeline:CreatePipeline',
        'codepipeline:DeletePipeline',
        'codepipeline:GetPipeline',
        'codepipeline:GetPipelineState',
        'codepipeline:UpdatePipeline',
        'codepipeline:EnableStageTransition',
        'codepipeline:DisableStageTransition',
        'codepipeline:ListTagsForResource',
        'codepipeline:TagResource',
        'codepipeline:UntagResource',
      ],
      Resource: arn('codepipeline', `${p}-*`),
    },
    {
      Sid: 'CentralStackBuildProjects',
      Effect: 'Allow',
      Action: ['codebuild:BatchGetProjects', 'codebuild:CreateProject', 'codebuild:DeleteProject', 'codebuild:UpdateProject'],
      Resource: arn('codebuild', `project/${p}-*`),
    },
    {
      Sid: 'CentralStackLogGroups',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:DescribeLogGroups',
        'logs:PutRetentionPolicy',
        'logs:DeleteRetentionPolicy',
        'logs:AssociateKmsKey',
        'logs:DisassociateKmsKey',
        'logs:TagLogGroup',
        'logs:UntagLogGroup',
        'logs:ListTagsLogGroup',
        'logs:TagResource',
        'logs:UntagResource',
        'logs:ListTagsForResource',
      ],
      Resource: [arn('logs', `log-group:/aws/codebuild/${p}-*`), arn('logs', `log-group:/aws/codebuild/${p}-*:*`)],
    },
    {
      Sid: 'CentralStackParameters',
      Effect: 'Allow',
      Action: [
        'ssm:PutParameter',
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:DeleteParameter',
        'ssm:AddTagsToResource',
        'ssm:RemoveTagsFromResource',
        'ssm:ListTagsForResource',
      ],
      Resource: arn('ssm', `parameter/${p}/*`),
    },
    {
      Sid: 'CentralStackEvents',
      Effect: 'Allow',
      Action: [
        'events:PutRule',
        'events:DeleteRule',
        'events:DescribeRule',
        'events:PutTargets',
        'events:RemoveTargets',
        'events:TagResource',
        'events:DescribeEventBus',
      ],
      Resource: [arn('events', `rule/${p}-*`), arn('events', 'event-bus/default')],
    },
  ];
}

/** What the deployer policy depends on: the prefix, and the optional central resources the config turns on. */
export type DeployerConfig = Pick<Config, 'prefix'> & Partial<Pick<Config, 'ecr' | 'codeartifact' | 'github' | 'pipelines'>>;

/**
 * The CI account's default event bus admits the source accounts (pipeline template, EventBusPolicy).
 * "Actions, resources, and condition keys for Amazon EventBridge": PutPermission and RemovePermission
 * name no resource type and no condition key, so they are granted on "*", and only when a pipeline
 * reads a repository in another account.
 */
function eventBusPolicy(config: DeployerConfig): Statement[] {
  const crossAccount = (config.pipelines ?? []).some((pl) => 'codecommit' in pl.source && pl.source.codecommit.account);
  return crossAccount
    ? [{ Sid: 'CentralStackEventBusPolicy', Effect: 'Allow', Action: ['events:PutPermission', 'events:RemovePermission'], Resource: '*' }]
    : [];
}

/**
 * A pipeline whose source is a CodeConnections connection: CloudFormation creates it with the
 * deployer's credentials, and CreatePipeline with a connection ARN needs PassConnection on that
 * connection ("Actions, resources, and condition keys for AWS CodeConnections": PassConnection,
 * "pass a Connection resource to an AWS service that accepts a Connection ARN as input, such as
 * codepipeline:CreatePipeline"; condition key PassedToService). The action's namespace is the ARN's:
 * connections made before the rename are `codestar-connections`, newer ones `codeconnections`.
 * Only the connections the config names, only to CodePipeline.
 */
function connectionPassing(config: DeployerConfig): Statement[] {
  const arns = new Set((config.pipelines ?? []).flatMap((pl) => ('connection' in pl.source ? [pl.source.connection.arn] : [])));
  const out: Statement[] = [];
  for (const [namespace, sid] of [
    ['codestar-connections', 'CentralStackPassConnections'],
    ['codeconnections', 'CentralStackPassCodeConnections'],
  ] as const) {
    const mine = [...arns].filter((a) => a.split(':')[2] === namespace).sort();
    if (mine.length === 0) continue;
    out.push({
      Sid: sid,
      Effect: 'Allow',
      Action: `${namespace}:PassConnection`,
      Resource: mine,
      Condition: { StringEquals: { [`${namespace}:PassedToService`]: 'codepipeline.amazonaws.com' } },
    });
  }
  return out;
}

/** The container and package stores (ecr and codeartifact stacks), when the config has them. */
function storeResources(config: DeployerConfig): Statement[] {
  const p = config.prefix;
  const out: Statement[] = [];
  if (config.ecr) {
    out.push({
      Sid: 'CentralStackImageRepositories',
      Effect: 'Allow',
      Action: [
        'ecr:CreateRepository',
        'ecr:DeleteRepository',
        'ecr:DescribeRepositories',
        'ecr:PutLifecyclePolicy',
        'ecr:GetLifecyclePolicy',
        'ecr:DeleteLifecyclePolicy',
        'ecr:SetRepositoryPolicy',
        'ecr:GetRepositoryPolicy',
        'ecr:DeleteRepositoryPolicy',
        'ecr:PutImageTagMutability',
        'ecr:PutImageScanningConfiguration',
        'ecr:TagResource',
        'ecr:UntagResource',
        'ecr:ListTagsForResource',
      ],
      Resource: arn('ecr', `repository/${names.ecrRepository(p, '*')}`),
    });
  }
  if (config.codeartifact) {
    const domain = names.codeartifactDomain(p);
    // "Actions, resources, and condition keys for AWS CodeArtifact": CreateDomain and CreateRepository
    // name no resource type (Resource "*"); they take aws:RequestTag, and the template tags both.
    out.push({
      Sid: 'CentralStackPackageDomainCreation',
      Effect: 'Allow',
      Action: ['codeartifact:CreateDomain', 'codeartifact:CreateRepository'],
      Resource: '*',
      Condition: { StringEquals: { [`aws:RequestTag/${PREFIX_TAG}`]: p } },
    });
    out.push({
      Sid: 'CentralStackPackageDomain',
      Effect: 'Allow',
      Action: [
        'codeartifact:DeleteDomain',
        'codeartifact:DescribeDomain',
        'codeartifact:PutDomainPermissionsPolicy',
        'codeartifact:GetDomainPermissionsPolicy',
        'codeartifact:DeleteDomainPermissionsPolicy',
        'codeartifact:DeleteRepository',
        'codeartifact:DescribeRepository',
        'codeartifact:UpdateRepository',
        'codeartifact:PutRepositoryPermissionsPolicy',
        'codeartifact:GetRepositoryPermissionsPolicy',
        'codeartifact:DeleteRepositoryPermissionsPolicy',
        'codeartifact:TagResource',
        'codeartifact:UntagResource',
        'codeartifact:ListTagsForResource',
      ],
      Resource: [arn('codeartifact', `domain/${domain}`), arn('codeartifact', `repository/${domain}/*`)],
    });
  }
  if (config.ecr?.encryption === 'KMS' || config.codeartifact) {
    // "Encryption at rest" (Amazon ECR): whoever creates a repository encrypted with a KMS key needs
    // kms:CreateGrant and kms:RetireGrant on it (DescribeKey is in CentralStackKeys); "CreateDomain"
    // (CodeArtifact API) likewise kms:CreateGrant. The services ask for the grants on the caller's behalf.
    out.push({
      Sid: 'CentralStackStoreKeyGrants',
      Effect: 'Allow',
      Action: ['kms:CreateGrant', 'kms:RetireGrant'],
      Resource: arn('kms', 'key/*'),
      Condition: {
        StringEquals: { [`aws:ResourceTag/${PREFIX_TAG}`]: p },
        StringLike: { 'kms:ViaService': ['ecr.*.amazonaws.com', 'codeartifact.*.amazonaws.com'] },
      },
    });
  }
  return out;
}

/**
 * The github-oidc-role stack, when the config has it: the OIDC provider, and the managed policies the
 * config names for its roles (xacct's own policies are inline, which CentralStackRoles covers).
 */
function githubResources(config: DeployerConfig): Statement[] {
  const github = config.github;
  if (!github) return [];
  const p = config.prefix;
  const attached = [...(github.deployPolicyArns ?? []), ...(github.planRole ? (github.planPolicyArns ?? []) : [])].map((a) =>
    a.replace(/\$\{AWS::Partition\}/g, 'aws').replace(/\$\{AWS::AccountId\}/g, '*'),
  );
  const out: Statement[] = [];
  if (attached.length > 0) {
    out.push({
      Sid: 'CentralStackGithubRolePolicies',
      Effect: 'Allow',
      Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
      Resource: [`arn:aws:iam::*:role/${names.githubDeployRole(p)}`, `arn:aws:iam::*:role/${names.githubPlanRole(p)}`],
      Condition: { ArnLike: { 'iam:PolicyARN': [...new Set(attached)] } },
    });
  }
  if (github.createProvider) {
    out.push({
      Sid: 'CentralStackGithubProvider',
      Effect: 'Allow',
      Action: [
        'iam:CreateOpenIDConnectProvider',
        'iam:DeleteOpenIDConnectProvider',
        'iam:GetOpenIDConnectProvider',
        'iam:AddClientIDToOpenIDConnectProvider',
        'iam:RemoveClientIDFromOpenIDConnectProvider',
        'iam:UpdateOpenIDConnectProviderThumbprint',
        'iam:TagOpenIDConnectProvider',
        'iam:UntagOpenIDConnectProvider',
      ],
      Resource: githubOidcProviderArn('aws', '*'),
    });
  }
  return out;
}

/** The deployer's policy as a delegated administrator (trusted access already on). */
export function deployerPolicy(config: DeployerConfig): PolicyDocument {
  const p = config.prefix;
  return {
    Version: '2012-10-17',
    Statement: [
      resourceless(),
      stackSets(p),
      stacks(p),
      ...templatesBucket(p),
      ...centralResources(p),
      ...eventBusPolicy(config),
      ...connectionPassing(config),
      ...storeResources(config),
      ...githubResources(config),
    ],
  };
}

/** A read-only action: Describe*, Get*, List* (and GetCallerIdentity among them). */
const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List)/;

/**
 * What `xacct plan` needs: the deployer's own calls that only read (preflight, the organization
 * tree, StackSets and their instances and operations, stacks and their templates, the inventory),
 * with the same resources; nothing of what CloudFormation does with the deployer's credentials, and
 * nothing that changes anything. The GitHub plan role's default policy.
 */
export function plannerPolicy(config: Pick<Config, 'prefix'>): PolicyDocument {
  const p = config.prefix;
  const statements = [resourceless(), stackSets(p), stacks(p)].flatMap((st): Statement[] => {
    const actions = (Array.isArray(st.Action) ? st.Action : [st.Action ?? '']).filter((a) => READ_ONLY.test(a));
    return actions.length > 0 ? [{ ...st, Sid: `${st.Sid}Read`, Action: actions }] : [];
  });
  return { Version: '2012-10-17', Statement: statements };
}
