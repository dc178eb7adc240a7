/**
 * The in-memory organization itself, through real SDK clients: the wire protocols, managed
 * execution, lagging and unordered lists, parameter checks, TemplateURL from the in-memory S3, tags
 * and filters. Each behaviour is the one the API reference describes (cited in fake-aws.ts).
 */
import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateChangeSetCommand,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DeleteStackInstancesCommand,
  DeleteStackSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  DescribeStackSetCommand,
  DescribeStackSetOperationCommand,
  ExecuteChangeSetCommand,
  ListStackInstancesCommand,
  ListStackSetOperationResultsCommand,
  ListStackSetOperationsCommand,
  Parameter,
  UpdateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import { ListAccountsForParentCommand } from '@aws-sdk/client-organizations';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { explainAwsFailure } from '../../deploy/aws-error';
import { CI_ACCOUNT, FakeAws, standardOrg } from './fake-aws';
import { FakeFault } from './fake-wire';
import { onSdkTime, sdkSlept } from './sdk-time';

const REGION = 'eu-west-1';
let fake: FakeAws;
afterEach(() => fake?.restore());

const TEMPLATE = JSON.stringify({
  Parameters: {
    Prefix: { Type: 'String', Default: 'xacct', AllowedPattern: '^[a-z][a-z0-9-]*$' },
    CiAccountId: { Type: 'String', AllowedPattern: '^\\d{12}$', ConstraintDescription: 'a 12-digit AWS account ID' },
  },
  Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
});

function cfn(o: { maxAttempts?: number } = {}): CloudFormationClient {
  return fake.clients({ region: REGION, maxAttempts: o.maxAttempts }).cfn(REGION);
}

const awsError = async (p: Promise<unknown>): Promise<CloudFormationServiceException> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as CloudFormationServiceException;
};

async function stackSet(name: string, o: { managed?: boolean; parameters?: Parameter[]; tags?: Array<{ Key: string; Value: string }> } = {}): Promise<void> {
  await cfn().send(
    new CreateStackSetCommand({
      StackSetName: name,
      TemplateBody: TEMPLATE,
      Parameters: o.parameters ?? [{ ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT }],
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      ManagedExecution: { Active: o.managed ?? true },
      Tags: o.tags,
      CallAs: 'DELEGATED_ADMIN',
    }),
  );
}

const addOu = (name: string, ou: string, id: string) =>
  cfn().send(
    new CreateStackInstancesCommand({
      StackSetName: name,
      CallAs: 'DELEGATED_ADMIN',
      OperationId: id,
      DeploymentTargets: { OrganizationalUnitIds: [ou] },
      Regions: [REGION],
    }),
  );
const describeOp = (name: string, id: string) =>
  cfn().send(new DescribeStackSetOperationCommand({ StackSetName: name, OperationId: id, CallAs: 'DELEGATED_ADMIN' }));

/** Poll the StackSet's newest operation until none runs or waits (each describe is one step of time). */
async function settle(name: string): Promise<void> {
  const ops = () => fake.stackSets.get(name)!.operations;
  for (let i = 0; i < 50 && ops().some((o) => o.status === 'RUNNING' || o.status === 'QUEUED'); i++) await describeOp(name, ops()[ops().length - 1].id);
}

