/**
 * `make test` runs Prettier and typescript-eslint over the tree (Makefile `style`). These tests feed
 * the same binaries, with this checkout's configs, code they must refuse and code they must pass, so
 * a config that stopped checking anything would fail here.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

function eslint(source: string, file = 'deploy/example.ts'): { exit: number | null; out: string } {
  const r = spawnSync(bin('eslint'), ['--stdin', '--stdin-filename', file, '--max-warnings', '0'], { cwd: root, input: source, encoding: 'utf8' });
  return { exit: r.status, out: r.stdout + r.stderr };
}

function prettier(source: string, file = 'deploy/example.ts'): string {
  const r = spawnSync(bin('prettier'), ['--stdin-filepath', file], { cwd: root, input: source, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe('typescript-eslint', () => {
  test('passes code that follows the rules', () => {
    expect(eslint('export const region = (name: string): string => name.toLowerCase();\n')).toEqual({ exit: 0, out: '' });
  });

  test('refuses `any`', () => {
    const r = eslint('export const value: any = 1;\n');
    expect(r.exit).toBe(1);
    expect(r.out).toContain('@typescript-eslint/no-explicit-any');
  });

  test('refuses a disable comment that does not say why', () => {
    const r = eslint('// eslint-disable-next-line @typescript-eslint/no-explicit-any\nexport const value: any = 1;\n');
    expect(r.exit).toBe(1);
    expect(r.out).toContain('eslint-comments/require-description');
  });

  test('passes a disable comment that says why, and refuses one that disables nothing', () => {
    const why = '// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the reason\n';
    expect(eslint(`${why}export const value: any = 1;\n`).exit).toBe(0);
    const r = eslint(`${why}export const value = 1;\n`);
    expect(r.exit).toBe(1);
    expect(r.out).toContain('Unused eslint-disable directive');
  });

  test('refuses a file-wide disable of every rule', () => {
    const r = eslint('/* eslint-disable -- everything */\nexport const value: any = 1;\n');
    expect(r.exit).toBe(1);
    expect(r.out).toContain('eslint-comments/no-unlimited-disable');
  });

  test('CommonJS files may require; TypeScript files may not', () => {
    expect(eslint("const { join } = require('node:path');\nmodule.exports = join;\n", 'test/support/example.js').exit).toBe(0);
    const r = eslint("const { join } = require('node:path');\nexport default join;\n");
    expect(r.exit).toBe(1);
    expect(r.out).toContain('@typescript-eslint/no-require-imports');
  });
});

describe('Prettier', () => {
  test('leaves formatted code as it is', () => {
    const code = 'export function greet(name: string): string {\n  return `hello ${name}`;\n}\n';
    expect(prettier(code)).toBe(code);
  });

  test('rewrites double quotes, missing semicolons and odd spacing', () => {
    expect(prettier('export const a = "x"\nexport  function f( ){return a}\n')).toBe("export const a = 'x';\nexport function f() {\n  return a;\n}\n");
  });

  test('wraps at 160 columns, not before', () => {
    const call = (n: number) => `export const v = f(${Array.from({ length: n }, (_, i) => `argument${String(i).padStart(2, '0')}`).join(', ')});\n`;
    const fits = call(11);
    expect(fits.length - 1).toBeLessThanOrEqual(160);
    expect(prettier(fits)).toBe(fits);
    const long = call(13);
    expect(long.length - 1).toBeGreaterThan(160);
    expect(prettier(long).split('\n').length).toBeGreaterThan(2);
  });
});
