/**
 * `xacct params` against the in-memory organization: a value for every Parameter of every template
 * of dist/ that has no Default, the same values `xacct deploy` sends (compared with what the fake
 * recorded in CreateStackSet and CreateChangeSet), the AWS CLI arguments that carry them, and not
 * one mutating call.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist } from '../../templates-src/build';
import type { Config } from '../../templates-src/config';
import { installedFake } from '../support/fake-aws';
import { readParams, runParams, ParamsReport } from '../../deploy/params';
import { shellLine, shorthandValue, shellWord } from '../../deploy/params/render';
import { CI_ACCOUNT, FakeAws, SOURCE_ACCOUNT, standardOrg } from '../support/fake-aws';
import { deploy, TEST_ENGINE, testConfig } from '../support/deploy-harness';
import { configFile, stringIo } from '../support/ops-harness';
import { MemoryIo } from '../support/io';
import { cli } from './support';

let fake: FakeAws;
afterEach(() => fake?.restore());

const params = (config: Config) => readParams(config, { clients: installedFake().clients({ region: config.homeRegion }), io: new MemoryIo() });

/** Parameter values by stack or StackSet name. */
const byName = (r: ParamsReport) => new Map(r.templates.map((t) => [t.name, Object.fromEntries(t.parameters.map((p) => [p.name, p.value]))]));

/** What deploy sent: the Parameters of every CreateStackSet, UpdateStackSet and CreateChangeSet the fake recorded, by name. */
function sent(): Array<{ op: string; name: string; parameters: Record<string, string> }> {
  return fake.calls
    .filter((c) => ['CreateStackSet', 'UpdateStackSet', 'CreateChangeSet'].includes(c.op))
    .map((c) => ({
      op: c.op,
      name: c.input.StackSetName ?? c.input.StackName,
      parameters: Object.fromEntries(
        (c.input.Parameters ?? []).map((p: { ParameterKey: string; ParameterValue: string }) => [p.ParameterKey, p.ParameterValue]),
      ),
    }));
}

/** Every Parameter without a Default in every template of dist/ (as `xacct build` writes it for this config) and its value. */
function requiredValues(config: Config, r: ParamsReport): Array<[string, string, string | undefined]> {
  const { manifest } = buildDist(config);
  const out: Array<[string, string, string | undefined]> = [];
  for (const m of manifest.templates) {
    const rows = r.templates.filter((t) => t.template === m.name);
    expect([m.name, rows.length]).toEqual([m.name, Math.max(1, m.deployments.length)]);
    for (const t of rows)
      for (const p of m.parameters.filter((x) => x.default === undefined)) out.push([t.name, p.name, t.parameters.find((x) => x.name === p.name)?.value]);
  }
  return out;
}

/** The OU's path of IDs from the organization down, as aws:PrincipalOrgPaths reads it. */
function orgPath(path: string): string {
  const ids: string[] = [];
  for (let i = 2; i <= path.split('/').length; i++) ids.push(fake.ou(path.split('/').slice(0, i).join('/')));
  return `${fake.organizationId}/${fake.rootId}/${ids.join('/')}/*`;
}

