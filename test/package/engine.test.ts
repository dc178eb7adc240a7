/**
 * xacct's engine as the pipeline installs it: the single-file bundle (deploy/rollout/bundle.mjs,
 * here straight from the sources) copied into an empty folder, nothing else there, and run with
 * node: its help and version, then a real rollout, preview and failed rollout of a stackset: stage
 * against the in-memory organization over HTTP, as CodeBuild runs it against AWS.
 *
 * Measured on the loaded 2-core machine: the bundle 2-4 s, each run of it 0.5-1.5 s; 8-12 s in all.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '../../templates-src/config';
import { CI_ACCOUNT, FAKE_CREDENTIALS, FakeAws } from '../support/fake-aws';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

jest.setTimeout(120_000);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[], cwd: string): Promise<Result> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: cwd,
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    NO_COLOR: '1',
  };
  try {
    const r = await run(process.execPath, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const work = mkdtempSync(join(tmpdir(), 'xacct-engine-'));
const empty = join(work, 'empty');
let fake: FakeAws;
let endpoint = '';

beforeAll(async () => {
  const bundled = await node([join(ROOT, 'deploy', 'rollout', 'bundle.mjs'), '--from-source', '--outfile', join(work, 'xacct-engine.js')], ROOT);
  expect(bundled.stderr).toBe('');
  expect(bundled.code).toBe(0);
  // As the buildspec installs it: one file copied into a folder with nothing else in it.
  mkdirSync(empty);
  copyFileSync(join(work, 'xacct-engine.js'), join(empty, 'xacct.js'));

  fake = new FakeAws({ orgPageSize: 20, cfnPageSize: 100, pollsToComplete: 1 });
  fake.addAccount(fake.ou('Root/Infrastructure'), CI_ACCOUNT, 'ACTIVE', 'ci');
  const prod = fake.ou('Root/Workloads/Prod');
  for (let i = 0; i < 40; i++) fake.addAccount(prod, String(400000000000 + i));
  fake.caller = CI_ACCOUNT;
  fake.delegatedAdmins.add(CI_ACCOUNT);
  fake.install();
  endpoint = await fake.listen();
});

afterAll(async () => {
  await fake?.restore();
  rmSync(work, { recursive: true, force: true });
});

test('the engine is one file: the empty folder holds nothing else, and no node_modules is above it', () => {
  expect(readdirSync(empty)).toEqual(['xacct.js']);
  for (let dir = empty; dirname(dir) !== dir; dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules'))).toBe(false);
});

test("xacct rollout --help runs there, with the command's options and exit codes", async () => {
  const r = await node(['xacct.js', 'rollout', '--help'], empty);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^xacct rollout\n/);
  for (const option of ['--pipeline', '--stage', '--template', '--preview', '--summary-file', '--config']) expect(r.stdout).toContain(option);
  expect(r.stdout).toContain("1  the rollout failed: every failed account and region is listed with AWS's reason");
});

test(`--version prints ${pkg.version}, and only the engine's commands are offered`, async () => {
  expect((await node(['xacct.js', '--version'], empty)).stdout.trim()).toBe(pkg.version);
  const lint = await node(['xacct.js', 'lint'], empty);
  expect(lint.code).toBe(2);
  expect(lint.stderr).toMatch(/^error: unknown command 'lint'/);
});

test('it rolls a stackset: stage out, previews a change (the diff needs the bundled resource specification), and names every failed account', async () => {
  const config = parseConfig({
    targets: { prod: { ous: ['Root/Workloads/Prod'], regions: ['eu-west-1', 'us-east-1'] } },
    pipelines: [
      {
        name: 'app',
        source: { codecommit: { repository: 'app' } },
        stages: [{ name: 'Prod', target: 'prod', approval: true, stackset: { template: 'BuildOutput::t.json' } }],
      },
    ],
  });
  writeFileSync(join(empty, 'xacct-config.json'), JSON.stringify(config));
  const template = (name: string) => JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: name } } } });
  const rollout = (extra: string[]) =>
    node(
      [
        'xacct.js',
        'rollout',
        '--config',
        'xacct-config.json',
        '--pipeline',
        'app',
        '--stage',
        'Prod',
        '--template',
        't.json',
        '--endpoint-url',
        endpoint,
        ...extra,
      ],
      empty,
    );

  writeFileSync(join(empty, 't.json'), template('one'));
  const first = await rollout([]);
  expect(first.stderr).not.toMatch(/^error:/m);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(
    /^rolled out StackSet xacct-app-Prod \(created\) \(account 222222222222, StackSets as DELEGATED_ADMIN\)\n {2}add instances for OU ou-ab12-\d{8} in eu-west-1, us-east-1: xacct-add-[0-9a-f]{32} SUCCEEDED\n$/,
  );
  expect(fake.stackSets.get('xacct-app-Prod')!.instances.size).toBe(80);

  writeFileSync(join(empty, 't.json'), template('two'));
  const preview = await rollout(['--preview', '--summary-file', 'summary.txt']);
  expect(preview.code).toBe(0);
  expect(preview.stdout).toContain('[~] AWS::SNS::Topic Topic (replacement)');
  expect(readFileSync(join(empty, 'summary.txt'), 'utf8')).toBe(
    'StackSet xacct-app-Prod: update (template changed); 40 accounts in 2 regions (eu-west-1, us-east-1), 2 waves, about 2 min; template: 0 added, 1 changed (1 replaced), 0 removed.\n',
  );

  fake.instanceFailures.set('400000000007', 'Topic two already exists');
  const failed = await rollout([]);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain('400000000007 eu-west-1 FAILED: Topic two already exists');
  expect(failed.stderr).toContain('400000000007 us-east-1 FAILED: Topic two already exists');
});
