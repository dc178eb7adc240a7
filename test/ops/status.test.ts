/** `xacct status` against the in-memory organization: instances per OU and region, failures, last operation, drift. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAws, standardOrg } from '../support/fake-aws';
import { deploy, testConfig } from '../support/deploy-harness';
import { cli, configFile, status } from '../support/ops-harness';
import type { StatusReport } from '../../deploy/status';

let fake: FakeAws;
afterEach(() => fake?.restore());

describe('status', () => {
  test('instances by status per OU and region, failed ones with their reasons, the last operation; reads only', async () => {
    fake = standardOrg().install();
    const bad = fake.accountsUnder(fake.ou('Root/Workloads/Prod'))[0];
    fake.instanceFailures.set(bad, 'Role xacct-cross-account already exists (Service: Iam, Status Code: 409)');
    expect((await deploy(testConfig())).error).toBeDefined();
    fake.resetCalls();

    const run = await status(testConfig());
    expect(run.error).toBeUndefined();
    expect(fake.mutatingCalls()).toEqual([]);
    const s = run.result!.stackSets.find((x) => x.name === 'xacct-cross-account-role')!;
    expect(s.instances).toBe(40);
    expect(s.byStatus).toEqual({ CURRENT: 39, OUTDATED: 1 });
    const prod = s.groups.find((g) => g.ou === 'Root/Workloads/Prod')!;
    expect(prod.region).toBe('eu-west-1');
    expect(prod.counts).toEqual({ 'CURRENT/SUCCEEDED': 19, 'OUTDATED/FAILED': 1 });
    expect(prod.failed).toEqual([
      { account: bad, status: 'OUTDATED', detailedStatus: 'FAILED', reason: 'Role xacct-cross-account already exists (Service: Iam, Status Code: 409)' },
    ]);
    expect(s.groups.find((g) => g.ou === 'Root/Workloads/NonProd')!.counts).toEqual({ 'CURRENT/SUCCEEDED': 20 });
    expect(s.lastOperation).toMatchObject({ action: 'CREATE', status: 'SUCCEEDED' });
    expect(s.lastOperation!.id).toMatch(/^xacct-add-/);
    // Deploy stopped at the failure: nothing central exists yet.
    expect(run.result!.stacks.every((x) => !x.exists)).toBe(true);
    expect(run.result!.stackSets.find((x) => x.name === 'xacct-codecommit-source-333333333333')!.exists).toBe(false);

    const text = run.io.results[0].text;
    expect(text).toContain('StackSet xacct-cross-account-role: 40 instances (39 CURRENT, 1 OUTDATED)');
    expect(text).toContain(`  Root/Workloads/Prod (${fake.ou('Root/Workloads/Prod')}) eu-west-1: 19 CURRENT/SUCCEEDED, 1 OUTDATED/FAILED`);
    expect(text).toContain(`    ${bad} OUTDATED/FAILED: Role xacct-cross-account already exists`);
    expect(text).toContain('stack xacct-kms-key (eu-west-1): not deployed');
  });

  test('--drift lists drifted accounts and resources of StackSets and stacks', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    const drifted = fake.accountsUnder(fake.ou('Root/Workloads/NonProd'))[1];
    fake.driftInstance('xacct-read-only-role', drifted, 'eu-west-1', [
      {
        logicalId: 'ReadOnlyRole',
        type: 'AWS::IAM::Role',
        status: 'MODIFIED',
        differences: [{ path: '/MaxSessionDuration', expected: '3600', actual: '43200' }],
      },
    ]);
    fake.driftStack('eu-west-1', 'xacct-buckets', [
      {
        logicalId: 'ArtifactBucket',
        type: 'AWS::S3::Bucket',
        status: 'MODIFIED',
        differences: [{ path: '/VersioningConfiguration/Status', expected: 'Enabled', actual: 'Suspended' }],
      },
    ]);
    fake.resetCalls();

    const run = await status(testConfig(), { drift: true });
    expect(run.error).toBeUndefined();
    expect(fake.count('DetectStackSetDrift')).toBe(4);
    expect(fake.count('DetectStackDrift')).toBe(3);
    expect(fake.mutatingCalls()).toEqual([]);
    const ro = run.result!.stackSets.find((x) => x.name === 'xacct-read-only-role')!;
    expect(ro.drift!.status).toBe('SUCCEEDED');
    expect(ro.drift!.checked).toBe(8);
    expect(ro.drift!.drifted).toEqual([
      {
        account: drifted,
        region: 'eu-west-1',
        resources: [
          {
            logicalId: 'ReadOnlyRole',
            type: 'AWS::IAM::Role',
            physicalId: `ReadOnlyRole-${drifted}`,
            status: 'MODIFIED',
            differences: ['/MaxSessionDuration: 3600 -> 43200'],
          },
        ],
      },
    ]);
    expect(run.result!.stackSets.find((x) => x.name === 'xacct-cross-account-role')!.drift!.drifted).toEqual([]);
    const buckets = run.result!.stacks.find((x) => x.name === 'xacct-buckets')!;
    expect(buckets.drift).toEqual({
      status: 'DRIFTED',
      resources: [expect.objectContaining({ logicalId: 'ArtifactBucket', differences: ['/VersioningConfiguration/Status: Enabled -> Suspended'] })],
    });
    expect(run.result!.stacks.find((x) => x.name === 'xacct-kms-key')!.drift).toEqual({ status: 'IN_SYNC', resources: [] });

    const text = run.io.results[0].text;
    expect(text).toMatch(/drift \(operation \S+ SUCCEEDED\): 1 of 8 instances drifted/);
    expect(text).toContain(
      `    ${drifted} eu-west-1:\n      MODIFIED AWS::IAM::Role ReadOnlyRole (ReadOnlyRole-${drifted})\n        /MaxSessionDuration: 3600 -> 43200`,
    );
    expect(text).toContain('  drift: DRIFTED, 1 resource');
  });

  test('--output json parses and matches the text', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    expect((await deploy(testConfig())).error).toBeUndefined();
    const file = configFile(testConfig());
    const text = await cli(['status', '--config', file]);
    const json = await cli(['status', '--config', file, '--output', 'json']);
    expect(json.code).toBe(0);
    const data = JSON.parse(json.stdout) as StatusReport;
    expect(data.stackSets).toHaveLength(4);
    for (const s of data.stackSets) {
      expect(text.stdout).toContain(`StackSet ${s.name}: ${s.instances} instance`);
      for (const g of s.groups) expect(text.stdout).toContain(`${g.ouId}${g.ou ? ')' : ''} ${g.region}: `);
      expect(text.stdout).toContain(`last operation: ${s.lastOperation!.action} ${s.lastOperation!.id} ${s.lastOperation!.status}`);
    }
    for (const s of data.stacks) expect(text.stdout).toContain(`stack ${s.name} (${s.region}): ${s.status}, termination protection on`);
  });
});

describe('status --html', () => {
  test('writes the page with a cell for every instance of every StackSet; reads only', async () => {
    fake = standardOrg({ accounts: 12 }).install();
    const config = testConfig();
    expect((await deploy(config)).error).toBeUndefined();
    fake.resetCalls();
    const file = join(mkdtempSync(join(tmpdir(), 'xacct-html-')), 'status.html');
    const r = await cli(['status', '--config', configFile(config), '--html', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`wrote ${file}`);
    const page = readFileSync(file, 'utf8');
    const instances = [...fake.stackSets.values()].reduce((n, ss) => n + ss.instances.size, 0);
    expect((page.match(/<td[^>]*data-status=/g) ?? []).length).toBe(instances);
    expect(fake.mutatingCalls()).toEqual([]);
  });
});
