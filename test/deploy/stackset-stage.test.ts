/**
 * A stackset: stage against the in-memory organization: an OU of 3,000 accounts in two regions, one
 * pipeline action, one StackSet rolled out by `xacct rollout` (the engine `xacct deploy` uses), a
 * verdict that names every failed account, a re-run that changes nothing, and an account that joins
 * the OU covered by auto-deployment without touching the pipeline.
 */
import { XacctError } from '../../deploy/errors';
import type { RolloutResult } from '../../deploy/rollout';
import type { RolloutPreview } from '../../deploy/rollout/preview';
import { parseConfig } from '../../templates-src/config';
import { CI_ACCOUNT, FakeAws } from '../support/fake-aws';
import { deploy } from '../support/deploy-harness';
import { plan, rollout } from '../support/ops-harness';

// Measured 7 s for the file on the loaded 2-core machine, the preview (which loads cloudformation-diff) 4.5 s of it.
jest.setTimeout(60_000);

const ACCOUNTS = 3000;
const REGIONS = ['eu-west-1', 'us-east-1'];
const STACKSET = 'xacct-app-Prod';

const config = parseConfig({
  prefix: 'xacct',
  homeRegion: 'eu-west-1',
  targets: { prod: { ous: ['Root/Workloads/Prod'], regions: REGIONS } },
  pipelines: [
    {
      name: 'app',
      source: { codecommit: { repository: 'app' } },
      stages: [{ name: 'Prod', target: 'prod', approval: true, stackset: { template: 'BuildOutput::template.json', parameters: { Stage: 'prod' } } }],
    },
  ],
});

const template = (version: string) =>
  JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { Stage: { Type: 'String' } },
    Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: `app-${version}` } } },
  });

let fake: FakeAws;
let prod: string;

/** AWS's page sizes; one OU holding every account, as a flat prod OU of a large organization does. */
function bigOrg(): FakeAws {
  const f = new FakeAws({ orgPageSize: 20, cfnPageSize: 100 });
  f.addAccount(f.ou('Root/Infrastructure'), CI_ACCOUNT, 'ACTIVE', 'ci');
  prod = f.ou('Root/Workloads/Prod');
  for (let i = 0; i < ACCOUNTS; i++) f.addAccount(prod, String(400000000000 + i));
  f.caller = CI_ACCOUNT;
  f.delegatedAdmins.add(CI_ACCOUNT);
  return f;
}

const instancesOf = (name: string) => [...(fake.stackSets.get(name)?.instances.values() ?? [])];

beforeAll(() => {
  fake = bigOrg().install();
});
afterAll(() => fake.restore());