describe('wire protocols', () => {
  test('query protocol: lists, empty lists, booleans and numbers arrive typed; text survives XML escaping both ways', async () => {
    fake = standardOrg({ accounts: 5 });
    await cfn().send(
      new CreateStackSetCommand({
        StackSetName: 'wire',
        Description: `a <b> & "c" 'd'`,
        TemplateBody: TEMPLATE,
        Parameters: [{ ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT }],
        Capabilities: [],
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true },
        ManagedExecution: { Active: true },
        CallAs: 'DELEGATED_ADMIN',
      }),
    );
    const sent = fake.calls.find((c) => c.op === 'CreateStackSet')!.input;
    expect(sent.Capabilities).toEqual([]);
    expect(sent.ManagedExecution).toEqual({ Active: true });
    expect(sent.Parameters).toEqual([{ ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT }]);
    // The SDK filled the idempotency token it was not given.
    expect(sent.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);

    const s = (await cfn().send(new DescribeStackSetCommand({ StackSetName: 'wire', CallAs: 'DELEGATED_ADMIN' }))).StackSet!;
    expect(s.Description).toBe(`a <b> & "c" 'd'`);
    expect(s.ManagedExecution).toEqual({ Active: true });
    expect(s.Parameters).toEqual([
      { ParameterKey: 'Prefix', ParameterValue: 'xacct' },
      { ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT },
    ]);

    await addOu('wire', fake.ou('Root/Sandbox'), 'op-1');
    const op = (await describeOp('wire', 'op-1')).StackSetOperation!;
    expect(op.CreationTimestamp).toBeInstanceOf(Date);
    expect(fake.calls.find((c) => c.op === 'CreateStackInstances')!.input.DeploymentTargets).toEqual({ OrganizationalUnitIds: [fake.ou('Root/Sandbox')] });
  });

  test('JSON 1.1 (Organizations): epoch-second timestamps become Dates; errors carry the exception name and the model status', async () => {
    fake = standardOrg({ accounts: 5 });
    const org = fake.clients({ region: REGION }).org;
    const page = await org.send(new ListAccountsForParentCommand({ ParentId: fake.ou('Root/Infrastructure') }));
    expect(page.Accounts![0].JoinedTimestamp).toEqual(new Date(1_600_000_000_000));
    const err = await awsError(org.send(new ListAccountsForParentCommand({ ParentId: 'ou-ab12-99999999' })));
    expect(err.name).toBe('ParentNotFoundException');
    expect(err.message).toBe("We can't find a root or OU with the ParentId that you specified.");
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  test("query errors use the model's awsQueryError code and status: ChangeSetNotFound is 404, OperationInProgress 409", async () => {
    fake = standardOrg({ accounts: 5 });
    await stackSet('errors', { managed: false });
    await addOu('errors', fake.ou('Root/Sandbox'), 'first');
    const busy = await awsError(addOu('errors', fake.ou('Root/Security'), 'second'));
    expect(busy.name).toBe('OperationInProgressException');
    expect(busy.$metadata.httpStatusCode).toBe(409);
    const noStack = await awsError(cfn().send(new DescribeChangeSetCommand({ StackName: 'nope', ChangeSetName: 'x' })));
    expect([noStack.name, noStack.message, noStack.$metadata.httpStatusCode]).toEqual(['ValidationError', 'Stack with id nope does not exist', 400]);
    await cfn().send(
      new CreateChangeSetCommand({
        StackName: 'errs',
        ChangeSetName: 'cs',
        ChangeSetType: 'CREATE',
        TemplateBody: TEMPLATE,
        Parameters: [{ ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT }],
      }),
    );
    const noChangeSet = await awsError(cfn().send(new DescribeChangeSetCommand({ StackName: 'errs', ChangeSetName: 'other' })));
    expect([noChangeSet.name, noChangeSet.$metadata.httpStatusCode]).toEqual(['ChangeSetNotFoundException', 404]);
  });

  test('throttling goes through the SDK: retried with backoff on a virtual clock, then given up after maxAttempts with the API named', async () => {
    fake = standardOrg({ accounts: 5 });
    await stackSet('busy');
    fake.throttle('DescribeStackSet', 2);
    sdkSlept(true);
    const out = await onSdkTime(() => cfn({ maxAttempts: 3 }).send(new DescribeStackSetCommand({ StackSetName: 'busy', CallAs: 'DELEGATED_ADMIN' })));
    expect(out.$metadata.attempts).toBe(3);
    expect(fake.count('DescribeStackSet')).toBe(3);
    // The SDK backed off (up to a second per throttled attempt) and its rate limiter waited: on the virtual clock.
    expect(sdkSlept(true)).toBeGreaterThan(0);

    fake.throttle('DescribeStackSet', 5);
    const err = await awsError(onSdkTime(() => cfn({ maxAttempts: 2 }).send(new DescribeStackSetCommand({ StackSetName: 'busy', CallAs: 'DELEGATED_ADMIN' }))));
    expect(err.name).toBe('Throttling');
    expect(err.$metadata.attempts).toBe(2);
    expect(fake.count('DescribeStackSet')).toBe(5);
    // xacct's guard middleware ran around the SDK's retries: the failure names the API.
    expect(explainAwsFailure(err)!.message).toMatch(/cloudformation:DescribeStackSet/);
  });

  test('an aborted request is refused before it reaches the service', async () => {
    fake = standardOrg({ accounts: 5 });
    const handler = fake.handler();
    const controller = new AbortController();
    controller.abort();
    const request = { method: 'POST', protocol: 'https:', hostname: 'x', path: '/', query: {}, headers: {} };
    await expect(handler.handle(request, { abortSignal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(fake.calls).toEqual([]);
  });
});

describe('managed execution', () => {
  test('a conflicting operation is QUEUED and starts when the running one ends; without managed execution it is refused', async () => {
    fake = standardOrg({ accounts: 5 });
    await stackSet('queued');
    await addOu('queued', fake.ou('Root/Sandbox'), 'first');
    await cfn().send(
      new UpdateStackSetCommand({
        StackSetName: 'queued',
        CallAs: 'DELEGATED_ADMIN',
        OperationId: 'second',
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'CiAccountId', UsePreviousValue: true }],
      }),
    );
    expect((await describeOp('queued', 'second')).StackSetOperation!.Status).toBe('QUEUED');
    const listed = (await cfn().send(new ListStackSetOperationsCommand({ StackSetName: 'queued', CallAs: 'DELEGATED_ADMIN' }))).Summaries!;
    expect(listed.map((o) => `${o.OperationId} ${o.Status}`)).toEqual(['second QUEUED', 'first RUNNING']);
    await settle('queued');
    const [first, second] = fake.stackSets.get('queued')!.operations;
    expect(first.history).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(second.history).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(first.ended!.getTime()).toBeLessThan(second.ended!.getTime());

    await stackSet('one-at-a-time', { managed: false });
    await addOu('one-at-a-time', fake.ou('Root/Sandbox'), 'a');
    expect((await awsError(addOu('one-at-a-time', fake.ou('Root/Security'), 'b'))).name).toBe('OperationInProgressException');
  });

  test('queued operations that do not conflict run side by side; a StackSet-wide one waits for both', async () => {
    fake = standardOrg({ accounts: 10 });
    await stackSet('side');
    await addOu('side', fake.ou('Root/Sandbox'), 'sandbox');
    await addOu('side', fake.ou('Root/Workloads/Prod'), 'prod');
    await cfn().send(
      new UpdateStackSetCommand({
        StackSetName: 'side',
        CallAs: 'DELEGATED_ADMIN',
        OperationId: 'update',
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'CiAccountId', UsePreviousValue: true }],
      }),
    );
    // Incoming operations queue while another runs, then start in request order when nothing conflicts.
    expect((await describeOp('side', 'prod')).StackSetOperation!.Status).toBe('RUNNING');
    const ops = () => fake.stackSets.get('side')!.operations.map((o) => o.status);
    expect(ops()).toEqual(['RUNNING', 'RUNNING', 'QUEUED']);
    await settle('side');
    const [sandbox, prod, update] = fake.stackSets.get('side')!.operations;
    expect(update.history).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(update.ended!.getTime()).toBeGreaterThan(Math.max(sandbox.ended!.getTime(), prod.ended!.getTime()));
  });

  test('the execution configuration cannot change while operations run or wait, and a StackSet with queued work cannot be deleted', async () => {
    fake = standardOrg({ accounts: 5 });
    await stackSet('config');
    await addOu('config', fake.ou('Root/Sandbox'), 'first');
    const change = await awsError(
      cfn().send(
        new UpdateStackSetCommand({
          StackSetName: 'config',
          CallAs: 'DELEGATED_ADMIN',
          UsePreviousTemplate: true,
          Parameters: [{ ParameterKey: 'CiAccountId', UsePreviousValue: true }],
          ManagedExecution: { Active: false },
        }),
      ),
    );
    expect(change.name).toBe('ValidationError');
    expect(change.message).toMatch(/running or queued operations/);
    expect((await awsError(cfn().send(new DeleteStackSetCommand({ StackSetName: 'config', CallAs: 'DELEGATED_ADMIN' })))).name).toBe(
      'OperationInProgressException',
    );
  });
});