describe('after a deploy', () => {
  test('every Parameter without a Default has a value, the value deploy sent, and params makes no mutating call', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    const config = testConfig();
    expect((await deploy(config)).error).toBeUndefined();
    const deploySent = sent();
    expect(deploySent.map((s) => s.name).sort()).toEqual(
      [
        'xacct-buckets',
        'xacct-cloudformation-role',
        'xacct-codecommit-source-333333333333',
        'xacct-cross-account-role',
        'xacct-kms-key',
        'xacct-pipeline',
        'xacct-read-only-role',
      ].sort(),
    );
    fake.resetCalls();

    const r = await params(config);
    expect(fake.mutatingCalls()).toEqual([]);
    const required = requiredValues(config, r);
    expect(required.length).toBeGreaterThanOrEqual(10);
    expect(required.filter(([, , v]) => v === undefined)).toEqual([]);

    const values = byName(r);
    for (const s of deploySent) {
      for (const [k, v] of Object.entries(s.parameters)) expect([s.name, k, values.get(s.name)?.[k]]).toEqual([s.name, k, v]);
    }

    // The values themselves, from the organization as the fake holds it.
    const kms = values.get('xacct-kms-key')!;
    expect(kms.OrganizationId).toBe(fake.organizationId);
    expect(kms.TargetOrgPaths).toBe([orgPath('Root/Workloads/NonProd'), orgPath('Root/Workloads/Prod')].sort().join(','));
    expect(values.get('xacct-cross-account-role')!.CiAccountId).toBe(CI_ACCOUNT);
    expect(values.get('xacct-codecommit-source-333333333333')).toEqual({ Prefix: 'xacct', CiAccountId: CI_ACCOUNT });
    // dist/'s pipeline deploys each stage to one account: the first of the target's, with a note naming the others.
    const pipeline = r.templates.find((t) => t.name === 'xacct-pipeline')!;
    const nonprod = fake.accountsUnder(fake.ou('Root/Workloads/NonProd'));
    expect(values.get('xacct-pipeline')).toMatchObject({
      AppNonProdAccountId: nonprod[0],
      AppProdAccountId: fake.accountsUnder(fake.ou('Root/Workloads/Prod'))[0],
      AppSourceAccountId: SOURCE_ACCOUNT,
    });
    expect(pipeline.notes).toContain(
      `AppNonProdAccountId: target nonprod has ${nonprod.length} accounts (${nonprod.join(', ')}); dist/'s pipeline deploys stage NonProd to one, the first is given (xacct deploy deploys to each)`,
    );
    // dist/ holds what this config deploys, and no building block: params gives values for exactly those.
    expect([...values.keys()].sort()).toEqual([
      'xacct-buckets',
      'xacct-cloudformation-role',
      'xacct-codecommit-source-333333333333',
      'xacct-cross-account-role',
      'xacct-kms-key',
      'xacct-pipeline',
      'xacct-read-only-role',
    ]);
  });

  test('with a second region: the regional store key ARN is the one deploy sent', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    const config = testConfig({
      pipelines: [
        {
          name: 'app',
          source: { codecommit: { repository: 'app', branch: 'main', account: SOURCE_ACCOUNT } },
          stages: [
            { name: 'Prod', target: 'prod', regions: ['eu-west-1', 'us-east-1'], cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } },
          ],
        },
      ],
    });
    expect((await deploy(config)).error).toBeUndefined();
    const regional = sent().find((s) => s.name === 'xacct-regional-store-us-east-1')!;
    expect(regional.parameters.PrimaryKeyArn).toMatch(/^arn:/);
    fake.resetCalls();
    const r = await params(config);
    const row = r.templates.find((t) => t.name === 'xacct-regional-store-us-east-1')!;
    expect(row).toMatchObject({ kind: 'stack', region: 'us-east-1', deployedByXacct: true });
    expect(Object.fromEntries(row.parameters.map((p) => [p.name, p.value]))).toMatchObject(regional.parameters);
    expect(fake.mutatingCalls()).toEqual([]);
  });
});

/** The test config with its Prod stage in a second region: dist/ then holds a regional store. */
const twoRegions = () =>
  testConfig({
    pipelines: [
      {
        name: 'app',
        source: { codecommit: { repository: 'app', branch: 'main', account: SOURCE_ACCOUNT } },
        stages: [
          { name: 'NonProd', target: 'nonprod', cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } },
          { name: 'Prod', target: 'prod', regions: ['eu-west-1', 'us-east-1'], cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } },
        ],
      },
    ],
  });

