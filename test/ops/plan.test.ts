/**
 * `xacct plan` against the in-memory organization: it changes nothing, says "no changes" right
 * after a deploy, and shows template, IAM and target changes with the accounts and time they take.
 */
import { FakeAws, standardOrg } from '../support/fake-aws';
import { deploy, testConfig } from '../support/deploy-harness';
import { cli, configFile, plan } from '../support/ops-harness';
import { XacctError } from '../../deploy/errors';
import type { PlanReport } from '../../deploy/plan';

let fake: FakeAws;
afterEach(() => fake?.restore());

async function deployed(accounts = 50): Promise<FakeAws> {
  fake = standardOrg({ accounts }).install();
  expect((await deploy(testConfig())).error).toBeUndefined();
  fake.resetCalls();
  return fake;
}

/** The deployed StackSet as an older xacct left it: one permission fewer in the role's policy. */
function olderRoleTemplate(name: string): void {
  const ss = fake.stackSets.get(name)!;
  const t = JSON.parse(ss.body);
  const statements = t.Resources.CrossAccountRole.Properties.Policies[0].PolicyDocument.Statement as unknown[];
  statements.pop();
  ss.body = JSON.stringify(t);
}

const stackSet = (r: PlanReport, name: string) => r.stackSets.find((s) => s.name === name)!;

