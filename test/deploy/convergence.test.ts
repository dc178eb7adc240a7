/**
 * "Re-running converges from any state": deploy and destroy started against states other than
 * clean, through the real SDK clients and the in-memory organization (test/support/fake-aws.ts).
 * Only the public entry points run (runDeploy, runPlan, runDestroy, through the harnesses).
 */
import { report } from '../../deploy/cli';
import { XacctError } from '../../deploy/errors';
import { CI_ACCOUNT, FakeAws, MUTATING, SOURCE_ACCOUNT, standardOrg } from '../support/fake-aws';
import { FakeFault } from '../support/fake-wire';
import { deploy, testConfig } from '../support/deploy-harness';
import { destroy, plan } from '../support/ops-harness';

const HOME = 'eu-west-1';
let fake: FakeAws;
afterEach(() => fake?.restore());

async function deployed(accounts = 10): Promise<FakeAws> {
  fake = standardOrg({ accounts }).install();
  expect((await deploy(testConfig())).error).toBeUndefined();
  fake.resetCalls();
  return fake;
}

function exitCodeOf(err: unknown): number {
  expect(err).toBeInstanceOf(XacctError);
  return (err as XacctError).exitCode;
}

const callsOn = (stack: string) => fake.calls.filter((c) => c.input.StackName === stack || String(c.input.StackName).includes(`/${stack}/`));

