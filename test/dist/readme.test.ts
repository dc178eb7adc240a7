/**
 * dist/README.md followed to the end. For each fixture config, `xacct build` writes dist/; its
 * README's `sh` blocks run in order in bash, each in the account its first line names, against a
 * fresh in-memory organization that has nothing yet (trusted access off, no delegated
 * administrator): `aws` is the README test's reading of the AWS CLI (test/support/aws-cli), and
 * `xacct params` is the real command, whose values fill the README's `<Name>` placeholders. The
 * organization then holds what `xacct deploy` makes of the same config in an identical fresh
 * organization: the same StackSets (template, parameters, description, tags, capabilities,
 * auto-deployment, managed execution, targets, instances) and stacks (template, parameters, tags,
 * termination protection); `xacct plan` finds nothing to change but the pipeline, whose dist/ form
 * deploys each stage to one account where deploy's reaches every account of the stage's target.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { main } from '../../deploy/cli';
import { canonical } from '../../deploy/stackset/spec';
import type { Config } from '../../templates-src/config';
import { CI_ACCOUNT, FakeAws, FakeStackSet } from '../support/fake-aws';
import { deploy } from '../support/deploy-harness';
import { cli, plan } from '../support/ops-harness';
import { FIXTURES, fixtureConfig } from '../support/build';
import { startBridge, XacctRunner } from '../support/aws-cli/bridge';
import { TEST_ENGINE } from '../support/deploy-harness';

// A checkout under test has no built engine bundle: xacct's CLI here uploads deploy's stand-in.
jest.mock('../../deploy/rollout/engine', () => ({ ...jest.requireActual('../../deploy/rollout/engine'), shippedEngine: () => TEST_ENGINE() }));
import type { CliContext } from '../support/aws-cli/cli';
import type { Json } from '../support/json';

const CONFIGS = readdirSync(join(FIXTURES, 'configs')).filter((f) => f.endsWith('.yml')).map((f) => f.replace(/\.yml$/, '')).sort();

/** Where a block runs, from its first line (templates-src/readme-commands.ts writes it). */
function accountOf(marker: string, fake: FakeAws): string {
  if (marker === '# in the management account') return fake.managementAccountId;
  if (marker === '# in the CI account') return CI_ACCOUNT;
  const account = /^# in account (\d{12})$/.exec(marker)?.[1];
  if (!account) throw new Error(`a README block starts with ${JSON.stringify(marker)}, which names no account`);
  return account;
}

/** Every ```sh block of the README, in order, with the account it runs in and its lines after the first. */
function shBlocks(readme: string, fake: FakeAws): Array<{ account: string; body: string }> {
  return [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => {
    const [marker, ...lines] = m[1].trimEnd().split('\n');
    return { account: accountOf(marker, fake), body: lines.join('\n') };
  });
}

/**
 * A fresh organization for `config`: the CI account, every source account, one ACTIVE account in
 * each target OU (an `ou-` ID becomes an OU with that ID) and every named account in an OU that is
 * no target. `ready`: trusted access on and the CI account registered, as deploy needs them.
 */
function freshOrg(config: Config, ready: boolean, o: { ciInTarget?: boolean } = {}): FakeAws {
  const fake = new FakeAws({ trustedAccess: ready ? 'ENABLED' : 'DISABLED' });
  const infra = fake.ou('Root/Infrastructure');
  const firstOu = Object.values(config.targets).flatMap((t) => t.ous)[0];
  fake.addAccount(o.ciInTarget ? fake.ou(firstOu) : infra, CI_ACCOUNT, 'ACTIVE', 'ci');
  for (const p of config.pipelines) if ('codecommit' in p.source && p.source.codecommit.account && !fake.accounts.has(p.source.codecommit.account)) fake.addAccount(infra, p.source.codecommit.account);
  let n = 0;
  for (const t of Object.values(config.targets)) {
    for (const ref of t.ous) {
      const ou = ref.startsWith('ou-') ? fake.addOu(fake.ou('Root/Workloads'), `unit-${ref}`, ref) : fake.ou(ref);
      fake.addAccount(ou, String(400000000000 + n++));
    }
    for (const a of t.accounts) if (!fake.accounts.has(a)) fake.addAccount(fake.ou('Root/Named'), a);
  }
  fake.caller = CI_ACCOUNT;
  if (ready) fake.delegatedAdmins.add(CI_ACCOUNT);
  return fake;
}

