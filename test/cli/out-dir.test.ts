/**
 * `build --out DIR` never deletes or replaces a file xacct cannot show it wrote: a non-empty DIR
 * without xacct's manifest.json is refused, and a rebuild removes only what that manifest lists,
 * naming each removal.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, scratch, snapshot } from './support';

const FIXTURES = join(__dirname, '..', 'fixtures', 'configs');

test("a directory of the user's own templates is refused, and left exactly as it was", async () => {
  const infra = scratch({ 'app.template.json': '{"Resources":{}}', 'network.template.yaml': 'Resources: {}\n', 'README.md': '# infra\n' });
  const before = snapshot(infra);
  const r = await cli(['build', '--out', infra]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(
    `error: --out ${infra} is not empty and has no manifest.json from xacct build (holds README.md, app.template.json, network.template.yaml); choose an empty or new directory, or pass --force to write into it (removing nothing)`,
  );
  expect(snapshot(infra)).toEqual(before);
});

test('--force writes into it, removes nothing and keeps the files it does not write', async () => {
  const infra = scratch({ 'app.template.json': '{"Resources":{}}', 'notes.txt': 'mine' });
  const r = await cli(['build', '--out', infra, '--force']);
  expect(r.code).toBe(0);
  expect(readFileSync(join(infra, 'app.template.json'), 'utf8')).toBe('{"Resources":{}}');
  expect(readFileSync(join(infra, 'notes.txt'), 'utf8')).toBe('mine');
  expect(r.stderr).not.toContain('removed');
});

test('a rebuild removes only files the previous manifest lists, and prints each removal', async () => {
  const out = scratch();
  expect((await cli(['build', '--config', join(FIXTURES, 'two-ous.yml'), '--out', out])).code).toBe(0);
  writeFileSync(join(out, 'notes.txt'), 'mine');
  const r = await cli(['build', '--config', join(FIXTURES, 'default.yml'), '--out', out]);
  expect(r.code).toBe(0);
  const removed = r.stderr.split('\n').filter((l) => l.startsWith('removed '));
  expect(removed).toEqual([
    `removed ${join(out, 'automation-role.template.json')} (listed in the previous manifest.json; this config no longer produces it)`,
    `removed ${join(out, 'automation-role.template.yaml')} (listed in the previous manifest.json; this config no longer produces it)`,
  ]);
  expect(readdirSync(out)).toContain('notes.txt');
});

test('a file of the same name that the manifest does not list is not overwritten', async () => {
  const out = scratch();
  expect((await cli(['build', '--out', out])).code).toBe(0);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  manifest.files = manifest.files.filter((f: string) => f !== 'README.md');
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(out, 'README.md'), '# mine\n');
  const before = snapshot(out);
  const r = await cli(['build', '--out', out]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`would overwrite README.md, which its manifest.json does not list as written by xacct`);
  expect(snapshot(out)).toEqual(before);
});

test('a manifest cannot send removals outside DIR', async () => {
  const parent = scratch({ 'keep.txt': 'mine' });
  const out = join(parent, 'out');
  expect((await cli(['build', '--out', out])).code).toBe(0);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  manifest.files.push('../keep.txt');
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest));
  expect((await cli(['build', '--out', out])).code).toBe(0);
  expect(readFileSync(join(parent, 'keep.txt'), 'utf8')).toBe('mine');
});
