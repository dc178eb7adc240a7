import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main } from '../deploy/cli';
import { MAX_TEMPLATE_BODY_BYTES } from '../templates-src/build';
import { packageVersion } from '../deploy/package-info';
import { ALL_CONFIGS, FIXTURES, fixtureConfig } from './support/build';
import { deployerPolicy } from '../templates-src/deployer-policy';
import { POLICY_LIMITS } from '../templates-src/checks/iam-policy-size';
import type { Json } from './support/json';

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

  test('StackSet templates fit inline (the README sends them as --template-body); a stack template over the limit is marked for the templates bucket', () => {
    for (const t of manifest().templates) {
      const bytes = Buffer.byteLength(readFileSync(join(dir, t.files.json)));
      expect([t.name, t.bytes]).toEqual([t.name, bytes]);
      if (t.placement !== 'central') expect([t.name, bytes <= MAX_TEMPLATE_BODY_BYTES]).toEqual([t.name, true]);
      expect([t.name, t.delivery]).toEqual([t.name, bytes > MAX_TEMPLATE_BODY_BYTES ? 'templates-bucket' : 'inline']);
    }
  });

  test("deployer-policy.json is deployerPolicy() of this config, fits a role's inline policies as the README says, and the README points to it", () => {
    const cfg = fixtureConfig(config);
    const text = readFileSync(join(dir, 'deployer-policy.json'), 'utf8');
    expect(JSON.parse(text)).toEqual(deployerPolicy(cfg));
    // IAM does not count white space ("IAM and AWS STS quotas").
    expect(JSON.stringify(deployerPolicy(cfg)).length).toBeLessThanOrEqual(POLICY_LIMITS.inline);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('## Permissions to deploy');
    expect(readme).toContain(`--policy-name ${cfg.prefix}-deployer --policy-document file://deployer-policy.json`);
  });

  test('the manifest says where each template deploys, its parameters and order', () => {
    const m = manifest();
    const where = Object.fromEntries(m.templates.map((t: Json) => [t.name, t.deploysTo]));
    expect(where['kms-key']).toBe('CI account');
    expect(where['cross-account-role']).toBe('every target account');
    const orders = m.templates.map((t: Json) => t.order);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
    const key = m.templates.find((t: Json) => t.name === 'kms-key');
    const expected = [
      'Prefix',
      'OrganizationId',
      'TargetOrgPaths',
      ...(config === 'accounts' ? ['TargetAccountIds'] : []),
      ...(['cross-account-source', 'shared-source'].includes(config) ? ['SourceAccountIds'] : []),
    ];
    expect(key.parameters.map((p: Json) => p.name)).toEqual(expected);
  });

  test('the README names every template, and deploys every stack and StackSet of the manifest under its name', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const t of manifest().templates) {
      expect(readme).toContain(`### ${t.name}`);
      for (const d of t.deployments) {
        const command =
          t.placement === 'central' ? `aws cloudformation deploy --region ${d.region} \\\n    --stack-name ${d.name} \\` : `--stack-set-name ${d.name} \\`;
        expect(readme).toContain(command);
      }
    }
    expect(readme).toContain('aws cloudformation create-stack-set');
    expect(readme).toContain('aws cloudformation update-stack-set');
  });

  test('the header names the config file, its sha256 and the xacct version; no building block unless asked for', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const file = join(FIXTURES, 'configs', `${config}.yml`);
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(readme.split('\n')[2]).toBe(
      `Generated by xacct ${packageVersion()} (\`xacct build\`) from \`${config}.yml\` (sha256 \`${sha}\`); do not edit by hand.`,
    );
    expect(manifest().source).toEqual({ config: `${config}.yml`, sha256: sha, version: packageVersion() });
    expect(manifest().templates.filter((t: Json) => !t.deployed)).toEqual([]);
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
  const pipeline = m.templates.find((t: Json) => t.name === 'pipeline');
  expect(pipeline.bytes).toBeGreaterThan(MAX_TEMPLATE_BODY_BYTES);
  expect(pipeline.delivery).toBe('templates-bucket');
  const readme = readFileSync(join(r.dir, 'README.md'), 'utf8');
  expect(readme).toMatch(/--stack-name \S+-pipeline \\\n[^`]*--s3-bucket \S+-templates-<CiAccountId>-/);
});

test('every template of the default build is sent inline', async () => {
  const r = await buildInto([]);
  const m = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8'));
  expect(m.templates.map((t: Json) => t.delivery)).toEqual(m.templates.map(() => 'inline'));
});

test('--building-blocks adds the templates the config does not deploy, each with commands marked as a building block', async () => {
  const plain = await buildInto([]);
  const r = await buildInto(['--building-blocks']);
  const names = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).templates as Array<{ name: string; deployed: boolean }>;
  expect(names(plain.dir).map((t) => t.name)).not.toContain('codecommit-source');
  const blocks = names(r.dir)
    .filter((t) => !t.deployed)
    .map((t) => t.name)
    .sort();
  expect(blocks).toEqual(['codecommit-source', 'codedeploy-instance-policy', 'codedeploy-instance-role', 'regional-store']);
  const readme = readFileSync(join(r.dir, 'README.md'), 'utf8');
  expect(readme.match(/^# building block, not deployed by this config/gm)).toHaveLength(4);
  expect(readdirSync(r.dir)).toEqual(expect.arrayContaining(['regional-store.template.json', 'codecommit-source.template.yaml']));
});
