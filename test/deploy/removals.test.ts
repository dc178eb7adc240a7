/**
 * Removals converge: what xacct deployed and the config no longer holds is found by its tag, shown
 * by plan as a delete, removed by deploy after a yes (refused without a terminal), and seen by status.
 */
import { XacctError } from '../../deploy/errors';
import type { ConfigInput } from '../../templates-src/config';
import { FakeAws, SOURCE_ACCOUNT, standardOrg } from '../support/fake-aws';
import { deploy, testConfig } from '../support/deploy-harness';
import { plan, status } from '../support/ops-harness';

// Whole deploys: about 2 s each alone, several times that on a loaded 2-core machine.
jest.setTimeout(60_000);

let fake: FakeAws;
afterEach(() => fake?.restore());

const withRegions = (regions: string[], extra: Partial<ConfigInput> = {}) =>
  testConfig({
    pipelines: [
      {
        name: 'app',
        source: { codecommit: { repository: 'app', branch: 'main', account: SOURCE_ACCOUNT } },
        stages: [{ name: 'Prod', target: 'prod', regions, cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } }],
      },
    ],
    ...extra,
  });

describe('what left the config', () => {
  test('automationRole turned off: plan shows the StackSet as a delete, deploy without a terminal refuses before any change, with --yes removes it', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    expect((await deploy(testConfig({ automationRole: true }))).error).toBeUndefined();
    expect(fake.stackSets.has('xacct-automation-role')).toBe(true);
    expect(fake.stackSets.get('xacct-automation-role')!.tags).toEqual([{ Key: 'xacct:prefix', Value: 'xacct' }]);

    const previewed = await plan(testConfig());
    expect(previewed.result!.noChanges).toBe(false);
    expect(previewed.result!.removals.stackSets).toEqual(['xacct-automation-role']);
    expect(previewed.io.results[0].text).toContain('StackSet xacct-automation-role: delete (no longer in config)');

    fake.resetCalls();
    const refused = await deploy(testConfig());
    expect(refused.error).toBeInstanceOf(XacctError);
    expect((refused.error as XacctError).exitCode).toBe(2);
    expect((refused.error as Error).message).toContain('StackSet xacct-automation-role: every instance, then the StackSet');
    expect((refused.error as Error).message).toContain('Nothing was changed');
    expect(fake.mutatingCalls()).toEqual([]);

    const removed = await deploy(testConfig(), { yes: true });
    expect(removed.error).toBeUndefined();
    expect(removed.result!.removed.stackSets).toEqual(['xacct-automation-role']);
    expect(fake.stackSets.has('xacct-automation-role')).toBe(false);
    // Removed after the central stacks stopped admitting the role.
    const order = fake.calls.filter((c) => c.op === 'ExecuteChangeSet' || c.op === 'DeleteStackSet').map((c) => c.op);
    expect(order[order.length - 1]).toBe('DeleteStackSet');

    fake.resetCalls();
    const again = await deploy(testConfig());
    expect(again.error).toBeUndefined();
    expect(again.result!.noChanges).toBe(true);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('a dropped pipeline region: its regional stack is found by its tag, shown by status and plan, and deleted after the pipeline stopped using it', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    expect((await deploy(withRegions(['eu-west-1', 'us-east-1']))).error).toBeUndefined();
    expect(fake.stack('us-east-1', 'xacct-regional-store-us-east-1')?.tags).toEqual([{ Key: 'xacct:prefix', Value: 'xacct' }]);

    const seen = await status(withRegions(['eu-west-1']));
    const orphan = seen.result!.stacks.find((s) => s.name === 'xacct-regional-store-us-east-1')!;
    expect(orphan).toMatchObject({ region: 'us-east-1', exists: true, orphaned: true });
    expect(seen.io.results[0].text).toContain(
      'stack xacct-regional-store-us-east-1 (us-east-1): CREATE_COMPLETE, termination protection on [no longer in the config: the next deploy removes it]',
    );

    const previewed = await plan(withRegions(['eu-west-1']));
    expect(previewed.result!.removals.stacks).toEqual([{ name: 'xacct-regional-store-us-east-1', region: 'us-east-1' }]);

    fake.resetCalls();
    const run = await deploy(withRegions(['eu-west-1']), { yes: true });
    expect(run.error).toBeUndefined();
    expect(run.result!.removed.stacks).toEqual([{ name: 'xacct-regional-store-us-east-1', region: 'us-east-1' }]);
    expect(fake.stack('us-east-1', 'xacct-regional-store-us-east-1')).toBeUndefined();
    const ops = fake.calls.filter((c) => ['ExecuteChangeSet', 'DeleteStack'].includes(c.op)).map((c) => `${c.op} ${c.input.StackName}`);
    expect(ops.indexOf('ExecuteChangeSet xacct-pipeline')).toBeLessThan(ops.findIndex((o) => o.startsWith('DeleteStack')));

    // The retained artifact bucket still names the region; nothing is left to remove there.
    fake.resetCalls();
    const again = await plan(withRegions(['eu-west-1']));
    expect(again.result!.noChanges).toBe(true);
    expect(fake.calls.some((c) => c.op === 'DescribeStacks' && c.region === 'us-east-1')).toBe(true);
  });

  test('a StackSet with another prefix, or without the tag and a foreign name, is never touched', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    // 'xacct-dev' StackSets start with 'xacct-' too: their tag tells them apart.
    expect((await deploy(testConfig({ prefix: 'xacct-dev' }))).error).toBeUndefined();
    expect(fake.stackSets.has('xacct-dev-cross-account-role')).toBe(true);
    const previewed = await plan(testConfig());
    expect(previewed.result!.removals).toEqual({ stackSets: [], stacks: [] });
    expect(previewed.result!.noChanges).toBe(true);
  });
});
