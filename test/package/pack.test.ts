/**
 * The published package, as a new user gets it: `npm pack` from a copy of the checkout without
 * `lib/` (prepack compiles), the tarball installed into an empty folder, and the commands run there.
 *
 * Measured on the loaded 2-core machine: pack 6-15 s (tsc), the two installs 14-19 s from npm's
 * cache (`--prefer-offline`: cached metadata and tarballs, the registry only for what is missing),
 * build and lint twice in parallel 20-35 s; 45-75 s in all (63 s inside a full `make test`). Under a
 * `make test` while other builds loaded the machine, packing and installing alone took 107 s and the
 * whole file 197 s: each step's timeout is 8 minutes.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildDist, embeddedDefaultSource } from '../../templates-src/build';
import { defaultConfig } from '../../templates-src/config';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

jest.setTimeout(8 * 60_000);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Result> {
  try {
    const r = await run(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false', ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The checkout's own files (tracked and new, not ignored): no lib/, no dist/ of a previous build beyond what is committed. */
async function copyCheckout(to: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(ROOT, file), join(to, file));
  }
  // The checkout's dependencies, so prepack's tsc runs as it would after `npm ci`.
  symlinkSync(join(ROOT, 'node_modules'), join(to, 'node_modules'), 'dir');
}

/** `xacct build` into DIR/dist, then `xacct lint` over it with the npm cfn-lint (the one xacct's dependencies bring). */
async function buildAndLint(xacct: string, dir: string): Promise<{ built: Result; linted: Result }> {
  const built = await sh(xacct, ['build', '--out', 'dist'], dir);
  const linted = await sh(xacct, ['lint', '--dir', 'dist', '--cfn-lint', 'npm'], dir);
  return { built, linted };
}

function expectBuiltAndLinted(dir: string, r: { built: Result; linted: Result }): void {
  // build says which config it used (the embedded default here), and nothing else.
  expect(r.built.stderr).toBe('config: the embedded default (three-account baseline); pass --config FILE or add xacct.yaml to use your own\n');
  expect(r.built.code).toBe(0);
  const expected = buildDist(defaultConfig(), { source: embeddedDefaultSource(pkg.version) });
  expect(readdirSync(join(dir, 'dist')).sort()).toEqual([...expected.files.keys()].sort());
  expect(readFileSync(join(dir, 'dist', 'manifest.json'), 'utf8')).toBe(expected.files.get('manifest.json'));
  // The folder has no .lint-suppressions.yaml: the suppressions shipped with xacct apply.
  expect(r.linted.stderr).not.toMatch(/^error:/m);
  expect(r.linted.stdout).toMatch(/cfn-lint \(npm\)/);
  expect(r.linted.stdout).toMatch(/ [1-9]\d* suppressed, 0 failing$/m);
  expect(r.linted.code).toBe(0);
}

function installedBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const p = join(dir, e.name);
    return n + (e.isDirectory() ? installedBytes(p) : e.isFile() ? statSync(p).size : 0);
  }, 0);
}