describe('before anything is deployed', () => {
  test('the key ARN is pending, read from the kms-key stack once it exists; everything else has its value', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    const config = twoRegions();
    const r = await params(config);
    expect(fake.mutatingCalls()).toEqual([]);
    const missing = requiredValues(config, r).filter(([, , v]) => v === undefined);
    expect(missing).toEqual([['xacct-regional-store-us-east-1', 'PrimaryKeyArn', undefined]]);
    const regional = r.templates.find((t) => t.template === 'regional-store')!;
    expect(regional.parameters.find((p) => p.name === 'PrimaryKeyArn')!.pending).toEqual({
      stack: 'xacct-kms-key',
      region: 'eu-west-1',
      output: 'ArtifactKeyArn',
    });
    expect(shellLine(regional)).toContain(
      `PrimaryKeyArn="$(aws cloudformation describe-stacks --stack-name xacct-kms-key --region eu-west-1 --query "Stacks[0].Outputs[?OutputKey=='ArtifactKeyArn'].OutputValue" --output text)"`,
    );
    expect(regional.arguments.some((a) => a.startsWith('PrimaryKeyArn='))).toBe(false);
  });

  test('read-only from the management account: trusted access off is reported, not switched on', async () => {
    fake = standardOrg({ accounts: 10, trustedAccess: 'DISABLED' }).install();
    fake.caller = fake.managementAccountId;
    const r = await cli(['params', '--config', configFile(testConfig())]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('trusted access between StackSets and Organizations is DISABLED');
    expect(fake.mutatingCalls()).toEqual([]);
  });
});

/** POSIX shell words of a line that quotes with single quotes and backslashes (what shellWord writes). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let inWord = false;
  let escaped = false;
  for (const ch of line) {
    if (escaped) {
      word += ch;
      escaped = false;
    } else if (ch === '\\' && !quoted) {
      escaped = true;
      inWord = true;
    } else if (ch === "'") {
      quoted = !quoted;
      inWord = true;
    } else if (ch === ' ' && !quoted) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** `ParameterKey=K,ParameterValue=V` as the AWS CLI's shorthand parser reads it: a plain value, or a double-quoted one with \ escapes. */
