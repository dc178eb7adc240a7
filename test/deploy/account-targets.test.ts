/**
 * Smaller organizations on the in-memory organization: targets that name single accounts (one
 * StackSet per role template for them, auto-deployment off, each account reached through its OU
 * with an INTERSECTION filter), and the CI account inside a target OU. deploy, plan, status and
 * destroy, end to end, through the real SDK clients.
 */
import { XacctError } from '../../deploy/errors';
import { CI_ACCOUNT, FakeAws, SOURCE_ACCOUNT, standardOrg } from '../support/fake-aws';
import { deploy, testConfig } from '../support/deploy-harness';
import { destroy, plan, status } from '../support/ops-harness';
import type { Config } from '../../templates-src/config';

let fake: FakeAws;
afterEach(() => fake?.restore());

const SANDBOX_ACCOUNT = '444444444444';
const SECURITY_ACCOUNT = '555555555555';
const ROLE_TEMPLATES = ['cloudformation-role', 'cross-account-role', 'read-only-role'];

/** The standard organization plus two accounts outside every target OU: one in Root/Sandbox, one in Root/Security. */
function smallOrg(): FakeAws {
  const f = standardOrg({ accounts: 10 });
  f.addAccount(f.ou('Root/Sandbox'), SANDBOX_ACCOUNT, 'ACTIVE', 'sandbox');
  f.addAccount(f.ou('Root/Security'), SECURITY_ACCOUNT, 'ACTIVE', 'security');
  return f.install();
}

/** nonprod is one account; prod is the Prod OU and one more account outside it. */
function accountsConfig(targets: Partial<Config['targets']> = {}): Config {
  return testConfig({
    targets: { nonprod: { accounts: [SANDBOX_ACCOUNT] }, prod: { ous: ['Root/Workloads/Prod'], accounts: [SECURITY_ACCOUNT] }, ...targets } as never,
  });
}

const instances = (name: string) => [...(fake.stackSets.get(name)?.instances.values() ?? [])].map((i) => `${i.account}/${i.ouId}`).sort();
const stackParams = (name: string) => fake.stack('eu-west-1', name)!.parameters;

function exitCode(err: unknown): number {
  expect(err).toBeInstanceOf(XacctError);
  return (err as XacctError).exitCode;
}

