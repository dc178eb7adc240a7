/**
 * Whole deploys through the real SDK clients against the in-memory organization
 * (test/support/fake-aws.ts): 50 accounts in nested OUs, operations that progress over polls.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XacctError } from '../../deploy/errors';
import { FakeFault } from '../support/fake-wire';
import { CI_ACCOUNT, FakeAws, SOURCE_ACCOUNT, standardOrg } from '../support/fake-aws';
import { deploy, testConfig } from '../support/deploy-harness';
import { cli } from '../support/ops-harness';
import { report } from '../../deploy/cli';

const TARGET_STACKSETS = ['xacct-cloudformation-role', 'xacct-cross-account-role', 'xacct-read-only-role'];
const READ_ONLY = new Set([
  'GetCallerIdentity',
  'DescribeOrganization',
  'DescribeOrganizationsAccess',
  'ListRoots',
  'ListOrganizationalUnitsForParent',
  'ListAccountsForParent',
  'ListParents',
  'DescribeStackSet',
  'ListStackInstances',
  'ListStackSetOperations',
  'DescribeStacks',
  'GetTemplate',
  // Inventory: what xacct deployed, found by tag (StackSets) and by bucket regions (stacks).
  'ListStackSets',
  'ListBuckets',
]);

let fake: FakeAws;
afterEach(() => fake?.restore());

function exitCodeOf(err: unknown): number {
  expect(err).toBeInstanceOf(XacctError);
  return (err as XacctError).exitCode;
}

function instanceAccounts(name: string): string[] {
  return [...fake.stackSets.get(name)!.instances.values()].map((i) => i.account).sort();
}

describe('first deploy', () => {
  test('creates every target StackSet with instances in all accounts of the target OUs, then the source StackSet and the central stacks', async () => {
    fake = standardOrg().install();
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();

    const expected = [...fake.accountsUnder(fake.ou('Root/Workloads/NonProd')), ...fake.accountsUnder(fake.ou('Root/Workloads/Prod'))].sort();
    expect(expected).toHaveLength(40); // nested TeamA and Payments included
    for (const name of TARGET_STACKSETS) {
      const ss = fake.stackSets.get(name)!;
      expect(instanceAccounts(name)).toEqual(expected);
      expect([...ss.instances.values()].every((i) => i.status === 'CURRENT' && i.region === 'eu-west-1')).toBe(true);
      expect(ss.autoDeployment).toEqual({ enabled: true, retain: false });
      expect(ss.managedExecution).toBe(true);
      expect(ss.capabilities).toEqual(['CAPABILITY_NAMED_IAM']);
    }
    expect(instanceAccounts('xacct-cross-account-role')).not.toContain(fake.managementAccountId);

    const create = fake.calls.find((c) => c.op === 'CreateStackInstances' && c.input.StackSetName === 'xacct-cross-account-role')!;
    expect(create.input.OperationPreferences).toEqual({
      RegionConcurrencyType: 'SEQUENTIAL',
      RegionOrder: ['eu-west-1'],
      ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
      FailureTolerancePercentage: 10,
      MaxConcurrentPercentage: 100,
    });
    expect(create.input.OperationId).toMatch(/^xacct-add-[0-9a-f]{32}$/);

    const source = fake.calls.find((c) => c.op === 'CreateStackInstances' && c.input.StackSetName === 'xacct-codecommit-source-333333333333')!;
    expect(source.input.DeploymentTargets).toEqual({
      OrganizationalUnitIds: [fake.ou('Root/Infrastructure')],
      Accounts: [SOURCE_ACCOUNT],
      AccountFilterType: 'INTERSECTION',
    });
    expect(instanceAccounts('xacct-codecommit-source-333333333333')).toEqual([SOURCE_ACCOUNT]);
    expect(fake.stackSets.get('xacct-codecommit-source-333333333333')!.autoDeployment.enabled).toBe(false);

    // Order: every target StackSet operation before the source one, StackSets before any stack.
    const ops = fake.calls.filter((c) => c.op === 'CreateStackInstances' || c.op === 'CreateChangeSet').map((c) => c.input.StackSetName ?? c.input.StackName);
    expect(ops.indexOf('xacct-codecommit-source-333333333333')).toBe(3);
    expect(ops.slice(4)).toEqual(['xacct-kms-key', 'xacct-buckets', 'xacct-pipeline']);

    for (const name of ['xacct-kms-key', 'xacct-buckets', 'xacct-pipeline']) {
      const stack = fake.stack('eu-west-1', name)!;
      expect(stack.status).toBe('CREATE_COMPLETE');
      expect(stack.protection).toBe(true);
    }
    // Operations were RUNNING over several polls; the virtual clock slept between them.
    expect(fake.count('DescribeStackSetOperation')).toBeGreaterThanOrEqual(4 * fake.pollsToComplete);
    expect(run.clock.slept).toBeGreaterThan(0);
    // Progress costs one DescribeStackSetOperation per poll: its status and the failures so far.
    expect(run.io.text('info')).toMatch(/xacct-cross-account-role xacct-add-\w+ RUNNING \(\d+s\)/);
  });
});

describe('re-deploy', () => {
  test('right after a successful deploy makes zero mutating calls and says "no changes"', async () => {
    fake = standardOrg().install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    fake.resetCalls();

    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    expect(fake.mutatingCalls()).toEqual([]);
    const called = [...new Set(fake.calls.map((c) => c.op))].sort();
    expect(called.filter((op) => !READ_ONLY.has(op))).toEqual([]);
    expect(called).toEqual([...READ_ONLY].sort());
    expect(run.result!.noChanges).toBe(true);
    expect(run.io.results[0].text).toMatch(/^no changes/);
  });
});

describe('changes', () => {
  test('adding an OU adds instances for that OU only, without touching existing ones', async () => {
    fake = standardOrg().install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    fake.resetCalls();

    const config = testConfig({
      targets: { nonprod: { ous: ['Root/Workloads/NonProd'] }, prod: { ous: ['Root/Workloads/Prod'] }, sandbox: { ous: ['Root/Sandbox'] } },
    });
    const run = await deploy(config);
    expect(run.error).toBeUndefined();
    const sandbox = fake.ou('Root/Sandbox');
    for (const name of TARGET_STACKSETS) {
      const adds = fake.calls.filter((c) => c.op === 'CreateStackInstances' && c.input.StackSetName === name);
      expect(adds.map((c) => c.input.DeploymentTargets.OrganizationalUnitIds)).toEqual([[sandbox]]);
      expect(instanceAccounts(name)).toEqual(expect.arrayContaining(fake.accountsUnder(sandbox)));
      expect(fake.calls.filter((c) => c.op === 'DeleteStackInstances')).toEqual([]);
    }
  });

  test('adding a region to a regional stack creates only the stack in that region, with the home key ARN', async () => {
    // Few accounts: the pipeline has an action per account and region, at most 50 per stage.
    fake = standardOrg({ accounts: 10 }).install();
    const withRegions = (regions: string[]) =>
      testConfig({
        pipelines: [
          {
            name: 'app',
            source: { codecommit: { repository: 'app', branch: 'main', account: SOURCE_ACCOUNT } },
            stages: [{ name: 'Prod', target: 'prod', regions, cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } }],
          },
        ],
      });
    expect((await deploy(withRegions(['eu-west-1', 'us-east-1']))).error).toBeUndefined();
    expect(fake.stack('us-east-1', 'xacct-regional-store-us-east-1')?.status).toBe('CREATE_COMPLETE');
    fake.resetCalls();

    const run = await deploy(withRegions(['eu-west-1', 'us-east-1', 'ap-southeast-2']));
    expect(run.error).toBeUndefined();
    const created = fake.calls.filter((c) => c.op === 'CreateChangeSet').map((c) => `${c.region}/${c.input.StackName}`);
    expect(created).toContain('ap-southeast-2/xacct-regional-store-ap-southeast-2');
    expect(created).not.toContain('us-east-1/xacct-regional-store-us-east-1');
    const keyArn = fake.outputsOf('eu-west-1', 'xacct-kms-key').ArtifactKeyArn;
    expect(keyArn).toMatch(new RegExp(`^arn:aws:kms:eu-west-1:${CI_ACCOUNT}:key/mrk-[0-9a-f]{32}$`));
    const regional = fake.stack('ap-southeast-2', 'xacct-regional-store-ap-southeast-2')!;
    expect(regional.parameters.PrimaryKeyArn).toBe(keyArn);
    // IAM StackSets stay in the home region.
    expect([...fake.stackSets.get('xacct-cross-account-role')!.regions]).toEqual(['eu-west-1']);
  });
});

describe('failures', () => {
  test('a failed instance exits 1 naming the account, region and AWS reason, and stops before the central stacks', async () => {
    fake = standardOrg().install();
    const bad = fake.accountsUnder(fake.ou('Root/Workloads/Prod'))[0];
    fake.instanceFailures.set(bad, 'xacct-cross-account already exists (Service: Iam, Status Code: 409)');
    const run = await deploy(testConfig());
    expect(exitCodeOf(run.error)).toBe(1);
    const message = (run.error as Error).message;
    expect(message).toContain(`${bad} eu-west-1 FAILED: xacct-cross-account already exists (Service: Iam, Status Code: 409)`);
    // One failure among 40 is within the 10% tolerance: AWS says SUCCEEDED, xacct still fails.
    expect(message).toMatch(/ended SUCCEEDED: 1 instance failed/);
    expect(fake.count('CreateChangeSet')).toBe(0);
  });

  test('failures beyond the tolerance: the operation FAILED and cancelled instances are listed', async () => {
    fake = standardOrg().install();
    for (const a of fake.accountsUnder(fake.ou('Root/Workloads/NonProd')).slice(0, 6)) fake.instanceFailures.set(a, 'AccessDenied');
    const run = await deploy(testConfig());
    expect(exitCodeOf(run.error)).toBe(1);
    expect((run.error as Error).message).toMatch(/ended FAILED/);
    expect((run.error as Error).message).toMatch(/CANCELLED: Cancelled since failure tolerance has exceeded/);
  });

  test('a central stack that fails reports the resource and reason; ROLLBACK_COMPLETE is recreated only with --yes', async () => {
    fake = standardOrg().install();
    fake.stackFailures.set('xacct-buckets', { logicalId: 'ArtifactBucket', reason: 'xacct-artifacts-222222222222-eu-west-1 already exists' });
    const first = await deploy(testConfig());
    expect(exitCodeOf(first.error)).toBe(1);
    expect((first.error as Error).message).toContain('ArtifactBucket CREATE_FAILED: xacct-artifacts-222222222222-eu-west-1 already exists');
    expect(fake.stack('eu-west-1', 'xacct-buckets')!.status).toBe('ROLLBACK_COMPLETE');

    fake.resetCalls();
    const refused = await deploy(testConfig());
    expect(exitCodeOf(refused.error)).toBe(2);
    expect((refused.error as Error).message).toMatch(/ROLLBACK_COMPLETE \(its first create failed: .*\); re-run with --yes/);
    expect(fake.mutatingCalls()).toEqual([]);
    expect(fake.count('DeleteStack')).toBe(0);

    const accepted = await deploy(testConfig(), { yes: true });
    expect(accepted.error).toBeUndefined();
    expect(fake.count('DeleteStack')).toBe(1);
    expect(fake.stack('eu-west-1', 'xacct-buckets')!.status).toBe('CREATE_COMPLETE');
  });
});

describe('organizations', () => {
  test('from a delegated administrator every StackSet call says CallAs DELEGATED_ADMIN', async () => {
    fake = standardOrg().install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    const stackSetCalls = fake.calls.filter((c) => /StackSet|StackInstances|OrganizationsAccess/.test(c.op));
    expect(stackSetCalls.length).toBeGreaterThan(10);
    expect(stackSetCalls.every((c) => c.input.CallAs === 'DELEGATED_ADMIN')).toBe(true);
    expect(fake.count('ActivateOrganizationsAccess')).toBe(0);
  });

  test('from the management account it calls as SELF and switches trusted access on', async () => {
    fake = standardOrg({ trustedAccess: 'DISABLED' }).install();
    fake.caller = fake.managementAccountId;
    expect((await deploy(testConfig())).error).toBeUndefined();
    expect(fake.count('ActivateOrganizationsAccess')).toBe(1);
    expect(fake.calls.filter((c) => c.op === 'CreateStackSet').every((c) => c.input.CallAs === 'SELF')).toBe(true);
  });

  test('an account that is neither management nor delegated administrator gets exit 2 and the registration command', async () => {
    fake = standardOrg().install();
    fake.delegatedAdmins.clear();
    const run = await deploy(testConfig());
    expect(exitCodeOf(run.error)).toBe(2);
    expect((run.error as Error).message).toContain(
      `aws organizations register-delegated-administrator --service-principal member.org.stacksets.cloudformation.amazonaws.com --account-id ${CI_ACCOUNT}`,
    );
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('a registered delegated administrator whose role may not call DescribeOrganizationsAccess is told the missing permission, not to register', async () => {
    fake = standardOrg().install();
    const denial = `User: arn:aws:sts::${CI_ACCOUNT}:assumed-role/deployer/session is not authorized to perform: cloudformation:DescribeOrganizationsAccess because no identity-based policy allows the cloudformation:DescribeOrganizationsAccess action`;
    fake.failNext('DescribeOrganizationsAccess', 1, () => new FakeFault('AccessDenied', denial, 403));
    const run = await deploy(testConfig());
    expect(exitCodeOf(run.error)).toBe(2);
    const message = (run.error as Error).message;
    expect(message).toContain("role 'deployer' in account 222222222222 may not call cloudformation:DescribeOrganizationsAccess");
    expect(message).not.toContain('register-delegated-administrator');
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('a missing OU path exits 2 from the CLI, listing the OUs that exist there', async () => {
    fake = standardOrg().install();
    const dir = mkdtempSync(join(tmpdir(), 'xacct-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'targets:\n  prod: { ous: [Root/Workloads/Prodd] }\n');
    const run = await cli(['deploy', '--config', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('targets.prod.ous[0]: OU path "Root/Workloads/Prodd": no OU named "Prodd" under Root/Workloads; existing: NonProd, Prod');
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('OU listings follow every page and are read once per parent', async () => {
    fake = standardOrg({ orgPageSize: 2 }).install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    const parents = fake.calls.filter((c) => c.op === 'ListAccountsForParent' && !c.input.NextToken).map((c) => c.input.ParentId);
    expect(new Set(parents).size).toBe(parents.length);
    expect(fake.calls.some((c) => c.op === 'ListAccountsForParent' && c.input.NextToken)).toBe(true);
  });
});

describe('contention and limits', () => {
  test("throttled polls are ridden out by the SDK's retries", async () => {
    fake = standardOrg().install();
    fake.throttle('DescribeStackSetOperation', 4);
    fake.throttle('DescribeChangeSet', 2);
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    expect(fake.stack('eu-west-1', 'xacct-pipeline')!.status).toBe('CREATE_COMPLETE');
  });

  test("throttling that outlasts the SDK's retries: a poll tries again at its next tick; a mutating call fails naming the API and the attempts", async () => {
    fake = standardOrg().install();
    fake.throttle('DescribeStackSetOperation', 6);
    const polled = await deploy(testConfig(), { maxAttempts: 2 });
    expect(polled.error).toBeUndefined();
    expect(fake.stack('eu-west-1', 'xacct-pipeline')!.status).toBe('CREATE_COMPLETE');

    fake.stackSets.get('xacct-read-only-role')!.description = 'changed by hand';
    fake.throttle('UpdateStackSet', 2);
    const run = await deploy(testConfig(), { maxAttempts: 2 });
    expect(fake.count('UpdateStackSet')).toBe(2);
    // What the operator reads: the step, the API and how many attempts, AWS's message kept.
    let printed = '';
    expect(report(run.error, { verbose: false }, (t) => (printed += t))).toBe(1);
    expect(printed).toMatch(
      /^error: StackSet 'xacct-read-only-role', update \(description changed\): AWS kept throttling cloudformation:UpdateStackSet after 2 attempts;/,
    );
    expect(printed).toContain('(AWS: Rate exceeded)');
  });

  test('another operation starting just before ours: ours is QUEUED behind it (managed execution), then runs', async () => {
    fake = standardOrg().install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    fake.resetCalls();
    fake.raceNextMutation('xacct-read-only-role');
    const run = await deploy(testConfig({ rollout: { retainStacksOnAccountRemoval: true } }));
    expect(run.error).toBeUndefined();
    const updates = fake.calls.filter((c) => c.op === 'UpdateStackSet' && c.input.StackSetName === 'xacct-read-only-role');
    expect(updates).toHaveLength(1);
    const [foreign, ours] = fake.stackSets.get('xacct-read-only-role')!.operations.slice(-2);
    expect(foreign.foreign).toBe(true);
    expect(ours.id).toBe(updates[0].input.OperationId);
    expect(ours.history).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(foreign.ended!.getTime()).toBeLessThanOrEqual(ours.ended!.getTime());
    expect(fake.stackSets.get('xacct-read-only-role')!.autoDeployment.retain).toBe(true);
  });

  test('OperationInProgressException (a StackSet without managed execution): waits for the other operation, then retries with a new ID', async () => {
    fake = standardOrg().install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    // Made by an older tool: one operation at a time, a second one is refused, not queued.
    fake.stackSets.get('xacct-read-only-role')!.managedExecution = false;
    fake.resetCalls();
    fake.raceNextMutation('xacct-read-only-role');
    const run = await deploy(testConfig({ rollout: { retainStacksOnAccountRemoval: true } }));
    expect(run.error).toBeUndefined();
    const updates = fake.calls.filter((c) => c.op === 'UpdateStackSet' && c.input.StackSetName === 'xacct-read-only-role');
    expect(updates).toHaveLength(2);
    // The rejected call started nothing, and the state read again is the same: the same call, the same ID.
    expect(updates[0].input.OperationId).toBe(updates[1].input.OperationId);
    expect(run.io.text()).toMatch(/xacct-read-only-role: waiting for running UPDATE operation/);
    expect(fake.stackSets.get('xacct-read-only-role')!.autoDeployment.retain).toBe(true);
    expect(fake.stackSets.get('xacct-read-only-role')!.managedExecution).toBe(true);
  });

  test('an operation left running by an interrupted deploy is waited for before planning', async () => {
    fake = standardOrg().install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    const other = fake.startForeignOperation('xacct-cross-account-role');
    fake.resetCalls();
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    expect(other.status).toBe('SUCCEEDED');
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('suspended accounts are skipped with a warning, and do not make the next deploy do anything', async () => {
    fake = standardOrg({ suspended: 2 }).install();
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    expect(run.io.text('warn')).toMatch(/account 400000000048 eu-west-1 skipped: account suspended/);
    fake.resetCalls();
    const again = await deploy(testConfig());
    expect(again.error).toBeUndefined();
    expect(fake.mutatingCalls()).toEqual([]);
  });
});