describe('auto-deployment and account filters', () => {
  test('an account joining an OU named with an INTERSECTION filter gets an instance when auto-deployment is on, none when it is off', async () => {
    fake = standardOrg({ accounts: 5 });
    const sandbox = fake.ou('Root/Sandbox');
    const named = fake.accountsUnder(sandbox)[0];
    for (const [name, enabled] of [
      ['auto', true],
      ['manual', false],
    ] as const) {
      await stackSet(name);
      if (!enabled)
        await cfn().send(
          new UpdateStackSetCommand({
            StackSetName: name,
            CallAs: 'DELEGATED_ADMIN',
            UsePreviousTemplate: true,
            Parameters: [{ ParameterKey: 'CiAccountId', UsePreviousValue: true }],
            AutoDeployment: { Enabled: false },
          }),
        );
      await settle(name);
      await cfn().send(
        new CreateStackInstancesCommand({
          StackSetName: name,
          CallAs: 'DELEGATED_ADMIN',
          OperationId: `${name}-add`,
          DeploymentTargets: { OrganizationalUnitIds: [sandbox], Accounts: [named], AccountFilterType: 'INTERSECTION' },
          Regions: [REGION],
        }),
      );
      await settle(name);
      expect([...fake.stackSets.get(name)!.instances.keys()]).toEqual([`${named}/${REGION}`]);
    }
    fake.addAccount(sandbox, '888888888888');
    expect([...fake.stackSets.get('auto')!.instances.keys()].sort()).toEqual([`${named}/${REGION}`, `888888888888/${REGION}`]);
    expect([...fake.stackSets.get('manual')!.instances.keys()]).toEqual([`${named}/${REGION}`]);
  });
});

