import { FakeAws, standardOrg } from '../support/fake-aws';
import { XacctError } from '../../deploy/errors';
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
    expect(run.error).toBeInstanceOf(XacctError);
    const err = run.error as XacctError;
    expect(err.exitCode).toBe(2);
    // NonProd (800 accounts) is the first stage's target: 249 account-regions at most (500 actions, 2 per account and region, Source and Build).
    expect(err.message).toMatch(/^pipelines\[0\]\.stages\[0\] \(app\/NonProd\): target "nonprod" holds more than 249 ACTIVE accounts .*"Quotas in AWS CodePipeline"/);
    expect(fake.mutatingCalls()).toEqual([]);
    // 250 accounts of 20 a page: 13 pages, then no further page of any OU below it.
    expect(fake.count('ListAccountsForParent')).toBe(13);
  });
});