describe('targets that name accounts', () => {
  test('deploy makes an OU StackSet and an account StackSet per role template, each with its own auto-deployment', async () => {
    fake = smallOrg();
    const run = await deploy(accountsConfig());
    expect(run.error).toBeUndefined();
    const prodOu = fake.ou('Root/Workloads/Prod');
    for (const t of ROLE_TEMPLATES) {
      const ous = fake.stackSets.get(`xacct-${t}`)!;
      expect(ous.autoDeployment.enabled).toBe(true);
      expect([...ous.ous]).toEqual([prodOu]);
      expect([...ous.instances.values()].map((i) => i.account).sort()).toEqual(fake.accountsUnder(prodOu));
      const named = fake.stackSets.get(`xacct-${t}-accounts`)!;
      expect(named.autoDeployment).toEqual({ enabled: false, retain: false });
      expect(named.tags).toEqual([{ Key: 'xacct:prefix', Value: 'xacct' }]);
      expect(instances(`xacct-${t}-accounts`)).toEqual([`${SANDBOX_ACCOUNT}/${fake.ou('Root/Sandbox')}`, `${SECURITY_ACCOUNT}/${fake.ou('Root/Security')}`]);
    }
    // Each account through its own OU, filtered to it: nothing else in Root/Sandbox or Root/Security is touched.
    const adds = fake.calls
      .filter((c) => c.op === 'CreateStackInstances' && c.input.StackSetName === 'xacct-cross-account-role-accounts')
      .map((c) => c.input.DeploymentTargets);
    expect(adds).toEqual([
      { OrganizationalUnitIds: [fake.ou('Root/Sandbox')], Accounts: [SANDBOX_ACCOUNT], AccountFilterType: 'INTERSECTION' },
      { OrganizationalUnitIds: [fake.ou('Root/Security')], Accounts: [SECURITY_ACCOUNT], AccountFilterType: 'INTERSECTION' },
    ]);
    // The key and bucket policies admit the named accounts by aws:PrincipalAccount: the stacks carry them.
    expect(stackParams('xacct-kms-key').TargetAccountIds).toBe(`${SANDBOX_ACCOUNT},${SECURITY_ACCOUNT}`);
    expect(stackParams('xacct-buckets').TargetAccountIds).toBe(`${SANDBOX_ACCOUNT},${SECURITY_ACCOUNT}`);
    // The pipeline deploys NonProd to the one account and Prod to the OU's accounts and the named one.
    const pipeline = JSON.parse(fake.stack('eu-west-1', 'xacct-pipeline')!.body);
    const stageAccounts = (stage: string) =>
      [
        ...new Set(
          (pipeline.Resources.AppPipeline.Properties.Stages as Array<{ Name: string; Actions: Array<{ Name: string }> }>)
            .find((s) => s.Name === stage)!
            .Actions.map((a) => a.Name.split('-')[1]),
        ),
      ].sort();
    expect(stageAccounts('NonProd')).toEqual([SANDBOX_ACCOUNT]);
    expect(stageAccounts('Prod')).toEqual([...fake.accountsUnder(prodOu).filter((a) => fake.accounts.get(a)!.state === 'ACTIVE'), SECURITY_ACCOUNT].sort());
  });

  // With auto-deployment on, the fake spreads an account-filtered StackSet to such an account, as AWS
  // documents (test/support/fake-aws.test.ts, "auto-deployment and account filters").
  test("an account joining a named account's OU gets nothing, and plan still has nothing to do", async () => {
    fake = smallOrg();
    expect((await deploy(accountsConfig())).error).toBeUndefined();
    fake.addAccount(fake.ou('Root/Sandbox'), '666666666666');
    for (const t of ROLE_TEMPLATES) expect(instances(`xacct-${t}-accounts`).map((i) => i.split('/')[0])).toEqual([SANDBOX_ACCOUNT, SECURITY_ACCOUNT]);
    const p = await plan(accountsConfig());
    expect(p.error).toBeUndefined();
    expect(p.result!.noChanges).toBe(true);
  });

  test('plan after deploy has nothing to do; status lists the account StackSets; destroy removes them account by account', async () => {
    fake = smallOrg();
    expect((await deploy(accountsConfig())).error).toBeUndefined();
    const p = await plan(accountsConfig());
    expect(p.result!.noChanges).toBe(true);

    const s = await status(accountsConfig());
    expect(s.error).toBeUndefined();
    const named = s.result!.stackSets.find((x) => x.name === 'xacct-cross-account-role-accounts')!;
    expect(named).toMatchObject({ exists: true, instances: 2 });
    expect(named.orphaned).toBeUndefined();

    fake.resetCalls();
    const d = await destroy(accountsConfig(), { yes: true });
    expect(d.error).toBeUndefined();
    expect(fake.stackSets.size).toBe(0);
    const deletes = fake.calls
      .filter((c) => c.op === 'DeleteStackInstances' && c.input.StackSetName === 'xacct-cross-account-role-accounts')
      .map((c) => c.input.DeploymentTargets);
    expect(deletes).toEqual([
      { OrganizationalUnitIds: [fake.ou('Root/Sandbox')], Accounts: [SANDBOX_ACCOUNT], AccountFilterType: 'INTERSECTION' },
      { OrganizationalUnitIds: [fake.ou('Root/Security')], Accounts: [SECURITY_ACCOUNT], AccountFilterType: 'INTERSECTION' },
    ]);
  });

  test('an account dropped from a target loses its instances; with no account left, the account StackSets go (after a yes)', async () => {
    fake = smallOrg();
    expect((await deploy(accountsConfig())).error).toBeUndefined();
    const fewer = accountsConfig({ prod: { ous: ['Root/Workloads/Prod'] } } as never);
    expect((await deploy(fewer)).error).toBeUndefined();
    expect(instances('xacct-cross-account-role-accounts')).toEqual([`${SANDBOX_ACCOUNT}/${fake.ou('Root/Sandbox')}`]);
    expect(stackParams('xacct-kms-key').TargetAccountIds).toBe(SANDBOX_ACCOUNT);

    const none = testConfig();
    const refused = await deploy(none);
    expect(exitCode(refused.error)).toBe(2);
    expect(String((refused.error as Error).message)).toContain('StackSet xacct-cross-account-role-accounts: every instance, then the StackSet');
    const agreed = await deploy(none, { yes: true });
    expect(agreed.error).toBeUndefined();
    for (const t of ROLE_TEMPLATES) expect(fake.stackSets.has(`xacct-${t}-accounts`)).toBe(false);
    expect(stackParams('xacct-kms-key').TargetAccountIds).toBeUndefined();
  });

  test.each([
    [
      'below a target OU',
      () => fake.accountsUnder(fake.ou('Root/Workloads/Prod'))[0],
      /targets\.nonprod\.accounts\[0\]: account \d{12} is below ou-ab12-\d+, an OU of target prod, so it gets xacct's roles from there already/,
    ],
    ['not in the organization', () => '999999999999', /targets\.nonprod\.accounts\[0\]: account 999999999999 is not in o-abcdef1234/],
    [
      'the management account',
      () => fake.managementAccountId,
      /targets\.nonprod\.accounts\[0\]: 111111111111 is the management account of o-abcdef1234; service-managed StackSets never deploy there/,
    ],
    [
      'suspended',
      () => fake.addAccount(fake.ou('Root/Sandbox'), '777777777777', 'SUSPENDED'),
      /targets\.nonprod\.accounts\[0\]: account 777777777777 is not ACTIVE/,
    ],
  ])('an account %s is refused (exit 2) before any change', async (_, account, message) => {
    fake = smallOrg();
    const run = await deploy(accountsConfig({ nonprod: { accounts: [account()] } } as never));
    expect(exitCode(run.error)).toBe(2);
    expect((run.error as Error).message).toMatch(message);
    expect(fake.mutatingCalls()).toEqual([]);
  });
});