describe(`the ${pkg.name} package: packed from a checkout without lib/, installed into empty folders, run there`, () => {
  const work = mkdtempSync(join(tmpdir(), 'xacct-pack-'));
  const src = join(work, 'checkout');
  const app = join(work, 'app');
  const global = join(work, 'global');
  const elsewhere = join(work, 'elsewhere');
  const local = () => join(app, 'node_modules', '.bin', 'xacct');
  let files: string[] = [];
  let installed: Result[] = [];

  beforeAll(async () => {
    await copyCheckout(src);
    expect(existsSync(join(src, 'lib'))).toBe(false);
    const packed = await sh('npm', ['pack', '--json', '--pack-destination', work], src);
    expect(packed.stderr.match(/error TS\d+.*/g) ?? []).toEqual([]);
    expect(packed.code).toBe(0);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const tarball = join(work, info.filename);
    files = info.files.map((f) => f.path);
    mkdirSync(app);
    mkdirSync(elsewhere);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'empty', private: true }));
    const flags = ['--prefer-offline', '--no-audit', '--no-fund'];
    // `npm i -D xacct` in a project, and `npm i -g xacct` (into a private prefix, not the machine's).
    installed = await Promise.all([sh('npm', ['install', ...flags, tarball], app), sh('npm', ['install', '-g', '--prefix', global, ...flags, tarball], work)]);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('installs without an npm error, locally and globally', () => {
    for (const r of installed) {
      expect(r.stderr.split('\n').filter((l) => l.startsWith('npm error'))).toEqual([]);
      expect(r.code).toBe(0);
    }
  });

  test('the tarball holds the compiled CLI, the schema, LICENSE, CHANGELOG and the suppressions; no tests, sources, .ci/ or build state', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'lib/deploy/bin.js',
        'lib/deploy/help.txt',
        'lib/deploy/cli.js',
        'lib/templates-src/index.js',
        'dist/config.schema.json',
        'LICENSE',
        'README.md',
        'CHANGELOG.md',
        '.lint-suppressions.yaml',
        'package.json',
      ]),
    );
    // xacct's engine, the one file xacct deploy puts into the templates bucket for the pipeline.
    expect(files).toContain('lib/deploy/rollout/xacct-engine.js');
    expect(files.filter((f) => /(^|\/)test\/|\.test\.|^\.ci\/|tsbuildinfo|^lib\/(bench|test)\/|\.ts$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.includes('/') && !f.startsWith('lib/templates-src/') && !f.startsWith('lib/deploy/'))).toEqual(['dist/config.schema.json']);
  });

  test('the AGPL iam-simulate is neither shipped nor installed', () => {
    for (const f of files.filter((x) => x.endsWith('.js'))) expect(readFileSync(join(app, 'node_modules', pkg.name, f), 'utf8')).not.toMatch(/iam-simulate/);
    expect(existsSync(join(app, 'node_modules', '@cloud-copilot', 'iam-simulate'))).toBe(false);
  });

  test("the schema is where the README says, and cfn-guard's peer aws-cdk-lib is installed with it", () => {
    expect(existsSync(join(app, 'node_modules', 'xacct', 'dist', 'config.schema.json'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'aws-cdk-lib', 'package.json'))).toBe(true);
  });

  test('an install takes about 330 MB (README)', () => {
    const mb = installedBytes(join(app, 'node_modules')) / 1e6;
    expect(mb).toBeGreaterThan(250);
    expect(mb).toBeLessThan(400);
  });

  test.each([
    ['node_modules/.bin/xacct', () => [local(), []]],
    ['npx xacct', () => ['npx', ['--no-install', 'xacct']]],
    ['xacct from npm i -g', () => [join(global, 'bin', 'xacct'), []]],
  ] as Array<[string, () => [string, string[]]]>)('%s --help lists the commands', async (_, how) => {
    const [cmd, pre] = how();
    const r = await sh(cmd, [...pre, '--help'], app);
    expect(r.code).toBe(0);
    for (const command of ['build', 'lint', 'deploy', 'plan', 'status', 'destroy']) expect(r.stdout).toMatch(new RegExp(`xacct ${command}\\b`));
  });

  test('xacct --help prints the prepared text, exactly what yargs prints for the installed commands', async () => {
    const installed = join(app, 'node_modules', pkg.name, 'lib', 'deploy');
    const prepared = await sh(local(), ['--help'], app);
    const live = await sh('node', [join(installed, 'cli.js'), '--help'], app);
    expect(readFileSync(join(installed, 'help.txt'), 'utf8')).toBe(live.stdout);
    expect(prepared).toEqual(live);
    // Any other argument goes through yargs.
    expect((await sh(local(), ['build', '--help'], app)).stdout).toMatch(/^xacct build\n/);
  });

  test('the installed engine, copied alone into an empty folder, runs xacct rollout --help', async () => {
    const alone = join(work, 'engine-alone');
    mkdirSync(alone);
    cpSync(join(app, 'node_modules', pkg.name, 'lib', 'deploy', 'rollout', 'xacct-engine.js'), join(alone, 'xacct.js'));
    const r = await sh('node', ['xacct.js', 'rollout', '--help'], alone);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^xacct rollout\n/);
  });

  test(`xacct --version prints ${pkg.version}`, async () => {
    const r = await sh(local(), ['--version'], app);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  test('xacct build writes the same dist/ as the checkout, and xacct lint passes it: installed in a project and globally', async () => {
    const [inProject, fromGlobal] = await Promise.all([buildAndLint(local(), app), buildAndLint(join(global, 'bin', 'xacct'), elsewhere)]);
    expectBuiltAndLinted(app, inProject);
    expectBuiltAndLinted(elsewhere, fromGlobal);
  });

  test('from the checkout: node lib/deploy/cli.js, and npm link', async () => {
    expect((await sh('node', ['lib/deploy/cli.js', '--help'], src)).stdout).toMatch(/xacct build\b/);
    const linked = join(work, 'linked');
    // npm link puts `xacct` into the global prefix; here a private one.
    const link = await sh('npm', ['link', '--no-audit', '--no-fund'], src, { npm_config_prefix: linked });
    expect(link.code).toBe(0);
    const r = await sh(join(linked, 'bin', 'xacct'), ['--help'], elsewhere);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/xacct build\b/);
  });
});
