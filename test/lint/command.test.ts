/**
 * `xacct lint` end to end: every fixture tree passes or is rejected as it declares, a broken
 * template fails the run, and a broken fixture that escapes its rule is itself a failure.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../deploy/cli';
import { runLint } from '../../deploy/lint/run';
import { BROKEN, ROOT } from './support';

// Linting the whole fixture tree took 43 s under `make test` on the loaded 2-core machine: 4x that.
jest.setTimeout(180_000);

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (chunks.push(String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await main(args), out: chunks.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

test('the fixture tree passes, and every broken fixture is rejected by the rules it names', async () => {
  const r = await runLint({ dir: join(ROOT, 'test', 'fixtures'), fixtures: true, cfnLint: 'auto', suppressionsFile: join(ROOT, '.lint-suppressions.yaml') });
  expect(r.failures).toEqual([]);
  expect(r.fixtureProblems).toEqual([]);
  expect(r.rejected.size).toBeGreaterThanOrEqual(12);
});

test('a directory holding a broken template fails with exit code 1, naming template, resource and rule', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-lint-'));
  copyFileSync(join(BROKEN, 'wildcard-action.template.json'), join(dir, 'wildcard-action.template.json'));
  const { code, out } = await cli(['lint', '--dir', dir, '--no-color', '--cfn-lint', 'npm']);
  expect(code).toBe(1);
  expect(out).toMatch(/^wildcard-action: Role: \[iam-no-wildcard-allow\] /m);
});

test('a broken fixture that its declared rule does not reject fails the run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'xacct-lint-'));
  mkdirSync(join(root, 'broken'));
  const t = JSON.parse(readFileSync(join(BROKEN, 'bad-getatt.template.json'), 'utf8'));
  t.Metadata['xacct:expect-rules'] = ['ref-targets'];
  writeFileSync(join(root, 'broken', 'bad-getatt.template.json'), JSON.stringify(t));
  const { code, out } = await cli(['lint', '--dir', root, '--fixtures', '--no-color', '--cfn-lint', 'npm']);
  expect(code).toBe(1);
  expect(out).toMatch(/bad-getatt\.template\.json: was not rejected by ref-targets/);
});

test('an empty directory is bad input', async () => {
  const { code } = await cli(['lint', '--dir', mkdtempSync(join(tmpdir(), 'xacct-lint-'))]);
  expect(code).toBe(2);
});