describe('lists: lag and no order guarantee', () => {
  test('with listLag, list calls see a write only after that many further calls; describes see it at once', async () => {
    fake = standardOrg({ accounts: 10, listLag: 3 });
    await stackSet('lag');
    await settle('lag');
    const operations = async () =>
      (await cfn().send(new ListStackSetOperationsCommand({ StackSetName: 'lag', CallAs: 'DELEGATED_ADMIN' }))).Summaries!.map((o) => o.OperationId);
    const instances = async () => (await cfn().send(new ListStackInstancesCommand({ StackSetName: 'lag', CallAs: 'DELEGATED_ADMIN' }))).Summaries!.length;
    // A write in one call; the next three calls (a describe, then two lists) still list the state from before it.
    await addOu('lag', fake.ou('Root/Sandbox'), 'op-lag');
    expect((await describeOp('lag', 'op-lag')).StackSetOperation!.Status).toBe('RUNNING');
    expect([await operations(), await operations()]).toEqual([[], []]);
    expect(await operations()).toEqual(['op-lag']);

    const before = await instances();
    await describeOp('lag', 'op-lag'); // one more step of the operation: more instances
    const after = fake.stackSets.get('lag')!.instances.size;
    expect(after).toBeGreaterThan(before);
    expect([await instances(), await instances(), await instances(), await instances()]).toEqual([before, before, before, after]);
  });

  test('with shuffleSeed, list order is neither creation nor name order, is the same on every call, and pages still cover every item once', async () => {
    fake = standardOrg({ accounts: 50, shuffleSeed: 7, cfnPageSize: 9 });
    await stackSet('shuffled');
    await addOu('shuffled', fake.ou('Root/Workloads/NonProd'), 'op-1');
    for (let i = 0; i < 5; i++) await describeOp('shuffled', 'op-1');
    const all = async () => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await cfn().send(new ListStackInstancesCommand({ StackSetName: 'shuffled', CallAs: 'DELEGATED_ADMIN', NextToken: token }));
        out.push(...page.Summaries!.map((s) => s.Account!));
        token = page.NextToken;
      } while (token);
      return out;
    };
    const first = await all();
    expect(first).toHaveLength(20);
    expect(new Set(first).size).toBe(20);
    expect(first).not.toEqual([...first].sort());
    expect(await all()).toEqual(first);
    fake.shuffleSeed = 8;
    expect(await all()).not.toEqual(first);
  });
});

describe('parameters', () => {
  const changeSet = (parameters: Parameter[], body = TEMPLATE) =>
    cfn().send(new CreateChangeSetCommand({ StackName: 'params', ChangeSetName: 'cs', ChangeSetType: 'CREATE', TemplateBody: body, Parameters: parameters }));

  test('a declared parameter without Default and without a value, and an unknown key, are refused as CloudFormation refuses them', async () => {
    fake = standardOrg({ accounts: 5 });
    const missing = await awsError(changeSet([]));
    expect(missing.name).toBe('ValidationError');
    expect(missing.message).toBe('Parameters: [CiAccountId] must have values');
    const unknown = await awsError(
      changeSet([
        { ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT },
        { ParameterKey: 'Stage', ParameterValue: 'x' },
        { ParameterKey: 'Colour', ParameterValue: 'y' },
      ]),
    );
    expect(unknown.message).toBe('Parameters: [Stage, Colour] do not exist in the template');
    const none = await awsError(changeSet([{ ParameterKey: 'X', ParameterValue: 'y' }], JSON.stringify({ Resources: { T: { Type: 'AWS::SNS::Topic' } } })));
    expect(none.message).toBe('Parameter values specified for a template which does not require them.');
    const pattern = await awsError(changeSet([{ ParameterKey: 'CiAccountId', ParameterValue: '123' }]));
    expect(pattern.message).toBe('Parameter CiAccountId failed to satisfy constraint: a 12-digit AWS account ID');
    expect(fake.stacks.size).toBe(0);

    await changeSet([{ ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT }]);
    expect(fake.stack(REGION, 'params')!.changeSets.get('cs')!.parameters).toEqual({ Prefix: 'xacct', CiAccountId: CI_ACCOUNT });
  });

  test('CreateStackSet refuses the same way; UpdateStackSet keeps a value given as UsePreviousValue', async () => {
    fake = standardOrg({ accounts: 5 });
    expect((await awsError(stackSet('p', { parameters: [] }))).message).toBe('Parameters: [CiAccountId] must have values');
    expect((await awsError(stackSet('p', { parameters: [{ ParameterKey: 'Nope', ParameterValue: '1' }] }))).message).toBe(
      'Parameters: [Nope] do not exist in the template',
    );
    await stackSet('p');
    await cfn().send(
      new UpdateStackSetCommand({
        StackSetName: 'p',
        CallAs: 'DELEGATED_ADMIN',
        UsePreviousTemplate: true,
        Parameters: [
          { ParameterKey: 'CiAccountId', UsePreviousValue: true },
          { ParameterKey: 'Prefix', ParameterValue: 'other' },
        ],
      }),
    );
    expect(fake.stackSets.get('p')!.parameters).toEqual({ Prefix: 'other', CiAccountId: CI_ACCOUNT });
    const lost = await awsError(
      cfn().send(
        new UpdateStackSetCommand({
          StackSetName: 'p',
          CallAs: 'DELEGATED_ADMIN',
          UsePreviousTemplate: true,
          Parameters: [{ ParameterKey: 'Prefix', ParameterValue: 'x' }],
        }),
      ),
    );
    expect(lost.message).toBe('Parameters: [CiAccountId] must have values');
  });
});

