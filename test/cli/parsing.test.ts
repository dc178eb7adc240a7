/**
 * Strict parsing: a mistyped command, option or value exits 2 before any command code runs: the
 * in-memory organization records no call and no file is written. Each test is one mistake of
 * issue 10's list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeAws, standardOrg } from '../support/fake-aws';
import { cli, GOOD_CONFIG, scratch, snapshot } from './support';
import { commands } from '../../deploy/commands';
import packageJson from '../../package.json';

let fake: FakeAws;
beforeEach(() => {
  fake = standardOrg().install();
});
afterEach(() => fake.restore());

const USAGE_HINT = "Run 'xacct --help' (or 'xacct <command> --help') for usage.\n";

test('deploy --dry-run is refused before deploy runs: exit 2, no AWS call', async () => {
  const dir = scratch({ 'acme.yaml': GOOD_CONFIG });
  const r = await cli(['deploy', '--config', join(dir, 'acme.yaml'), '--dry-run']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`error: unknown option --dry-run for xacct deploy; 'xacct plan' shows what deploy would change and changes nothing\n${USAGE_HINT}`);
  expect(fake.calls).toEqual([]);
});

test('build --confg: exit 2 with the option it meant, nothing built', async () => {
  const dir = scratch({ 'acme.yaml': GOOD_CONFIG });
  const before = snapshot(dir);
  const r = await cli(['build', '--confg', 'acme.yaml', '--out', join(dir, 'out')], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`error: unknown option --confg for xacct build; did you mean --config?\n${USAGE_HINT}`);
  expect(existsSync(join(dir, 'out'))).toBe(false);
  expect(snapshot(dir)).toEqual(before);
});

test('--output yaml: exit 2 naming the choices, nothing built', async () => {
  const dir = scratch();
  const r = await cli(['build', '--output', 'yaml', '--out', join(dir, 'out')]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`error: --output "yaml" is not one of text, json\n${USAGE_HINT}`);
  expect(existsSync(join(dir, 'out'))).toBe(false);
});

test('plan --detailed-exitcodes: exit 2 with the option it meant, no AWS call', async () => {
  const dir = scratch({ 'xacct.yaml': GOOD_CONFIG });
  const r = await cli(['plan', '--detailed-exitcodes'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('error: unknown option --detailed-exitcodes for xacct plan; did you mean --detailed-exitcode?');
  expect(fake.calls).toEqual([]);
});

test('a missing value is refused, not read as empty', async () => {
  const r = await cli(['deploy', '--config']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('error: --config needs a value');
  expect(fake.calls).toEqual([]);
});

test('xacct buidl: exit 2 with the command it meant', async () => {
  const r = await cli(['buidl']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`error: unknown command 'buidl'; did you mean 'build'?\n${USAGE_HINT}`);
});

test('xacct --version prints the version of the package', async () => {
  const r = await cli(['--version']);
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toBe(packageJson.version);
});

test('AWS options are offered only by commands that call AWS', async () => {
  const dir = scratch();
  for (const [args, option] of [
    [['build', '--profile', 'ci', '--out', join(dir, 'out')], 'profile'],
    [['lint', '--region', 'eu-west-1', '--dir', dir], 'region'],
    [['build', '--endpoint-url', 'http://localhost:4566', '--out', join(dir, 'out')], 'endpoint-url'],
  ] as const) {
    const r = await cli([...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error: unknown option --${option} for xacct ${args[0]}: only commands that call AWS take it (params, plan, deploy, rollout, status, destroy)`,
    );
  }
  expect(existsSync(join(dir, 'out'))).toBe(false);
  for (const c of commands.filter((x) => x.aws)) {
    const help = await cli([c.name, '--help']);
    for (const option of ['--profile', '--region', '--endpoint-url']) expect([c.name, help.stdout.includes(option)]).toEqual([c.name, true]);
  }
});

test('--region is checked against the AWS regions, before any call', async () => {
  const dir = scratch({ 'xacct.yaml': GOOD_CONFIG });
  const r = await cli(['status', '--region', 'eu-wset-1'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('error: --region "eu-wset-1" is not an AWS region; did you mean "eu-west-1"?');
  expect(fake.calls).toEqual([]);
});

test('every command has examples and its exit codes in its help; --out says what it removes', async () => {
  for (const c of commands) {
    const r = await cli([c.name, '--help']);
    expect([c.name, r.code]).toEqual([c.name, 0]);
    expect([c.name, r.stdout]).toEqual([c.name, expect.stringContaining('Examples:')]);
    expect([c.name, r.stdout]).toEqual([c.name, expect.stringMatching(/Exit codes:\n {2}0 {2}\S/)]);
    expect([c.name, r.stdout]).toEqual([c.name, expect.stringMatching(/\n {2}2 {2}\S/)]);
  }
  const build = await cli(['build', '--help']);
  expect(build.stdout.replace(/\s+/g, ' ')).toContain("removes only files that DIR's manifest.json lists as written by an earlier build");
});

describe('--output json: exactly one JSON document on stdout, on success and on failure', () => {
  test('a refused command line', async () => {
    const r = await cli(['buidl', '--output', 'json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'USAGE', message: "unknown command 'buidl'; did you mean 'build'?", exitCode: 2 } });
  });

  test('a bad config', async () => {
    const dir = scratch({ 'xacct.yaml': 'targets: {}\nhomeRegion: eu-wset-1\n' });
    const r = await cli(['build', '--output', 'json', '--out', join(dir, 'out')], { cwd: dir });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error).toEqual({ code: 'BAD_CONFIG', message: expect.stringContaining('homeRegion: "eu-wset-1" is not an AWS region'), exitCode: 2 });
    expect(r.stderr).toContain('config: xacct.yaml (found in the current directory)');
  });

  test('a failure inside an AWS command', async () => {
    const dir = scratch({ 'xacct.yaml': GOOD_CONFIG.replace('Root/Workloads/Prod]', 'Root/Workloads/Prodd]') });
    const r = await cli(['deploy', '--output', 'json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain('no OU named "Prodd"');
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('a successful build', async () => {
    const dir = scratch();
    const r = await cli(['build', '--output', 'json', '--out', join(dir, 'out')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files).toContain('manifest.json');
    expect(r.stderr).toContain('config: the embedded default');
  });
});

test("the README's synopsis names every command, and its AWS options line exactly the commands that call AWS", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const synopsis = readme.slice(readme.indexOf('## CLI')).split('```')[1];
  expect(
    synopsis
      .split('\n')
      .filter((l) => l.startsWith('xacct '))
      .map((l) => l.split(/\s+/)[1]),
  ).toEqual(commands.map((c) => c.name));
  expect(synopsis).toContain(
    `AWS commands (${commands
      .filter((c) => c.aws)
      .map((c) => c.name)
      .join(', ')}): --profile NAME  --region REGION  --endpoint-url URL`,
  );
});