function bash(script: string, env: Record<string, string>, cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += String(c)));
    child.stderr.on('data', (c: Buffer) => (output += String(c)));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The blocks as one bash script, each with the account its commands run in; placeholders filled. */
function script(blocks: Array<{ account: string; body: string }>, values: Record<string, string>): string {
  const text = blocks.map((b) => `export XACCT_TEST_ACCOUNT=${b.account}\n${b.body}`).join('\n');
  const filled = text.replace(/<([A-Za-z][A-Za-z0-9]*)>/g, (whole, name: string) => values[name] ?? whole);
  const left = filled.match(/<[A-Za-z][A-Za-z0-9]*>/g);
  if (left) throw new Error(`placeholders without a value: ${[...new Set(left)].join(', ')}`);
  return `set -euo pipefail\n${filled}\n`;
}

interface Followed {
  fake: FakeAws;
  ctx: CliContext;
  dist: string;
  placeholders: Record<string, string>;
  /** The first StackSet's create block run once more, and every stack block run once more, after the whole README. */
  again: { create: { code: number; log: string }; stacks: { code: number; output: string } };
}

async function buildDistFor(file: string): Promise<string> {
  const dist = mkdtempSync(join(tmpdir(), 'xacct-dist-'));
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await main(['build', '--config', file, '--out', dist])).toBe(0);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return dist;
}

/** Build dist/ for the config, then do what its README says, block by block (`ciInTarget`: the CI account sits in the first target OU). */
async function followReadme(name: string, o: { ciInTarget?: boolean } = {}): Promise<Followed> {
  const file = join(FIXTURES, 'configs', `${name}.yml`);
  const dist = await buildDistFor(file);
  const fake = freshOrg(fixtureConfig(name), false, o).install();
  fake.caller = fake.managementAccountId;
  const ctx: CliContext = { fake, sent: [], unmodelled: [] };
  // The README's own xacct commands (the uploads of a pipeline with stackset: stages), with this config file.
  const xacct: XacctRunner = async (account, cwd, argv) => {
    const args = argv.map((a, i) => (argv[i - 1] === '--config' ? file : argv[i - 1] === '--uploads' && !isAbsolute(a) ? join(cwd, a) : a));
    const previous = fake.caller;
    fake.caller = account;
    try {
      return await cli(args);
    } finally {
      fake.caller = previous;
    }
  };
  const bridge = await startBridge(ctx, xacct);
  try {
    const blocks = shBlocks(readFileSync(join(dist, 'README.md'), 'utf8'), fake);
    const at = blocks.findIndex((b) => b.body.startsWith('xacct params '));
    expect(blocks[at]).toMatchObject({ account: CI_ACCOUNT, body: expect.stringMatching(/^xacct params --config \S+$/) });
    const run = async (part: typeof blocks, values: Record<string, string>) => {
      const r = await bash(script(part, values), bridge.env, dist);
      if (r.code !== 0) throw new Error(`README blocks failed (exit ${r.code}):\n${r.output}\n${bridge.log.join('\n')}`);
    };
    // Before params can read anything, only the CI account's own ID is needed.
    await run(blocks.slice(0, at), { CiAccountId: CI_ACCOUNT });
    fake.caller = CI_ACCOUNT;
    const params = await cli(['params', '--config', file, '--output', 'json']);
    expect([params.code, params.stderr]).toEqual([0, expect.any(String)]);
    const report = JSON.parse(params.stdout) as { placeholders: Array<{ name: string; value?: string }> };
    expect(report.placeholders.filter((p) => p.value === undefined)).toEqual([]);
    const placeholders = Object.fromEntries(report.placeholders.map((p) => [p.name, p.value!]));
    expect(placeholders.CiAccountId).toBe(CI_ACCOUNT);
    await run(blocks.slice(at + 1), placeholders);
    // What the README says of running its commands again: a second create-stack-set fails, deploy updates (here: nothing).
    const seen = bridge.log.length;
    const create = await bash(script([blocks.find((b) => b.body.startsWith('aws cloudformation create-stack-set'))!], placeholders), bridge.env, dist);
    const stacks = await bash(script(blocks.filter((b) => b.body.startsWith('aws cloudformation deploy')), placeholders), bridge.env, dist);
    return { fake, ctx, dist, placeholders, again: { create: { code: create.code, log: bridge.log.slice(seen).join('\n') }, stacks } };
  } finally {
    await bridge.close();
  }
}