describe('TemplateURL and the in-memory S3', () => {
  const BUCKET_TEMPLATE = JSON.stringify({
    Parameters: { KeyArn: { Type: 'String' } },
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': 'templates-${AWS::AccountId}-${AWS::Region}' } } },
      Policy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'Bucket' },
          PolicyDocument: {
            Statement: [
              {
                Sid: 'DenyWithoutKms',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:PutObject',
                Resource: { 'Fn::Sub': '${Bucket.Arn}/*' },
                Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
              },
              {
                Sid: 'DenyOtherKeys',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:PutObject',
                Resource: { 'Fn::Sub': '${Bucket.Arn}/*' },
                Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': { Ref: 'KeyArn' } } },
              },
            ],
          },
        },
      },
    },
  });
  const KEY = `arn:aws:kms:${REGION}:${CI_ACCOUNT}:key/mrk-00000000000000000000000000000001`;
  const BUCKET = `templates-${CI_ACCOUNT}-${REGION}`;

  async function deployStack(name: string, source: { TemplateBody: string } | { TemplateURL: string }, parameters: Parameter[] = []): Promise<void> {
    await cfn().send(new CreateChangeSetCommand({ StackName: name, ChangeSetName: 'cs', ChangeSetType: 'CREATE', ...source, Parameters: parameters }));
    for (let i = 0; i < 5; i++) await cfn().send(new DescribeChangeSetCommand({ StackName: name, ChangeSetName: 'cs' }));
    await cfn().send(new ExecuteChangeSetCommand({ StackName: name, ChangeSetName: 'cs' }));
    for (let i = 0; i < 5; i++) await cfn().send(new DescribeStacksCommand({ StackName: name }));
  }

  test("a stack's bucket exists once it is deployed; its policy refuses puts without SSE-KMS or with another key; the body is read back through TemplateURL", async () => {
    fake = standardOrg({ accounts: 5 });
    await deployStack('buckets', { TemplateBody: BUCKET_TEMPLATE }, [{ ParameterKey: 'KeyArn', ParameterValue: KEY }]);
    expect(fake.s3.buckets.get(BUCKET)!.policy.map((s) => s.Resource)).toEqual([`arn:aws:s3:::${BUCKET}/*`, `arn:aws:s3:::${BUCKET}/*`]);
    const s3 = fake.clients({ region: REGION }).s3(REGION);
    const body = JSON.stringify({ Resources: { Big: { Type: 'AWS::SNS::Topic', Metadata: { pad: 'x'.repeat(60_000) } } } });
    const put = (extra: object) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big/template.json', Body: body, ...extra }));

    expect((await awsError(put({}))).name).toBe('AccessDenied');
    expect((await awsError(put({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY.replace(/1$/, '2') }))).name).toBe('AccessDenied');
    const ok = await put({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY });
    expect(ok.ServerSideEncryption).toBe('aws:kms');
    expect(fake.s3.puts.map((p) => p.refused ?? 'stored')).toEqual(['AccessDenied by DenyWithoutKms', 'AccessDenied by DenyOtherKeys', 'stored']);
    expect(fake.s3.buckets.get(BUCKET)!.objects.get('big/template.json')).toMatchObject({ sse: 'aws:kms', kmsKeyId: KEY });

    const tooBig = await awsError(
      cfn().send(new CreateChangeSetCommand({ StackName: 'big', ChangeSetName: 'cs', ChangeSetType: 'CREATE', TemplateBody: body })),
    );
    expect(tooBig.message).toMatch(/Member must have length less than or equal to 51200/);
    await deployStack('big', { TemplateURL: `https://${BUCKET}.s3.${REGION}.amazonaws.com/big/template.json` });
    expect(fake.stack(REGION, 'big')!.body).toBe(body);

    const missing = await awsError(
      cfn().send(
        new CreateChangeSetCommand({
          StackName: 'gone',
          ChangeSetName: 'cs',
          ChangeSetType: 'CREATE',
          TemplateURL: `https://${BUCKET}.s3.${REGION}.amazonaws.com/nothing.json`,
        }),
      ),
    );
    expect(missing.message).toBe('TemplateURL must reference a valid S3 object to which you have access.');
    expect((await awsError(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' })))).name).toBe('NoSuchBucket');
  });
});

describe('tags, stack listing and filters', () => {
  test('StackSet tags are kept, replaced and returned; change set tags land on the stack; DescribeStacks without a name lists every stack of the region', async () => {
    fake = standardOrg({ accounts: 5, cfnPageSize: 2 });
    await stackSet('tagged', { tags: [{ Key: 'xacct:prefix', Value: 'xacct' }] });
    const tagsOf = async () => (await cfn().send(new DescribeStackSetCommand({ StackSetName: 'tagged', CallAs: 'DELEGATED_ADMIN' }))).StackSet!.Tags;
    expect(await tagsOf()).toEqual([{ Key: 'xacct:prefix', Value: 'xacct' }]);
    const update = (tags?: Array<{ Key: string; Value: string }>) =>
      cfn().send(
        new UpdateStackSetCommand({
          StackSetName: 'tagged',
          CallAs: 'DELEGATED_ADMIN',
          UsePreviousTemplate: true,
          Parameters: [{ ParameterKey: 'CiAccountId', UsePreviousValue: true }],
          Tags: tags,
        }),
      );
    await update();
    await settle('tagged');
    expect(await tagsOf()).toEqual([{ Key: 'xacct:prefix', Value: 'xacct' }]);
    await update([{ Key: 'xacct:prefix', Value: 'other' }]);
    await settle('tagged');
    expect(await tagsOf()).toEqual([{ Key: 'xacct:prefix', Value: 'other' }]);
    await update([]);
    await settle('tagged');
    expect(await tagsOf()).toEqual([]);

    for (const name of ['a', 'b', 'c']) {
      await cfn().send(
        new CreateChangeSetCommand({
          StackName: name,
          ChangeSetName: 'cs',
          ChangeSetType: 'CREATE',
          TemplateBody: TEMPLATE,
          Parameters: [{ ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT }],
          Tags: [{ Key: 'xacct:prefix', Value: name }],
        }),
      );
      for (let i = 0; i < 3; i++) await cfn().send(new DescribeChangeSetCommand({ StackName: name, ChangeSetName: 'cs' }));
      await cfn().send(new ExecuteChangeSetCommand({ StackName: name, ChangeSetName: 'cs' }));
      for (let i = 0; i < 3; i++) await cfn().send(new DescribeStacksCommand({ StackName: name }));
    }
    const other = fake.clients({ region: 'us-east-1' }).cfn('us-east-1');
    expect((await other.send(new DescribeStacksCommand({}))).Stacks).toEqual([]);
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await cfn().send(new DescribeStacksCommand({ NextToken: token }));
      listed.push(...page.Stacks!.map((s) => `${s.StackName} ${s.StackStatus} ${s.Tags!.map((t) => `${t.Key}=${t.Value}`).join(',')}`));
      token = page.NextToken;
    } while (token);
    expect(listed).toEqual(['a CREATE_COMPLETE xacct:prefix=a', 'b CREATE_COMPLETE xacct:prefix=b', 'c CREATE_COMPLETE xacct:prefix=c']);
  });

  test('ListStackInstances honours DETAILED_STATUS, LAST_OPERATION_ID and DRIFT_STATUS; ListStackSetOperationResults OPERATION_RESULT_STATUS; other filter names are refused', async () => {
    fake = standardOrg({ accounts: 10 });
    const bad = fake.accountsUnder(fake.ou('Root/Sandbox'))[0];
    fake.instanceFailures.set(bad, 'Role already exists');
    await stackSet('filtered');
    await cfn().send(
      new CreateStackInstancesCommand({
        StackSetName: 'filtered',
        CallAs: 'DELEGATED_ADMIN',
        OperationId: 'add',
        DeploymentTargets: { OrganizationalUnitIds: [fake.ou('Root/Sandbox')] },
        Regions: [REGION],
        OperationPreferences: { FailureTolerancePercentage: 100 },
      }),
    );
    for (let i = 0; i < 5; i++) await describeOp('filtered', 'add');
    const instances = async (Name: 'DETAILED_STATUS' | 'LAST_OPERATION_ID' | 'DRIFT_STATUS', Values: string) =>
      (await cfn().send(new ListStackInstancesCommand({ StackSetName: 'filtered', CallAs: 'DELEGATED_ADMIN', Filters: [{ Name, Values }] }))).Summaries!.map(
        (s) => s.Account,
      );
    expect(await instances('DETAILED_STATUS', 'FAILED')).toEqual([bad]);
    expect(await instances('DETAILED_STATUS', 'SUCCEEDED')).toEqual(fake.accountsUnder(fake.ou('Root/Sandbox')).filter((a) => a !== bad));
    expect(await instances('LAST_OPERATION_ID', 'add')).toHaveLength(2);
    expect(await instances('LAST_OPERATION_ID', 'other')).toEqual([]);
    expect(await instances('DRIFT_STATUS', 'NOT_CHECKED')).toHaveLength(2);
    const results = await cfn().send(
      new ListStackSetOperationResultsCommand({
        StackSetName: 'filtered',
        CallAs: 'DELEGATED_ADMIN',
        OperationId: 'add',
        Filters: [{ Name: 'OPERATION_RESULT_STATUS', Values: 'FAILED' }],
      }),
    );
    expect(results.Summaries!.map((r) => `${r.Account} ${r.StatusReason}`)).toEqual([`${bad} Role already exists`]);
    const wrong = await awsError(
      cfn().send(
        new ListStackInstancesCommand({ StackSetName: 'filtered', CallAs: 'DELEGATED_ADMIN', Filters: [{ Name: 'STATUS' as 'DETAILED_STATUS', Values: 'x' }] }),
      ),
    );
    expect(wrong.name).toBe('ValidationError');
  });
});

