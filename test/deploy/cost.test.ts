import { FakeAws, standardOrg } from '../support/fake-aws';
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
});