/** What matters of a StackSet: everything but IDs and operation history. */
function stackSetState(ss: FakeStackSet) {
  return {
    body: canonical(JSON.parse(ss.body)),
    description: ss.description,
    parameters: ss.parameters,
    capabilities: ss.capabilities,
    tags: ss.tags,
    autoDeployment: ss.autoDeployment,
    managedExecution: ss.managedExecution,
    ous: [...ss.ous].sort(),
    regions: [...ss.regions].sort(),
    instances: [...ss.instances.values()].map((i) => `${i.account}/${i.region}/${i.ouId}/${i.status}/${i.detailed}`).sort(),
  };
}

function stackState(fake: FakeAws, key: string) {
  const s = fake.stacks.get(key)!;
  return { status: s.status, protection: s.protection, tags: s.tags, parameters: s.parameters, body: canonical(JSON.parse(s.body)) };
}

/** Accounts each stage's actions assume roles in, from a deployed pipeline template with its parameter values. */
function stageAccounts(body: string, parameters: Record<string, string>): Record<string, string[]> {
  const t = JSON.parse(body) as { Resources: Record<string, { Type: string; Properties: { Stages: Array<{ Name: string; Actions: Array<{ RoleArn?: unknown }> }> } }> };
  const out: Record<string, string[]> = {};
  for (const r of Object.values(t.Resources).filter((x) => x.Type === 'AWS::CodePipeline::Pipeline')) {
    for (const s of r.Properties.Stages) {
      const text = JSON.stringify(s.Actions.map((a) => a.RoleArn ?? null)).replace(/\$\{(\w+)\}/g, (w, k: string) => parameters[k] ?? w);
      out[s.Name] = [...new Set(text.match(/\d{12}/g) ?? [])].sort();
    }
  }
  return out;
}

const CASES: Array<[string, string, { ciInTarget?: boolean }]> = [...CONFIGS.map((c): [string, string, object] => [c, c, {}]), ['default, the CI account inside a target OU,', 'default', { ciInTarget: true }]];