describe('stacks not at rest', () => {
  test('a stack whose update is in progress when deploy starts is waited for, then found up to date', async () => {
    await deployed();
    // Slow enough that deploy's own reads before the stack's turn do not see it finish.
    fake.stackPolls = 12;
    fake.startForeignStackUpdate(HOME, 'xacct-buckets');
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    expect(run.io.text()).toContain("stack 'xacct-buckets' (eu-west-1) is UPDATE_IN_PROGRESS; waiting for it");
    expect(fake.stack(HOME, 'xacct-buckets')!.status).toBe('UPDATE_COMPLETE');
    expect(fake.mutatingCalls()).toEqual([]);
    expect(run.result!.stacks.find((s) => s.name === 'xacct-buckets')!.action).toBe('none');
  });

  test('a stack in UPDATE_ROLLBACK_FAILED: exit 2 naming the stack, its state and what to do; nothing is sent to it', async () => {
    await deployed();
    fake.stack(HOME, 'xacct-buckets')!.status = 'UPDATE_ROLLBACK_FAILED';
    const run = await deploy(testConfig());
    expect(exitCodeOf(run.error)).toBe(2);
    const message = (run.error as Error).message;
    expect(message).toContain("stack 'xacct-buckets' (eu-west-1) is UPDATE_ROLLBACK_FAILED");
    expect(message).toContain('continue-update-rollback');
    expect(callsOn('xacct-buckets').filter((c) => MUTATING.test(c.op))).toEqual([]);
    // Refused before any change: the stacks after it in deploy order are only read.
    expect(callsOn('xacct-pipeline').map((c) => c.op)).toEqual(['DescribeStacks']);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  // Central stacks' states are checked before the first StackSet operation: a deploy that cannot
  // finish changes nothing.
  test('a stack in UPDATE_ROLLBACK_FAILED is refused before any StackSet operation starts', async () => {
    await deployed();
    fake.stack(HOME, 'xacct-buckets')!.status = 'UPDATE_ROLLBACK_FAILED';
    const run = await deploy(testConfig({ rollout: { retainStacksOnAccountRemoval: true } }));
    expect(exitCodeOf(run.error)).toBe(2);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('a change set that changes nothing (the last update rolled back to what is wanted) is deleted, not executed', async () => {
    await deployed();
    fake.stack(HOME, 'xacct-buckets')!.status = 'UPDATE_ROLLBACK_COMPLETE';
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    const onBuckets = callsOn('xacct-buckets')
      .map((c) => c.op)
      .filter((op) => MUTATING.test(op));
    expect(onBuckets).toEqual(['CreateChangeSet', 'DeleteChangeSet']);
    expect(fake.count('ExecuteChangeSet')).toBe(0);
    expect(fake.stack(HOME, 'xacct-buckets')!.changeSets.size).toBe(0);
    expect(run.result!.stacks.find((s) => s.name === 'xacct-buckets')).toMatchObject({ action: 'none' });
  });

  test('a change set left by a deploy that died after creating it (same name, same content) is used, and the stack is created', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    // The service fails while the first change set is being watched; the SDK's retries give up.
    fake.failNext('DescribeChangeSet', 2, () => new FakeFault('InternalFailure', 'We encountered an internal error. Please try again.', 500));
    const first = await deploy(testConfig(), { maxAttempts: 2 });
    expect(first.error).toBeDefined();
    const kms = fake.stack(HOME, 'xacct-kms-key')!;
    expect(kms.status).toBe('REVIEW_IN_PROGRESS');
    const [leftOver] = [...kms.changeSets.keys()];
    fake.resetCalls();

    const again = await deploy(testConfig());
    expect(again.error).toBeUndefined();
    const creates = fake.calls.filter((c) => c.op === 'CreateChangeSet' && c.input.StackName === 'xacct-kms-key');
    // The name is a hash of the content: AlreadyExists means the same change set, executed as it is.
    expect(creates.map((c) => c.input.ChangeSetName)).toEqual([leftOver]);
    expect(fake.calls.filter((c) => c.op === 'DeleteChangeSet')).toEqual([]);
    expect(fake.calls.filter((c) => c.op === 'ExecuteChangeSet' && c.input.StackName === 'xacct-kms-key').map((c) => c.input.ChangeSetName)).toEqual([
      leftOver,
    ]);
    expect(fake.stack(HOME, 'xacct-kms-key')!.status).toBe('CREATE_COMPLETE');
    expect(fake.stack(HOME, 'xacct-pipeline')!.status).toBe('CREATE_COMPLETE');
  });
});

describe('a failure while a change set is watched', () => {
  // Every call goes through errors.ts's call(): the API and the stack are named, AWS's message kept.
  test('names the API and the stack, and keeps the AWS message', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    fake.failNext('DescribeChangeSet', 2, () => new FakeFault('InternalFailure', 'We encountered an internal error. Please try again.', 500));
    const run = await deploy(testConfig(), { maxAttempts: 2 });
    let printed = '';
    report(run.error, { verbose: false }, (t) => (printed += t));
    expect(printed).toContain("stack 'xacct-kms-key' (eu-west-1)");
    expect(printed).toContain('DescribeChangeSet');
    expect(printed).toContain('We encountered an internal error. Please try again.');
  });
});

describe('targets given as IDs', () => {
  test('an `ou-` ID deploys exactly what its path does, and the next plan has nothing to do', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    const nonprod = fake.ou('Root/Workloads/NonProd');
    const prod = fake.ou('Root/Workloads/Prod');
    const config = testConfig({ targets: { nonprod: { ous: [nonprod] }, prod: { ous: [prod] } } });
    const run = await deploy(config);
    expect(run.error).toBeUndefined();
    const accounts = [...fake.stackSets.get('xacct-cross-account-role')!.instances.values()].map((i) => i.account).sort();
    expect(accounts).toEqual([...fake.accountsUnder(nonprod), ...fake.accountsUnder(prod)].sort());
    // The org paths in the policies are ID paths from the root, as for an OU given by its path.
    const workloads = fake.ous.get(nonprod)!.parentId;
    expect(fake.stack(HOME, 'xacct-buckets')!.parameters.TargetOrgPaths.split(',').sort()).toEqual(
      [`${fake.organizationId}/${fake.rootId}/${workloads}/${nonprod}/*`, `${fake.organizationId}/${fake.rootId}/${workloads}/${prod}/*`].sort(),
    );
    fake.resetCalls();
    const again = await plan(config);
    expect(again.error).toBeUndefined();
    expect(again.result!.noChanges).toBe(true);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('the root `r-` ID targets every account but the management account', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    const run = await deploy(testConfig({ targets: { everyone: { ous: [fake.rootId] } }, pipelines: [] }));
    expect(run.error).toBeUndefined();
    const accounts = [...fake.stackSets.get('xacct-read-only-role')!.instances.values()].map((i) => i.account).sort();
    expect(accounts).toEqual(fake.accountsUnder(fake.rootId).filter((a) => a !== fake.managementAccountId));
    expect([...fake.stackSets.get('xacct-read-only-role')!.ous]).toEqual([fake.rootId]);
  });

  test('an `ou-` ID that is not in the organization: exit 2 naming the field, before anything is written', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    const run = await deploy(testConfig({ targets: { nonprod: { ous: ['ou-ab12-99999999'] }, prod: { ous: ['Root/Workloads/Prod'] } } }));
    expect(exitCodeOf(run.error)).toBe(2);
    expect((run.error as Error).message).toMatch(/^targets\.nonprod\.ous\[0\]: OU ou-ab12-99999999 is not in o-abcdef1234/);
    expect(fake.mutatingCalls()).toEqual([]);
  });
});

describe('operations queued under managed execution', () => {
  test('deploy: operations someone else left running and queued are all waited for before planning; then nothing is left to do', async () => {
    await deployed();
    const running = fake.startForeignOperation('xacct-cross-account-role');
    const queued = fake.startForeignOperation('xacct-cross-account-role');
    expect([running.status, queued.status]).toEqual(['RUNNING', 'QUEUED']);
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    expect(running.history).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(queued.history).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(run.io.text()).toContain(`xacct-cross-account-role: waiting for running UPDATE operation ${running.id}`);
    expect(run.io.text()).toContain(`xacct-cross-account-role: waiting for queued UPDATE operation ${queued.id}`);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test("deploy: our update queued behind another deploy's operation on every target StackSet at once", async () => {
    await deployed();
    for (const name of ['xacct-cloudformation-role', 'xacct-cross-account-role', 'xacct-read-only-role']) fake.raceNextMutation(name);
    const run = await deploy(testConfig({ rollout: { retainStacksOnAccountRemoval: true } }));
    expect(run.error).toBeUndefined();
    for (const name of ['xacct-cloudformation-role', 'xacct-cross-account-role', 'xacct-read-only-role']) {
      const ours = fake.stackSets
        .get(name)!
        .operations.filter((o) => !o.foreign)
        .pop()!;
      expect(ours.history).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
      expect(fake.stackSets.get(name)!.autoDeployment.retain).toBe(true);
    }
    expect(fake.count('UpdateStackSet')).toBe(3);
  });

  test('destroy: the instance delete queues behind an operation that started just before it, then everything is removed', async () => {
    await deployed();
    const roles = fake.stackSets.get('xacct-cross-account-role')!;
    fake.raceNextMutation('xacct-cross-account-role');
    const run = await destroy(testConfig(), { yes: true });
    expect(run.error).toBeUndefined();
    expect(fake.stackSets.size).toBe(0);
    const deletes = fake.calls.filter((c) => c.op === 'DeleteStackInstances' && c.input.StackSetName === 'xacct-cross-account-role');
    expect(deletes).toHaveLength(1);
    const id = deletes[0].input.OperationId;
    expect(run.result!.stackSets.find((s) => s.name === 'xacct-cross-account-role')!.operations).toEqual([id]);
    expect(roles.operations.find((o) => o.id === id)!.history).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
  });

  test('destroy: operations already running and queued when it starts are waited for, then the StackSets go', async () => {
    await deployed();
    fake.startForeignOperation('xacct-read-only-role');
    const queued = fake.startForeignOperation('xacct-read-only-role');
    const run = await destroy(testConfig(), { yes: true });
    expect(run.error).toBeUndefined();
    expect(queued.status).toBe('SUCCEEDED');
    expect(fake.stackSets.size).toBe(0);
  });
});

describe('lists that lag behind writes and come in no particular order', () => {
  test('deploy, re-deploy, plan and destroy still converge', async () => {
    fake = standardOrg({ accounts: 10, listLag: 8, shuffleSeed: 5 }).install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    fake.resetCalls();
    const again = await deploy(testConfig());
    expect(again.error).toBeUndefined();
    expect(fake.mutatingCalls()).toEqual([]);
    expect((await plan(testConfig())).result!.noChanges).toBe(true);
    const gone = await destroy(testConfig(), { yes: true });
    expect(gone.error).toBeUndefined();
    expect(fake.stackSets.size).toBe(0);
  });

  // Suspended accounts are read from ListStackInstances when the operation ends; a list that has not
  // caught up drops them from that deploy's warnings (README: Operating), and the next read shows them.
  test('accounts skipped as suspended are reported once the instance list has caught up, by the next deploy at the latest', async () => {
    fake = standardOrg({ accounts: 10, suspended: 2, listLag: 8 }).install();
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    const next = await deploy(testConfig());
    expect(next.error).toBeUndefined();
    expect(`${run.io.text('warn')}\n${next.io.text('warn')}`).toMatch(/account 400000000009 eu-west-1 skipped: account suspended/);
    expect(fake.mutatingCalls().length).toBeGreaterThan(0);
  });

  // The operation ID comes from the spec, the step and a fingerprint of the state just read, never
  // from the order ListStackSetOperations lists operations in.
  test('the same step from the same state carries the same OperationId whatever order the operations are listed in', async () => {
    fake = standardOrg({ accounts: 10, shuffleSeed: 1 }).install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    for (let i = 0; i < 120; i++) {
      // History of a busy StackSet: more operations than one page lists.
      const op = fake.startForeignOperation('xacct-read-only-role');
      op.status = 'SUCCEEDED';
      op.history.push('SUCCEEDED');
    }
    fake.stackSets.get('xacct-read-only-role')!.description = 'changed by hand';
    fake.failNext('UpdateStackSet', 2, () => new FakeFault('InternalFailure', 'We encountered an internal error. Please try again.', 500));
    expect((await deploy(testConfig(), { maxAttempts: 2 })).error).toBeDefined();
    const [first] = fake.calls.filter((c) => c.op === 'UpdateStackSet').map((c) => c.input.OperationId);
    fake.resetCalls();
    fake.shuffleSeed = 2;
    expect((await deploy(testConfig())).error).toBeUndefined();
    expect(fake.calls.filter((c) => c.op === 'UpdateStackSet').map((c) => c.input.OperationId)).toEqual([first]);
  });
});

describe('templates over the inline limit', () => {
  test('go to the templates bucket with SSE-KMS under the artifact key, as its bucket policy demands, and CloudFormation reads them from there', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    const pipelines = Array.from({ length: 5 }, (_, i) => ({
      name: `app${i}`,
      source: { codecommit: { repository: `app${i}`, branch: 'main', account: SOURCE_ACCOUNT } },
      stages: [
        { name: 'NonProd', target: 'nonprod', cloudformation: { stackName: `app${i}`, template: 'BuildOutput::template.yml' } },
        { name: 'Prod', target: 'prod', approval: true, cloudformation: { stackName: `app${i}`, template: 'BuildOutput::template.yml' } },
      ],
    }));
    const run = await deploy(testConfig({ pipelines }));
    expect(run.error).toBeUndefined();
    const bucket = `xacct-templates-${CI_ACCOUNT}-${HOME}`;
    const keyArn = fake.outputsOf(HOME, 'xacct-kms-key').ArtifactKeyArn;
    expect(fake.s3.puts).toHaveLength(1);
    const [put] = fake.s3.puts;
    expect(put).toMatchObject({ Bucket: bucket, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
    expect(put.refused).toBeUndefined();
    expect(Buffer.byteLength(put.Body)).toBeGreaterThan(51_200);
    // The bucket's policy came from the deployed buckets stack and is what refuses other puts.
    expect(fake.s3.buckets.get(bucket)!.policy.map((s) => s.Sid)).toContain('DenyPutsWithAnotherKey');
    const change = fake.calls.find((c) => c.op === 'CreateChangeSet' && c.input.StackName === 'xacct-pipeline')!;
    expect(change.input.TemplateBody).toBeUndefined();
    expect(change.input.TemplateURL).toBe(`https://${bucket}.s3.${HOME}.amazonaws.com/${put.Key}`);
    expect(fake.stack(HOME, 'xacct-pipeline')!.body).toBe(put.Body);
    fake.resetCalls();
    expect((await deploy(testConfig({ pipelines }))).error).toBeUndefined();
    expect(fake.mutatingCalls()).toEqual([]);
  });
});

describe('operation IDs from the state, and a StackSet put back as it was', () => {
  test('the same step from the same state again (someone restored an older template) runs as a new operation, not mistaken for the finished one', async () => {
    await deployed();
    const wanted = fake.stackSets.get('xacct-cross-account-role')!.body;
    const older = () => {
      const t = JSON.parse(wanted);
      t.Resources.CrossAccountRole.Properties.Policies[0].PolicyDocument.Statement.pop();
      fake.stackSets.get('xacct-cross-account-role')!.body = JSON.stringify(t);
    };
    older();
    expect((await deploy(testConfig())).error).toBeUndefined();
    const first = fake.calls.filter((c) => c.op === 'UpdateStackSet').map((c) => c.input.OperationId);
    expect(first).toHaveLength(1);
    expect(fake.stackSets.get('xacct-cross-account-role')!.body).toBe(wanted);

    older();
    fake.resetCalls();
    const again = await deploy(testConfig());
    expect(again.error).toBeUndefined();
    const ids = fake.calls.filter((c) => c.op === 'UpdateStackSet').map((c) => c.input.OperationId);
    // The plan's ID is the one the earlier, finished update used; the state read again still needs the
    // update, so it is sent under a new ID and runs.
    expect(ids).toEqual([first[0], expect.not.stringMatching(first[0])]);
    expect(fake.stackSets.get('xacct-cross-account-role')!.body).toBe(wanted);
    expect(again.io.text()).not.toContain('was already started by an earlier attempt');
  });
});
