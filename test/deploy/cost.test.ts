import { FakeAws, standardOrg } from '../support/fake-aws';
import { costRow, mutating, total } from '../../bench/api-cost';
import { progressRow } from '../../bench/progress-cost';
import { describeFailure } from '../../deploy/cli';
import { deploy, testConfig } from '../support/deploy-harness';

describe('what a deploy reads from Organizations', () => {
  let fake: FakeAws;
  afterEach(() => fake.restore());

  test('without pipeline stages no account is listed: StackSets target OUs, not accounts', async () => {
    fake = standardOrg({ accounts: 200 }).install();
    const run = await deploy(testConfig({ pipelines: [] }));
    expect(run.error).toBeUndefined();
    expect(fake.count('ListAccountsForParent')).toBe(0);
    expect(fake.stackSets.get('xacct-cross-account-role')!.instances.size).toBe(160);
  });

  test('with pipeline stages, the stage targets are expanded to their accounts', async () => {
    fake = standardOrg({ accounts: 20 }).install();
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    expect(fake.count('ListAccountsForParent')).toBeGreaterThan(0);
  });

  test('a change-set stage whose target holds more accounts than a pipeline can reach is refused (exit 2) before any change, its listing stopped at that ceiling', async () => {
    // 2,000 workload accounts: Root/Workloads/Prod and its Payments OU hold 800 of them.
    fake = standardOrg({ accounts: 2000, orgPageSize: 20 }).install();
    const run = await deploy(testConfig());
    const failure = describeFailure(run.error);
    expect(failure.exitCode).toBe(2);
    // NonProd (800 accounts) is the first stage's target: 249 account-regions at most (500 actions, 2 per account and region, Source and Build).
    expect(failure.message).toMatch(
      /^invalid config pipelines: 1 problem\n {2}pipelines\[0\]\.stages\[0\]: stage "app\/NonProd" deploys to target "nonprod", which holds more than 249 ACTIVE accounts .*"Quotas in AWS CodePipeline"/,
    );
    expect(fake.mutatingCalls()).toEqual([]);
    // 250 accounts of 20 a page: 13 pages, then no further page of any OU below it.
    expect(fake.count('ListAccountsForParent')).toBe(13);
  });
});

describe('no-op and progress cost do not grow with the organization (the formulas bench/results.md checks at 10 to 5,000 accounts)', () => {
  test.each(['roles', 'pipelines', 'stackset-stages'] as const)(
    "%s: a no-op deploy and a plan make the formula's calls, the same at 10 and at 1,000 accounts, none mutating",
    async (variant) => {
      const small = await costRow({ accounts: 10, depth: 3, variant });
      const large = await costRow({ accounts: 1000, depth: 3, variant });
      expect(small.noop).toEqual(small.expectedNoop);
      expect(small.plan).toEqual(small.expectedPlan);
      expect(large.noop).toEqual(small.noop);
      expect(large.plan).toEqual(small.plan);
      expect(mutating(large.noop) + mutating(large.plan)).toBe(0);
      // The first deploy did grow: the formula is about reading, not about what a deploy has to do.
      expect(total(large.first)).toBeGreaterThan(total(large.noop));
    },
  );

  test('watching an operation costs one DescribeStackSetOperation per poll; failed results are listed once, at the end, filtered', async () => {
    for (const accounts of [10, 1000]) {
      const ok = await progressRow(accounts, 0);
      expect(ok.during).toEqual({ DescribeStackSetOperation: ok.polls });
      expect(ok.after).toEqual({ ListStackInstances: 1 });
      const failing = await progressRow(accounts, 3);
      expect(failing.during).toEqual({ DescribeStackSetOperation: failing.polls });
      expect(failing.after).toEqual({ ListStackSetOperationResults: 2 });
      expect(failing.status).toMatch(/^DEPLOY_FAILED/);
    }
  });
});