describe.each(CASES)('dist/README.md of the %s config, followed to the end', (_, name, layout) => {
  const config = fixtureConfig(name);
  let readme: Followed;
  let deployed: FakeAws;

  beforeAll(async () => {
    readme = await followReadme(name, layout);
    deployed = freshOrg(config, true, layout).install();
    const run = await deploy(config);
    if (run.error) throw run.error;
    readme.fake.install();
  }, 240_000);
  afterAll(async () => {
    await readme?.fake.restore();
    await deployed?.restore();
  });

  test('the same StackSets as xacct deploy makes, in every respect but IDs', () => {
    expect([...readme.fake.stackSets.keys()].sort()).toEqual([...deployed.stackSets.keys()].sort());
    for (const [ssName, ss] of deployed.stackSets) expect([ssName, stackSetState(readme.fake.stackSets.get(ssName)!)]).toEqual([ssName, stackSetState(ss)]);
  });

  test('the same stacks, each with the same template, parameters, tags and termination protection (the pipeline apart)', () => {
    expect([...readme.fake.stacks.keys()].sort()).toEqual([...deployed.stacks.keys()].sort());
    for (const key of [...deployed.stacks.keys()].filter((k) => !k.endsWith('-pipeline'))) expect([key, stackState(readme.fake, key)]).toEqual([key, stackState(deployed, key)]);
  });

  test("the pipeline is dist/'s, its stages reaching accounts deploy's pipeline reaches", () => {
    const key = [...deployed.stacks.keys()].find((k) => k.endsWith('-pipeline'));
    if (!key) return expect(config.pipelines).toEqual([]);
    const ours = readme.fake.stacks.get(key)!;
    expect(canonical(JSON.parse(ours.body))).toBe(canonical(JSON.parse(readFileSync(join(readme.dist, 'pipeline.template.json'), 'utf8'))));
    expect(ours.protection).toBe(true);
    const theirs = deployed.stacks.get(key)!;
    const want = stageAccounts(theirs.body, theirs.parameters);
    const got = stageAccounts(ours.body, ours.parameters);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const stage of Object.keys(want)) for (const a of got[stage]) expect([stage, want[stage]]).toEqual([stage, expect.arrayContaining([a])]);
  });

  test('what the pipeline reads from the templates bucket is there, under the keys its Parameters name, as deploy puts it', () => {
    const key = [...deployed.stacks.keys()].find((k) => k.endsWith('-pipeline'));
    const objects = (f: FakeAws) => [...(f.s3.buckets.get(`${config.prefix}-templates-${CI_ACCOUNT}-${config.homeRegion}`)?.objects.entries() ?? [])].filter(([k]) => /^xacct\/(engine|config)\//.test(k));
    const theirs = objects(deployed);
    if (!key || theirs.length === 0) return expect(objects(readme.fake)).toEqual([]);
    const params = readme.fake.stacks.get(key)!.parameters;
    const ours = new Map(objects(readme.fake));
    expect([params.RolloutEngineKey, params.RolloutConfigKey].sort()).toEqual([...ours.keys()].sort());
    for (const [k, o] of theirs) expect([k, ours.get(k)?.body, ours.get(k)?.sse]).toEqual([k, o.body, 'aws:kms']);
  });

  test('the StackSet operations ran with the rollout preferences xacct deploy uses', () => {
    const prefs = (calls: Array<{ op: string; input: Record<string, Json> }>) =>
      Object.fromEntries(calls.filter((c) => c.op === 'CreateStackInstances').map((c) => [c.input.StackSetName, c.input.OperationPreferences]));
    expect(prefs(readme.fake.calls)).toEqual(prefs(deployed.calls));
  });

  test('the repositories the README creates are the ones the pipelines read, in their accounts', () => {
    const want = config.pipelines.flatMap((p) => ('codecommit' in p.source ? [`${p.source.codecommit.account ?? CI_ACCOUNT}/${p.source.codecommit.repository}`] : []));
    expect(readme.ctx.unmodelled.map((c) => `${c.account}/${String(c.input.repositoryName)}`).sort()).toEqual([...new Set(want)].sort());
  });

  test('StackSets took the update commands too; run again, create-stack-set fails and deploy changes nothing', () => {
    const updated = readme.ctx.sent.filter((c) => c.api === 'UpdateStackSet').map((c) => String(c.input.StackSetName)).sort();
    expect(updated).toEqual([...deployed.stackSets.keys()].sort());
    expect(readme.again.create.code).not.toBe(0);
    expect(readme.again.create.log).toContain('NameAlreadyExistsException');
    expect(readme.again.stacks.code).toBe(0);
    expect(readme.again.stacks.output.match(/No changes to deploy\. Stack \S+ is up to date/g)).toHaveLength(deployed.stacks.size);
  });

  test('xacct plan on the organization the README made finds nothing to change but the pipeline', async () => {
    const p = await plan(config);
    expect(p.error).toBeUndefined();
    expect(p.result!.stackSets.filter((s) => s.action !== 'none').map((s) => s.name)).toEqual([]);
    expect(p.result!.stacks.filter((s) => s.action !== 'none').map((s) => s.name)).toEqual(config.pipelines.length > 0 ? [`${config.prefix}-pipeline`] : []);
    expect(p.result!.removals).toEqual({ stackSets: [], stacks: [] });
  }, 60_000);
});
