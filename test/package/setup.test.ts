/**
 * `make build`'s install step, run for real (the Makefile's own recipe, the real npm) in a scratch
 * project whose only dependency is a local folder, so no registry is involved: a refused `npm ci`
 * is one line on the terminal and its whole output in npm-ci.log.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const STAMP = 'node_modules/.xacct-installed';

jest.setTimeout(60_000);

function scratchProject(lockInSync: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-setup-'));
  copyFileSync(join(ROOT, 'Makefile'), join(dir, 'Makefile'));
  mkdirSync(join(dir, 'dep'));
  writeFileSync(join(dir, 'dep', 'package.json'), JSON.stringify({ name: 'dep', version: '1.0.0' }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', dependencies: { dep: 'file:./dep' } }));
  const packages: Record<string, unknown> = { '': { name: 'scratch', version: '1.0.0', ...(lockInSync ? { dependencies: { dep: 'file:./dep' } } : {}) } };
  if (lockInSync) Object.assign(packages, { dep: { version: '1.0.0' }, 'node_modules/dep': { resolved: 'dep', link: true } });
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
  return dir;
}

async function makeInstall(dir: string): Promise<string[]> {
  // As on a terminal: no directory lines from a make that runs inside another make (make test).
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
  for (const k of ['MAKELEVEL', 'MAKEFLAGS', 'MFLAGS', 'MAKEOVERRIDES']) delete env[k];
  const r = await run('make', ['--no-print-directory', STAMP], { cwd: dir, env });
  return `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
}

describe('make build: installing dependencies', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('a lockfile npm ci refuses: one line naming the reason and the log, then npm install --no-save', async () => {
    const dir = scratchProject(false);
    dirs.push(dir);
    const lines = await makeInstall(dir);
    expect(lines.filter((l) => /npm error/.test(l))).toEqual([]);
    const fallback = lines.filter((l) => /npm ci refused/.test(l));
    expect(fallback).toEqual([
      'npm ci refused (Missing: dep@1.0.0 from lock file; all of it in npm-ci.log): installing the locked versions with npm install --no-save',
    ]);
    expect(
      readFileSync(join(dir, 'npm-ci.log'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('npm error')).length,
    ).toBeGreaterThan(10);
    expect(existsSync(join(dir, 'node_modules', 'dep', 'package.json'))).toBe(true);
    expect(existsSync(join(dir, STAMP))).toBe(true);
    // --no-save: the lockfile stays as committed.
    expect(JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')).packages['node_modules/dep']).toBeUndefined();
  });

  test('a lockfile in sync: npm ci installs and nothing falls back', async () => {
    const dir = scratchProject(true);
    dirs.push(dir);
    const lines = await makeInstall(dir);
    expect(lines).toEqual(['npm ci (output in npm-ci.log)']);
    expect(existsSync(join(dir, 'node_modules', 'dep', 'package.json'))).toBe(true);
  });
});