function shorthand(word: string): [string, string] {
  const m = /^ParameterKey=([A-Za-z0-9]+),ParameterValue=(?:"((?:\\\\|\\"|[^"])*)"|([^,"'=\s]+))$/.exec(word);
  expect([word, m]).toEqual([word, expect.anything()]);
  return [m![1], m![2] !== undefined ? m![2].replace(/\\(["\\])/g, '$1') : m![3]];
}

test("an organization where deploy's pipeline would exceed CodePipeline's 500 actions per pipeline: plan refuses, params still gives dist/'s values", async () => {
  fake = standardOrg({ accounts: 600 }).install();
  const config = testConfig();
  const file = configFile(config);
  const plan = await cli(['plan', '--config', file]);
  expect(plan.code).toBe(2);
  expect(plan.stderr).toContain(
    'pipeline "app" needs 963 actions in 23 stages; CodePipeline allows 500 actions and 50 stages per pipeline. Stage "NonProd" deploys to 240 accounts (2 actions each); beside the rest of the pipeline 8 accounts fit.',
  );
  const r = await params(config);
  expect(requiredValues(config, r).filter(([, , v]) => v === undefined)).toEqual([]);
  expect(fake.mutatingCalls()).toEqual([]);
  const nonprod = fake.accountsUnder(fake.ou('Root/Workloads/NonProd'));
  expect(r.templates.find((t) => t.name === 'xacct-pipeline')!.notes[0]).toBe(
    `AppNonProdAccountId: target nonprod has 240 accounts (${nonprod.slice(0, 10).join(', ')} and 230 more); dist/'s pipeline deploys stage NonProd to one, the first is given (xacct deploy deploys to each)`,
  );
});

describe('the CLI', () => {
  test('text: one line of arguments per stack and StackSet that reads back as the values; JSON: the same values', async () => {
    fake = standardOrg({ accounts: 10 }).install();
    const config = testConfig();
    expect((await deploy(config)).error).toBeUndefined();
    fake.resetCalls();
    const file = configFile(config);
    const text = await cli(['params', '--config', file]);
    const json = await cli(['params', '--config', file, '--output', 'json']);
    expect([text.code, json.code]).toEqual([0, 0]);
    expect(fake.mutatingCalls()).toEqual([]);
    const report = JSON.parse(json.stdout) as ParamsReport;
    const values = byName(report);

    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(`Parameter values for ${fake.organizationId}, CI account ${CI_ACCOUNT}, home region eu-west-1 (what xacct deploy sends)`);
    for (const t of report.templates) {
      const at = lines.findIndex((l) => l.startsWith(`${t.template}: `) && l.includes(` ${t.name}`));
      expect([t.name, at]).not.toEqual([t.name, -1]);
      const [flag, ...words] = shellWords(lines[at + 1].trim());
      const read = Object.fromEntries(words.map((w) => (t.kind === 'stack' ? (w.split(/=(.*)/s).slice(0, 2) as [string, string]) : shorthand(w))));
      expect([t.name, flag, read]).toEqual([t.name, t.kind === 'stack' ? '--parameter-overrides' : '--parameters', values.get(t.name)]);
      expect(t.arguments).toEqual([flag, ...words]);
    }
    // The placeholders of dist/README.md, each with its value (JSON: under placeholders).
    expect(text.stdout).toContain(`dist/README.md's placeholders:\n  <CiAccountId>         ${CI_ACCOUNT}\n`);
    expect(Object.fromEntries(report.placeholders.map((p) => [p.name, p.value]))).toMatchObject({
      CiAccountId: CI_ACCOUNT,
      OrganizationId: fake.organizationId,
      OuOf333333333333: fake.ou('Root/Infrastructure'),
    });
    // Where each value comes from, in the manifest's words.
    const kms = report.templates.find((t) => t.name === 'xacct-kms-key')!;
    expect(Object.fromEntries(kms.parameters.map((p) => [p.name, p.from]))).toEqual(
      Object.fromEntries(
        buildDist(config)
          .manifest.templates.find((m) => m.name === 'kms-key')!
          .parameters.map((p) => [p.name, p.resolvedBy]),
      ),
    );
    expect(kms.parameters.find((p) => p.name === 'OrganizationId')!.from).toBe('DescribeOrganization');
    expect(text.stdout).toMatch(
      /^kms-key: stack xacct-kms-key \(eu-west-1\), CI account\n {2}--parameter-overrides Prefix=xacct OrganizationId=o-abcdef1234 'TargetOrgPaths=o-abcdef1234\/r-ab12\/ou-[^,]+\/\*,o-abcdef1234\/r-ab12\/ou-[^,]+\/\*' SourceAccountIds=333333333333$/m,
    );
    expect(text.stdout).toMatch(
      /^cross-account-role: StackSet xacct-cross-account-role, every target account\n {2}--parameters ParameterKey=Prefix,ParameterValue=xacct ParameterKey=CiAccountId,ParameterValue=222222222222$/m,
    );
  });

  test('quoting: list values and quotes survive the shell and the shorthand parser', () => {
    for (const value of ['o-a/r-b/ou-c-d/*,o-a/r-b/ou-e-f/*', 'it\'s "quoted"', 'back\\slash, comma', 'plain-value_1.2:3@x']) {
      const [word] = shellWords(shellWord(`ParameterKey=K,ParameterValue=${shorthandValue(value)}`));
      expect(shorthand(word)).toEqual(['K', value]);
      expect(shellWords(shellWord(`K=${value}`))).toEqual([`K=${value}`]);
    }
  });
});

test("the README's example is what params prints (a new organization: nothing deployed yet)", async () => {
  fake = standardOrg({ accounts: 6 }).install();
  const config = testConfig();
  const s = stringIo('text');
  await runParams(config, { clients: installedFake().clients({ region: config.homeRegion }), io: s.io });
  const block = `$ xacct params --config xacct.yaml\n${s.out().trimEnd()}`;
  if (process.env.README_EXAMPLES) writeFileSync(process.env.README_EXAMPLES, `${block}\n`);
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  expect(readme.slice(readme.indexOf('### Parameter values: `xacct params`'))).toContain(`\`\`\`console\n${block}\n\`\`\``);
});

describe('--uploads: what a pipeline with stackset: stages reads from the templates bucket', () => {
  const stacksetConfig = () =>
    testConfig({
      pipelines: [
        {
          name: 'app',
          source: { codecommit: { repository: 'app', branch: 'main' } },
          stages: [{ name: 'Fleet', target: 'prod', stackset: { template: 'BuildOutput::fleet.yml' } }],
        },
      ],
    });

  test('writes the engine and the resolved config under the keys deploy uses, and the pipeline Parameters name them', async () => {
    fake = standardOrg({ accounts: 6 }).install();
    const config = stacksetConfig();
    const dir = mkdtempSync(join(tmpdir(), 'xacct-uploads-'));
    const r = await runParams(config, {
      clients: installedFake().clients({ region: config.homeRegion }),
      io: new MemoryIo(),
      engine: TEST_ENGINE,
      uploadsDir: join(dir, 'up'),
    });
    expect(r.uploads.map((u) => u.key)).toEqual([
      expect.stringMatching(/^xacct\/engine\/[0-9a-f]{16}\.js$/),
      expect.stringMatching(/^xacct\/config\/[0-9a-f]{16}\.json$/),
    ]);
    const [engine, resolved] = r.uploads;
    expect(readFileSync(join(dir, 'up', engine.key))).toEqual(TEST_ENGINE().body);
    expect(JSON.parse(readFileSync(join(dir, 'up', resolved.key), 'utf8')).targets.prod.ous).toEqual([fake.ou('Root/Workloads/Prod')]);
    const pipeline = r.templates.find((t) => t.template === 'pipeline')!;
    expect(Object.fromEntries(pipeline.parameters.filter((p) => p.name.startsWith('Rollout')).map((p) => [p.name, p.value]))).toEqual({
      RolloutEngineKey: engine.key,
      RolloutConfigKey: resolved.key,
    });
    // deploy puts the same objects under the same keys.
    expect((await deploy(config)).error).toBeUndefined();
    const bucket = fake.s3.buckets.get(`xacct-templates-${CI_ACCOUNT}-eu-west-1`)!;
    for (const u of r.uploads) expect(bucket.objects.has(u.key)).toBe(true);
    expect(bucket.objects.get(resolved.key)!.body).toBe(readFileSync(join(dir, 'up', resolved.key), 'utf8'));
  });

  test('a directory that cannot be written is bad input naming the flag (exit 2)', async () => {
    fake = standardOrg({ accounts: 6 }).install();
    const file = join(mkdtempSync(join(tmpdir(), 'xacct-uploads-')), 'a-file');
    writeFileSync(file, 'not a directory');
    const run = runParams(stacksetConfig(), {
      clients: installedFake().clients({ region: 'eu-west-1' }),
      io: new MemoryIo(),
      engine: TEST_ENGINE,
      uploadsDir: file,
    });
    await expect(run).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--uploads .*a-file: cannot write xacct\/engine\//) });
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('the command line offers the flag and passes it on', async () => {
    const help = await cli(['params', '--help']);
    expect(help.stdout).toMatch(/--uploads\s+also write what the pipeline reads from the templates bucket/);
    fake = standardOrg({ accounts: 6 }).install();
    const file = join(mkdtempSync(join(tmpdir(), 'xacct-uploads-')), 'a-file');
    writeFileSync(file, 'x');
    // From the TypeScript sources there is no engine bundle beside the rollout module: exit 2 before anything is written.
    const r = await cli(['params', '--config', configFile(stacksetConfig()), '--uploads', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/engine bundle .*xacct-engine\.js is missing/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});