describe('named resources are unique in an account across StackSets', () => {
  const named = (role: string) =>
    JSON.stringify({
      Parameters: { Prefix: { Type: 'String', Default: 'xacct' } },
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: { 'Fn::Sub': `\${Prefix}-${role}` } } },
        Arn: { Type: 'AWS::SSM::Parameter', Properties: { Name: { 'Fn::Sub': `/\${Prefix}/roles/${role}` }, Type: 'String', Value: 'x' } },
      },
    });
  const create = async (name: string, body: string, ou: string, id: string) => {
    await cfn().send(
      new CreateStackSetCommand({
        StackSetName: name,
        TemplateBody: body,
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true },
        CallAs: 'DELEGATED_ADMIN',
      }),
    );
    await cfn().send(
      new CreateStackInstancesCommand({
        StackSetName: name,
        CallAs: 'DELEGATED_ADMIN',
        OperationId: id,
        DeploymentTargets: { OrganizationalUnitIds: [ou] },
        Regions: [REGION],
      }),
    );
    await settle(name);
  };
  const statuses = (name: string) =>
    [...fake.stackSets.get(name)!.instances.values()].map((i) => `${i.account} ${i.detailed}${i.reason ? `: ${i.reason}` : ''}`);

  test("a role another StackSet's stack holds in the account fails the instance (CreateRole: names unique within the account); other names and other accounts do not clash", async () => {
    fake = standardOrg({ accounts: 5 }).install();
    const sandbox = fake.ou('Root/Sandbox');
    const [account] = fake.accountsUnder(sandbox);
    await create('first', named('source-access'), sandbox, 'first-add');
    expect(statuses('first')).toEqual([`${account} SUCCEEDED`]);
    await create('second', named('source-access'), sandbox, 'second-add');
    expect(statuses('second')).toEqual([
      `${account} FAILED: Resource handler returned message: "Role with name xacct-source-access already exists." (HandlerErrorCode: AlreadyExists)`,
    ]);
    await create('third', named('other'), sandbox, 'third-add');
    expect(statuses('third')).toEqual([`${account} SUCCEEDED`]);
    expect(fake.namedResources.get(`${account}/iam-role/xacct-source-access`)).toBe('first');
    expect(fake.namedResources.get(`${account}/ssm/${REGION}//xacct/roles/other`)).toBe('third');
    const [elsewhere] = fake.accountsUnder(fake.ou('Root/Workloads/Prod/Payments'));
    await create('fourth', named('source-access'), fake.ou('Root/Workloads/Prod/Payments'), 'fourth-add');
    expect(statuses('fourth')).toEqual([`${elsewhere} SUCCEEDED`]);
  });

  test('the same StackSet in a second region of the account clashes with itself on an IAM name, not on a regional SSM parameter', async () => {
    fake = standardOrg({ accounts: 5 }).install();
    const sandbox = fake.ou('Root/Sandbox');
    const [account] = fake.accountsUnder(sandbox);
    await create('first', named('source-access'), sandbox, 'first-add');
    await cfn().send(
      new CreateStackInstancesCommand({
        StackSetName: 'first',
        CallAs: 'DELEGATED_ADMIN',
        OperationId: 'first-add-us',
        DeploymentTargets: { OrganizationalUnitIds: [sandbox] },
        Regions: ['us-east-1'],
      }),
    );
    await settle('first');
    expect(statuses('first')).toEqual([
      `${account} SUCCEEDED`,
      `${account} FAILED: Resource handler returned message: "Role with name xacct-source-access already exists." (HandlerErrorCode: AlreadyExists)`,
    ]);
    // The first region still holds the role; the failed instance holds nothing (its stack rolled back).
    expect(fake.namedResources.get(`${account}/iam-role/xacct-source-access`)).toBe('first');
    expect(fake.namedResources.get(`${account}/ssm/us-east-1//xacct/roles/source-access`)).toBeUndefined();
  });

  test('once the holder is deleted, the name is free again', async () => {
    fake = standardOrg({ accounts: 5 }).install();
    const sandbox = fake.ou('Root/Sandbox');
    await create('first', named('source-access'), sandbox, 'first-add');
    await cfn().send(
      new DeleteStackInstancesCommand({
        StackSetName: 'first',
        CallAs: 'DELEGATED_ADMIN',
        OperationId: 'first-remove',
        DeploymentTargets: { OrganizationalUnitIds: [sandbox] },
        Regions: [REGION],
        RetainStacks: false,
      }),
    );
    await settle('first');
    await create('second', named('source-access'), sandbox, 'second-add');
    expect(statuses('second')).toEqual([`${fake.accountsUnder(sandbox)[0]} SUCCEEDED`]);
  });
});

