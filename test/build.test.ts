import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main } from '../deploy/cli';
import { MAX_TEMPLATE_BODY_BYTES } from '../templates-src/build';
import { ALL_CONFIGS, FIXTURES } from './support/build';

async function buildInto(args: string[]): Promise<{ code: number; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-build-'));
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return { code: await main(['build', ...args, '--out', dir]), dir };
  } finally {
    out.mockRestore();
  }
}

describe.each(ALL_CONFIGS)('xacct build --config %s', (config) => {
  let dir = '';
  beforeAll(async () => {
    const r = await buildInto(['--config', join(FIXTURES, 'configs', `${config}.yml`)]);
    expect(r.code).toBe(0);
    dir = r.dir;
  });
  const manifest = () => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

  test('writes exactly the files the manifest lists', () => {
    expect(readdirSync(dir).sort()).toEqual(manifest().files);
    for (const t of manifest().templates) {
      expect(manifest().files).toEqual(expect.arrayContaining([t.files.json, t.files.yaml]));
    }
  });

  test('every YAML template parses back to the same object as its JSON', () => {
    for (const t of manifest().templates) {
      const json = JSON.parse(readFileSync(join(dir, t.files.json), 'utf8'));
      const yaml = parse(readFileSync(join(dir, t.files.yaml), 'utf8'), { version: '1.1' });
      expect(yaml).toEqual(json);
    }
  });

  test('every template is under the inline body limit', () => {
    for (const t of manifest().templates) {
      expect(Buffer.byteLength(readFileSync(join(dir, t.files.json)))).toBeLessThan(MAX_TEMPLATE_BODY_BYTES);
    }
  });

  test('the manifest says where each template deploys, its parameters and order', () => {
    const m = manifest();
    const where = Object.fromEntries(m.templates.map((t: any) => [t.name, t.deploysTo]));
    expect(where['kms-key']).toBe('CI account');
    expect(where['cross-account-role']).toBe('every target account');
    const orders = m.templates.map((t: any) => t.order);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
    const key = m.templates.find((t: any) => t.name === 'kms-key');
    const expected = ['Prefix', 'OrganizationId', 'TargetOrgPaths', ...(['cross-account-source', 'shared-source'].includes(config) ? ['SourceAccountIds'] : [])];
    expect(key.parameters.map((p: any) => p.name)).toEqual(expected);
  });

  test('the README names every template with a deploy command', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const t of manifest().templates) {
      expect(readme).toContain(`### ${t.name}`);
      expect(readme).toContain(t.deployAs);
    }
    expect(readme).toContain('aws cloudformation create-stack-set');
    expect(readme).toContain('aws cloudformation deploy');
  });
});

test('a rebuild removes generated files the config no longer produces, and keeps foreign files', async () => {
  const first = await buildInto(['--config', join(FIXTURES, 'configs', 'two-ous.yml')]);
  expect(readdirSync(first.dir)).toContain('automation-role.template.json');
  writeFileSync(join(first.dir, 'notes.txt'), 'mine');
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    expect(await main(['build', '--config', join(FIXTURES, 'configs', 'default.yml'), '--out', first.dir])).toBe(0);
  } finally {
    out.mockRestore();
  }
  const files = readdirSync(first.dir);
  expect(files).not.toContain('automation-role.template.json');
  expect(files).toContain('notes.txt');
});

test('the default build equals the committed dist/', async () => {
  const r = await buildInto([]);
  const committed = join(__dirname, '..', 'dist');
  for (const f of readdirSync(r.dir)) {
    expect([f, readFileSync(join(r.dir, f), 'utf8')]).toEqual([f, readFileSync(join(committed, f), 'utf8')]);
  }
});

test('a template too large to send inline is still built, and the README deploys it through the templates bucket', async () => {
  const r = await buildInto(['--config', join(FIXTURES, 'lint', 'largest.config.yml')]);
  expect(r.code).toBe(0);
  const m = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8'));
  const pipeline = m.templates.find((t: any) => t.name === 'pipeline');
  expect(pipeline.bytes).toBeGreaterThan(MAX_TEMPLATE_BODY_BYTES);
  expect(pipeline.delivery).toBe('templates-bucket');
  const readme = readFileSync(join(r.dir, 'README.md'), 'utf8');
  expect(readme).toMatch(/--stack-name \S+-pipeline \\\n[^`]*--s3-bucket \S+-templates-<ci-account-id>-/);
});

test('every template of the default build is sent inline', async () => {
  const r = await buildInto([]);
  const m = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8'));
  expect(m.templates.map((t: any) => t.delivery)).toEqual(m.templates.map(() => 'inline'));
});