test('deploy: the stage is one pipeline action whatever the number of accounts; the engine and its config are in the templates bucket', async () => {
  const run = await deploy(config);
  expect(run.error).toBeUndefined();
  const stages = JSON.parse(fake.stack('eu-west-1', 'xacct-pipeline')!.body).Resources.AppPipeline.Properties.Stages as Array<{
    Name: string;
    Actions: Array<{ Name: string }>;
  }>;
  expect(stages.map((s) => [s.Name, s.Actions.map((a) => a.Name)])).toEqual([
    ['Source', ['Source']],
    ['Build', ['Build']],
    ['ApproveProd', ['Preview', 'Approve']],
    ['Prod', ['Rollout']],
  ]);
  const bucket = fake.s3.buckets.get(`xacct-templates-${CI_ACCOUNT}-eu-west-1`)!;
  const keys = [...bucket.objects.keys()].filter((k) => /^xacct\/(engine|config)\//.test(k)).sort();
  expect(keys).toEqual([expect.stringMatching(/^xacct\/config\/[0-9a-f]{16}\.json$/), expect.stringMatching(/^xacct\/engine\/[0-9a-f]{16}\.js$/)]);
  for (const k of keys) expect(bucket.objects.get(k)!.sse).toBe('aws:kms');
  // The resolved config names the OU by ID: the engine in CodeBuild needs no path lookups.
  const resolved = JSON.parse(bucket.objects.get(keys[0])!.body);
  expect(resolved.targets.prod.ous).toEqual([prod]);
  // deploy does not roll the application out: the pipeline's Rollout action does.
  expect(fake.stackSets.has(STACKSET)).toBe(false);
  // No role StackSet lists the 3,000 accounts: a stackset: stage reaches its OUs as a whole.
  expect(fake.count('ListAccountsForParent')).toBe(0);
});

test('an unchanged deploy puts nothing: the engine and config are under content-hashed keys already there', async () => {
  fake.resetCalls();
  const run = await deploy(config);
  expect(run.error).toBeUndefined();
  expect(run.result!.noChanges).toBe(true);
  expect(fake.mutatingCalls()).toEqual([]);
  expect(fake.count('HeadObject')).toBe(2);
});

test('rollout: one service-managed StackSet with an instance in every account and region, auto-deployment and managed execution on', async () => {
  fake.resetCalls();
  const run = await rollout(config, { pipeline: 'app', stage: 'Prod', template: template('v1') });
  expect(run.error).toBeUndefined();
  const result = run.result as RolloutResult;
  expect(result.created).toBe(true);
  expect([...fake.stackSets.keys()].filter((n) => n.startsWith('xacct-app-'))).toEqual([STACKSET]);
  const ss = fake.stackSets.get(STACKSET)!;
  expect(instancesOf(STACKSET)).toHaveLength(ACCOUNTS * REGIONS.length);
  expect(instancesOf(STACKSET).every((i) => i.status === 'CURRENT')).toBe(true);
  expect(ss.autoDeployment).toEqual({ enabled: true, retain: false });
  expect(ss.managedExecution).toBe(true);
  expect(ss.parameters).toEqual({ Stage: 'prod' });
  expect(ss.tags).toEqual([{ Key: 'xacct:prefix', Value: 'xacct' }]);
  const add = fake.calls.find((c) => c.op === 'CreateStackInstances')!;
  expect(add.input.CallAs).toBe('DELEGATED_ADMIN');
  expect(add.input.DeploymentTargets).toEqual({ OrganizationalUnitIds: [prod] });
  expect(add.input.Regions).toEqual(REGIONS);
  expect(add.input.OperationPreferences).toMatchObject({
    RegionOrder: REGIONS,
    ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
    FailureTolerancePercentage: 10,
    MaxConcurrentPercentage: 100,
  });
  // One DescribeStackSetOperation per poll, whatever the number of accounts.
  expect(fake.count('DescribeStackSetOperation')).toBeLessThanOrEqual(2 * fake.pollsToComplete + 2);
});

test('a re-run with nothing changed makes no mutating call', async () => {
  fake.resetCalls();
  const run = await rollout(config, { pipeline: 'app', stage: 'Prod', template: template('v1') });
  expect(run.error).toBeUndefined();
  expect((run.result as RolloutResult).noChanges).toBe(true);
  expect(fake.mutatingCalls()).toEqual([]);
  expect(run.io.results[0].text).toMatch(/^no changes: StackSet xacct-app-Prod/);
});

test('the preview before the approval: what an update changes, for how many accounts, regions and waves; changes nothing', async () => {
  fake.resetCalls();
  const run = await rollout(config, { pipeline: 'app', stage: 'Prod', template: template('v2'), preview: true });
  expect(run.error).toBeUndefined();
  const r = run.result as RolloutPreview;
  expect(fake.mutatingCalls()).toEqual([]);
  expect(r.preview.action).toBe('update');
  expect(r.preview.reasons).toEqual(['template changed']);
  expect(r.preview.accountsAffected).toBe(ACCOUNTS);
  expect(r.preview.operations).toEqual([expect.objectContaining({ kind: 'update', accounts: ACCOUNTS, regions: REGIONS, waves: 2 })]);
  expect(r.preview.template!.resources).toEqual([expect.objectContaining({ logicalId: 'Topic', change: 'modify', impact: 'WILL_REPLACE' })]);
  expect(r.summary).toBe(
    'StackSet xacct-app-Prod: update (template changed); 3,000 accounts in 2 regions (eu-west-1, us-east-1), 2 waves, about 2 min; template: 0 added, 1 changed (1 replaced), 0 removed.',
  );
  expect(r.summary.length).toBeLessThanOrEqual(700);
});

test("a failed rollout names every failed account and region with AWS's reason", async () => {
  const failing = Array.from({ length: 25 }, (_, i) => String(400000000000 + i * 97));
  for (const a of failing) fake.instanceFailures.set(a, `Resource handler returned message: "Topic app-v2 already exists in ${a}"`);
  try {
    const run = await rollout(config, { pipeline: 'app', stage: 'Prod', template: template('v2') });
    expect(run.error).toBeInstanceOf(XacctError);
    const err = run.error as XacctError;
    expect(err.code).toBe('DEPLOY_FAILED');
    expect(err.exitCode).toBe(1);
    const listed = err.message.split('\n').slice(1);
    expect(listed).toHaveLength(failing.length * REGIONS.length);
    for (const a of failing)
      for (const r of REGIONS) expect(listed).toContain(`  ${a} ${r} FAILED: Resource handler returned message: "Topic app-v2 already exists in ${a}"`);
    expect(err.message.split('\n')[0]).toMatch(/^StackSet 'xacct-app-Prod' UPDATE operation xacct-update-[0-9a-f]{32} ended SUCCEEDED: 50 instances failed$/);
  } finally {
    fake.instanceFailures.clear();
  }
  // Once the cause is gone, the next run updates the OUTDATED instances and succeeds.
  const again = await rollout(config, { pipeline: 'app', stage: 'Prod', template: template('v2') });
  expect(again.error).toBeUndefined();
  expect(instancesOf(STACKSET).every((i) => i.status === 'CURRENT')).toBe(true);
});

test('an account that joins the OU is covered by auto-deployment, without touching the pipeline', async () => {
  fake.addAccount(prod, '499999999999');
  expect(
    instancesOf(STACKSET)
      .filter((i) => i.account === '499999999999')
      .map((i) => i.region)
      .sort(),
  ).toEqual(REGIONS);
  fake.resetCalls();
  const again = await rollout(config, { pipeline: 'app', stage: 'Prod', template: template('v2') });
  expect((again.result as RolloutResult).noChanges).toBe(true);
  expect(fake.mutatingCalls()).toEqual([]);
  const p = await plan(config);
  expect(p.error).toBeUndefined();
  expect(p.result!.stacks.find((s) => s.name === 'xacct-pipeline')!.action).toBe('none');
  expect(p.result!.membership).toEqual([]);
});

test('a template over the 51,200-byte inline limit goes through the templates bucket, encrypted with the artifact key; unchanged, it is not put again', async () => {
  const big = JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { Stage: { Type: 'String' } },
    Resources: Object.fromEntries(
      Array.from({ length: 400 }, (_, i) => [`Topic${i}`, { Type: 'AWS::SNS::Topic', Properties: { TopicName: `app-${'x'.repeat(100)}-${i}` } }]),
    ),
  });
  expect(Buffer.byteLength(big)).toBeGreaterThan(51_200);
  fake.resetCalls();
  const run = await rollout(config, { pipeline: 'app', stage: 'Prod', template: big });
  expect(run.error).toBeUndefined();
  const put = fake.s3.puts.filter((p) => p.Key.startsWith(`xacct/templates/${STACKSET}/`));
  expect(put).toHaveLength(1);
  expect(put[0]).toMatchObject({
    Bucket: `xacct-templates-${CI_ACCOUNT}-eu-west-1`,
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: fake.outputsOf('eu-west-1', 'xacct-kms-key').ArtifactKeyArn,
  });
  expect(put[0].refused).toBeUndefined();
  const update = fake.calls.find((c) => c.op === 'UpdateStackSet')!;
  expect(update.input.TemplateBody).toBeUndefined();
  expect(update.input.TemplateURL).toBe(`https://xacct-templates-${CI_ACCOUNT}-eu-west-1.s3.eu-west-1.amazonaws.com/${put[0].Key}`);
  expect(fake.stackSets.get(STACKSET)!.body).toBe(big);

  fake.resetCalls();
  const again = await rollout(config, { pipeline: 'app', stage: 'Prod', template: big });
  expect((again.result as RolloutResult).noChanges).toBe(true);
  expect(fake.mutatingCalls()).toEqual([]);
});