describe('the CI account inside a target OU', () => {
  /** The standard organization with the CI account moved into Root/Workloads/NonProd (the "non-prod account for CI" layout). */
  function ciInNonProd(): FakeAws {
    const f = standardOrg({ accounts: 10 });
    f.moveAccount(CI_ACCOUNT, f.ou('Root/Workloads/NonProd'));
    return f.install();
  }

  test('deploys the target roles into the CI account too, the NonProd stage deploys there, and deploy warns about it', async () => {
    fake = ciInNonProd();
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    for (const t of ROLE_TEMPLATES) expect(instances(`xacct-${t}`).map((i) => i.split('/')[0])).toContain(CI_ACCOUNT);
    expect(instances(`xacct-codecommit-source-${SOURCE_ACCOUNT}`)).toEqual([`${SOURCE_ACCOUNT}/${fake.ou('Root/Infrastructure')}`]);
    // Central and target templates now share the CI account's home region: every stack exists beside the instances.
    for (const name of ['xacct-kms-key', 'xacct-buckets', 'xacct-pipeline']) expect(fake.stack('eu-west-1', name)!.status).toBe('CREATE_COMPLETE');
    const pipeline = JSON.parse(fake.stack('eu-west-1', 'xacct-pipeline')!.body);
    const nonprod = (pipeline.Resources.AppPipeline.Properties.Stages as Array<{ Name: string; Actions: Array<{ Name: string; RoleArn?: unknown }> }>).find(
      (s) => s.Name === 'NonProd',
    )!;
    expect(nonprod.Actions.map((a) => a.Name)).toContain(`Prepare-${CI_ACCOUNT}-eu-west-1`);
    expect(run.io.text('warn')).toContain(`the CI account ${CI_ACCOUNT} is an account of target nonprod`);
    const p = await plan(testConfig());
    expect(p.result!.noChanges).toBe(true);
  });

  test('naming the CI account itself as a target works the same way', async () => {
    fake = smallOrg();
    const config = accountsConfig({ nonprod: { accounts: [CI_ACCOUNT] } } as never);
    const run = await deploy(config);
    expect(run.error).toBeUndefined();
    expect(instances('xacct-cross-account-role-accounts')).toEqual([
      `${CI_ACCOUNT}/${fake.ou('Root/Infrastructure')}`,
      `${SECURITY_ACCOUNT}/${fake.ou('Root/Security')}`,
    ]);
    expect(run.io.text('warn')).toContain(`the CI account ${CI_ACCOUNT} is an account of target nonprod`);
  });
});
