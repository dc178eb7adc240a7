/**
 * `xacct lint` gives the same verdict from any directory: its suppressions come from
 * --suppressions FILE, from beside the templates, or from xacct itself, and it says which; each
 * suppression is printed once, however many templates it covers.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, scratch } from './support';

jest.setTimeout(120_000);
/** A config with a second region: its build has both the buckets and the regional store. */
const TWO_REGION = join(__dirname, '..', 'fixtures', 'expected', 'two-region');
const ROOT_SUPPRESSIONS = join(__dirname, '..', '..', '.lint-suppressions.yaml');

function templates(): string {
  const dir = scratch();
  for (const t of ['buckets', 'regional-store']) copyFileSync(join(TWO_REGION, `${t}.template.json`), join(dir, `${t}.template.json`));
  return dir;
}

test("the same verdict from another directory, with xacct's own suppressions named, each printed once", async () => {
  const dir = templates();
  const r = await cli(['lint', '--dir', dir, '--cfn-lint', 'npm', '--no-color'], { cwd: scratch() });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain(`suppressions: ${ROOT_SUPPRESSIONS} (xacct's own, for its templates;`);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('suppressed: '));
  const rules = lines.map((l) => l.split(' ')[1]);
  expect(rules.length).toBeGreaterThan(0);
  expect(new Set(rules).size).toBe(rules.length);
  // One suppression, both templates: the access-log bucket exists in each.
  expect(lines.find((l) => l.startsWith('suppressed: cfn-guard:s3_bucket_logging_enabled_check on '))).toContain(
    'buckets/AccessLogBucket, regional-store/AccessLogBucket',
  );
});

test("a suppressions file beside the templates is used and named after xacct's own, which always apply to xacct's templates", async () => {
  const dir = templates();
  writeFileSync(join(dir, '.lint-suppressions.yaml'), 'suppressions: []\n');
  const r = await cli(['lint', '--dir', dir, '--cfn-lint', 'npm', '--no-color'], { cwd: scratch() });
  expect(r.stderr).toMatch(
    new RegExp(
      `suppressions: xacct's own \\(\\d+ entries\\), then ${join(dir, '.lint-suppressions.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(found in .*; 0 entries\\)`,
    ),
  );
  expect(r.stderr).toContain('suppressed: cfn-guard:s3_bucket_logging_enabled_check on ');
  expect(r.code).toBe(0);
});

test('--suppressions FILE that does not exist exits 2', async () => {
  const r = await cli(['lint', '--dir', templates(), '--suppressions', join(scratch(), 'nope.yaml')]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/error: suppressions file \S+nope\.yaml: cannot read: no such file/);
});