test('FakeFault keeps the exception name as AWS sends it', () => {
  const f = new FakeFault('Throttling', 'Rate exceeded');
  expect([f.name, f.code, f.status]).toEqual(['Throttling', 'Throttling', 400]);
});

describe('latency model (benchmarks)', () => {
  test('an operation runs its instances in waves of MaxConcurrentCount, capped, regions one after another; a change set and a stack take their stated times', async () => {
    let now = 0;
    fake = standardOrg({ accounts: 50 });
    fake.latency = {
      now: () => now,
      sleep: async () => undefined,
      requestMs: 0,
      instanceMs: 1000,
      maxConcurrentInstances: 5,
      changeSetMs: 200,
      stackMs: () => 700,
    };
    const sandbox = fake.ou('Root/Sandbox'); // 10 accounts
    await stackSet('timed');
    const start = (id: string, prefs: object, regions = [REGION]) =>
      cfn().send(
        new CreateStackInstancesCommand({
          StackSetName: 'timed',
          CallAs: 'DELEGATED_ADMIN',
          OperationId: id,
          DeploymentTargets: { OrganizationalUnitIds: [sandbox] },
          Regions: regions,
          OperationPreferences: prefs,
        }),
      );
    const statusAt = async (t: number, id: string) => ((now = t), (await describeOp('timed', id)).StackSetOperation!.Status);

    await start('four-at-once', { MaxConcurrentCount: 4 }); // ceil(10 / 4) = 3 waves
    expect(await statusAt(2999, 'four-at-once')).toBe('RUNNING');
    expect(await statusAt(3000, 'four-at-once')).toBe('SUCCEEDED');
    now = 10_000;
    await start('all-capped', { MaxConcurrentPercentage: 100 }, [REGION, 'us-east-1']); // 5 at once (the cap): 2 waves per region, 2 regions
    expect(await statusAt(13_999, 'all-capped')).toBe('RUNNING');
    expect(await statusAt(14_000, 'all-capped')).toBe('SUCCEEDED');

    now = 20_000;
    await cfn().send(
      new CreateChangeSetCommand({
        StackName: 'timed-stack',
        ChangeSetName: 'c1',
        ChangeSetType: 'CREATE',
        TemplateBody: TEMPLATE,
        Parameters: [{ ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT }],
      }),
    );
    const changeSet = async (t: number) => (
      (now = t),
      (await cfn().send(new DescribeChangeSetCommand({ StackName: 'timed-stack', ChangeSetName: 'c1' }))).Status
    );
    expect(await changeSet(20_199)).toBe('CREATE_PENDING');
    expect(await changeSet(20_200)).toBe('CREATE_COMPLETE');
    await cfn().send(new ExecuteChangeSetCommand({ StackName: 'timed-stack', ChangeSetName: 'c1' }));
    const stack = async (t: number) => ((now = t), (await cfn().send(new DescribeStacksCommand({ StackName: 'timed-stack' }))).Stacks![0].StackStatus);
    expect(await stack(20_899)).toBe('CREATE_IN_PROGRESS');
    expect(await stack(20_900)).toBe('CREATE_COMPLETE');
  });
});