describe('plan', () => {
  test('right after a deploy: nothing to do, no mutating call, exit 0 even with --detailed-exitcode', async () => {
    await deployed();
    const run = await plan(testConfig());
    expect(run.error).toBeUndefined();
    expect(fake.mutatingCalls()).toEqual([]);
    expect(run.result!.noChanges).toBe(true);
    expect(run.result!.stackSets.every((s) => s.action === 'none' && s.accountsAffected === 0)).toBe(true);
    expect(run.result!.stacks.every((s) => s.action === 'none')).toBe(true);
    expect(run.io.results[0].text).toMatch(/no changes: deploy would make no mutating call$/);

    const c = await cli(['plan', '--config', configFile(testConfig()), '--detailed-exitcode']);
    expect(c.code).toBe(0);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('after a template change: the IAM diff and every affected account, and exit 3 with --detailed-exitcode', async () => {
    await deployed();
    olderRoleTemplate('xacct-cross-account-role');
    const run = await plan(testConfig());
    expect(run.error).toBeUndefined();
    expect(fake.mutatingCalls()).toEqual([]);
    const r = run.result!;
    expect(r.noChanges).toBe(false);
    const s = stackSet(r, 'xacct-cross-account-role');
    expect(s.action).toBe('update');
    expect(s.reasons).toEqual(['template changed']);
    expect(s.template!.resources).toEqual([
      expect.objectContaining({ logicalId: 'CrossAccountRole', type: 'AWS::IAM::Role', change: 'modify', impact: 'WILL_UPDATE' }),
    ]);
    // The property diff names the statement that changed, not the whole policy list.
    expect(s.template!.resources[0].properties.map((p) => p.path)).toEqual([expect.stringMatching(/^Policies\[0\]\.PolicyDocument\.Statement\[\d+\]/)]);
    expect(s.template!.iam.map((c) => c.change)).toEqual(['+']);
    expect(s.template!.permissionsBroadened).toBe(true);
    const expected = [...fake.accountsUnder(fake.ou('Root/Workloads/NonProd')), ...fake.accountsUnder(fake.ou('Root/Workloads/Prod'))].sort();
    expect(s.affectedAccounts).toEqual(expected);
    expect(s.accountsAffected).toBe(40);
    expect(s.operations).toEqual([{ kind: 'update', description: 'update (template changed)', accounts: 40, regions: ['eu-west-1'], waves: 1, seconds: 60 }]);
    for (const other of ['xacct-cloudformation-role', 'xacct-read-only-role']) expect(stackSet(r, other).action).toBe('none');

    const text = run.io.results[0].text;
    expect(text).toContain('StackSet xacct-cross-account-role: update (template changed)');
    expect(text).toContain('IAM changes: 1 statement, permissions broadened');
    expect(text).toMatch(/^ {4}\+ Allow kms:Decrypt, kms:DescribeKey, kms:GenerateDataKey\* on /m);
    expect(text).toContain('[~] AWS::IAM::Role CrossAccountRole');
    expect(text).toContain('accounts affected: 40');
    expect(text).toMatch(/changes pending: 1 StackSet \(40 accounts affected, about 60 s at MaxConcurrentPercentage 100, regions SEQUENTIAL\), 0 stacks/);

    expect((await cli(['plan', '--config', configFile(testConfig()), '--detailed-exitcode'])).code).toBe(3);
    expect((await cli(['plan', '--config', configFile(testConfig())])).code).toBe(0);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('waves and time follow the configured preferences', async () => {
    await deployed();
    olderRoleTemplate('xacct-cross-account-role');
    const r = (await plan(testConfig({ rollout: { maxConcurrentPercentage: 10 } }))).result!;
    // 10% of 40 accounts = 4 at once: 10 waves in the one region.
    expect(stackSet(r, 'xacct-cross-account-role').operations[0]).toMatchObject({ accounts: 40, waves: 10, seconds: 600 });
    expect(r.estimate.seconds).toBe(600);
  });

  test('a central stack change lists resource and IAM changes from the deployed template, without a change set', async () => {
    await deployed(10);
    const stack = fake.stack('eu-west-1', 'xacct-kms-key')!;
    const t = JSON.parse(stack.body);
    t.Resources.ArtifactKey.Properties.KeyPolicy.Statement.pop();
    stack.body = JSON.stringify(t);
    const run = await plan(testConfig());
    expect(fake.count('CreateChangeSet')).toBe(0);
    expect(fake.mutatingCalls()).toEqual([]);
    const key = run.result!.stacks.find((s) => s.name === 'xacct-kms-key')!;
    expect(key.action).toBe('update');
    expect(key.template!.resources).toEqual([expect.objectContaining({ logicalId: 'ArtifactKey', type: 'AWS::KMS::Key', change: 'modify' })]);
    expect(key.template!.iam.length).toBeGreaterThan(0);
    expect(run.io.results[0].text).toContain('stack xacct-kms-key (eu-west-1): update (template changed)');
    expect(run.io.results[0].text).toContain('template diff:');
  });

  test('a new OU: the OU/region pair to add and its accounts, no template diff', async () => {
    await deployed();
    const config = testConfig({
      targets: { nonprod: { ous: ['Root/Workloads/NonProd'] }, prod: { ous: ['Root/Workloads/Prod'] }, sandbox: { ous: ['Root/Sandbox'] } },
    });
    const r = (await plan(config)).result!;
    expect(fake.mutatingCalls()).toEqual([]);
    const s = stackSet(r, 'xacct-read-only-role');
    expect(s.add).toEqual([{ ouId: fake.ou('Root/Sandbox'), ou: 'Root/Sandbox', region: 'eu-west-1' }]);
    expect(s.remove).toEqual([]);
    expect(s.affectedAccounts).toEqual(fake.accountsUnder(fake.ou('Root/Sandbox')));
    // The role templates carry the org paths as a parameter: that changes, the template does not.
    expect(s.template).toBeUndefined();
    expect(s.parameters).toEqual([]);
    expect(s.operations).toEqual([
      { kind: 'add', description: `add instances for OU ${fake.ou('Root/Sandbox')} in eu-west-1`, accounts: 10, regions: ['eu-west-1'], waves: 1, seconds: 60 },
    ]);
    expect((await plan(config)).io.results[0].text).toContain(`+ Root/Sandbox (${fake.ou('Root/Sandbox')}) eu-west-1`);
  });

  test('--output json parses and says what the text says', async () => {
    await deployed();
    olderRoleTemplate('xacct-cross-account-role');
    const text = await cli(['plan', '--config', configFile(testConfig())]);
    const json = await cli(['plan', '--config', configFile(testConfig()), '--output', 'json']);
    expect(json.code).toBe(0);
    const data = JSON.parse(json.stdout) as PlanReport;
    expect(data.noChanges).toBe(false);
    for (const s of data.stackSets) {
      const head = s.action === 'none' ? 'no changes' : s.action === 'create' ? 'create' : `update (${s.reasons.join('; ')})`;
      expect(text.stdout).toContain(`StackSet ${s.name}: ${head}`);
      if (s.action !== 'none') expect(text.stdout).toContain(`accounts affected: ${s.accountsAffected}`);
      for (const r of s.template?.resources ?? []) expect(text.stdout).toContain(`${r.type} ${r.logicalId}`);
    }
    for (const s of data.stacks) expect(text.stdout).toContain(`stack ${s.name} (${s.region}): ${s.action === 'none' ? 'no changes' : s.action}`);
    expect(text.stdout).toContain(`${data.accountsAffected} accounts affected, about ${data.estimate.text}`);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('from the management account with trusted access off: exit 2, and trusted access stays off', async () => {
    fake = standardOrg({ trustedAccess: 'DISABLED' }).install();
    fake.caller = fake.managementAccountId;
    const run = await plan(testConfig());
    expect(run.error).toBeInstanceOf(XacctError);
    expect((run.error as XacctError).exitCode).toBe(2);
    expect((run.error as Error).message).toMatch(/trusted access .* is DISABLED .*`xacct deploy` switches it on/);
    expect(fake.count('ActivateOrganizationsAccess')).toBe(0);
  });
});
