import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../deploy/cli';
import { ConfigError, configJsonSchema, defaultConfig, parseConfig } from '../../templates-src/config';
import { maxPrefixLength } from '../../templates-src/names';

const base = { targets: { prod: { ous: ['Root/Prod'] } } };
const problems = (input: unknown) => {
  try {
    parseConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
};

describe('config validation names the bad field', () => {
  test('the embedded default is valid and is the three-account baseline', () => {
    const c = defaultConfig();
    expect(Object.keys(c.targets)).toEqual(['nonprod', 'prod']);
    expect(c.pipelines[0].stages.map((s) => s.approval ?? false)).toEqual([false, true]);
  });

  test('unknown keys, at any depth', () => {
    expect(problems({ ...base, colour: 'blue' })).toEqual([
      'colour: unknown key (known here: prefix, homeRegion, targets, pipelines, stackNamePatterns, cloudformationRole, automationRole, ecr, codeartifact, github, artifacts, rollout)',
    ]);
    expect(problems({ targets: { prod: { ous: ['Root/Prod'], units: [] } } })).toEqual([
      'targets.prod.units: unknown key (known here: ous, accounts, regions)',
    ]);
    expect(problems({ ...base, homeregion: 'eu-west-1' })).toEqual(['homeregion: unknown key; did you mean "homeRegion"?']);
  });

  test('wrong types', () => {
    expect(problems({ ...base, automationRole: 'yes' })).toEqual([
      'automationRole: expected true or false, got the text "yes" (YAML 1.2 reads yes as text: write true or false)',
    ]);
    expect(problems({ targets: { prod: { ous: 'Root/Prod' } } })).toEqual(['targets.prod.ous: expected a list, got the text "Root/Prod"']);
  });

  test('account IDs that are not 12 digits', () => {
    const cfg = {
      ...base,
      pipelines: [
        {
          name: 'app',
          source: { codecommit: { repository: 'app', account: '12345' } },
          stages: [{ name: 'P', target: 'prod', cloudformation: { stackName: 's', template: 'B::t.yml' } }],
        },
      ],
    };
    expect(problems(cfg)).toEqual(['pipelines[0].source.codecommit.account: expected a 12-digit AWS account ID']);
  });

  test('prefixes that cannot form role and bucket names', () => {
    expect(problems({ ...base, prefix: 'Xacct' })[0]).toMatch(/^prefix: "Xacct" must start with a lowercase letter/);
    expect(problems({ ...base, prefix: 'a_b' })[0]).toMatch(/^prefix: /);
    expect(problems({ ...base, prefix: 'abc-' })[0]).toMatch(/^prefix: "abc-" may not end with a hyphen/);
    const long = 'a'.repeat(maxPrefixLength() + 1);
    expect(problems({ ...base, prefix: long })[0]).toMatch(new RegExp(`^prefix: .*at most ${maxPrefixLength()} fit S3's 63-character`));
    expect(problems({ ...base, prefix: 'a'.repeat(maxPrefixLength()) })).toEqual([]);
  });

  test('malformed OU paths and IDs', () => {
    const ous = (o: string) => problems({ targets: { prod: { ous: [o] } } });
    expect(ous('Root/Prod ')).toEqual(['targets.prod.ous[0]: "Root/Prod " has trailing space']);
    expect(ous('Workloads/Prod')[0]).toMatch(/^targets\.prod\.ous\[0\]: "Workloads\/Prod" is neither an OU path/);
    expect(ous('Root//Prod')[0]).toMatch(/is neither an OU path/);
    expect(ous('ou-12')[0]).toMatch(/"ou-12" is not a valid OU or root ID/);
    expect(ous('ou-ab12-11111111')).toEqual([]);
    expect(ous('r-ab12')).toEqual([]);
  });

  test('duplicate target names', () => {
    expect(problems({ targets: { prod: { ous: ['Root/A'] }, Prod: { ous: ['Root/B'] } } })).toEqual([
      'targets.Prod: duplicate target name: "Prod" and "prod" differ only in case',
    ]);
  });

  test('stages naming unknown targets', () => {
    const cfg = {
      ...base,
      pipelines: [
        {
          name: 'app',
          source: { s3: { bucket: 'src-bucket', key: 'src.zip' } },
          stages: [{ name: 'X', target: 'qa', cloudformation: { stackName: 's', template: 'B::t.yml' } }],
        },
      ],
    };
    expect(problems(cfg)).toEqual(['pipelines[0].stages[0].target: unknown target "qa"; defined targets: prod']);
  });

  test('container and package stores: names and role patterns', () => {
    expect(problems({ ...base, ecr: { repositories: ['API', 'ok'], encryption: 'DSSE', pullRoles: ['a b'] } })).toEqual([
      'ecr.repositories[0]: expected a lowercase name (letters, digits, hyphens; up to 63)',
      'ecr.encryption: the text "DSSE" is not one of KMS, AES256',
      'ecr.pullRoles[0]: expected an IAM role name, * as a wildcard',
    ]);
    expect(problems({ ...base, ecr: { repositories: [] } })).toEqual(['ecr.repositories: must not be empty: expected at least 1 item']);
    expect(problems({ ...base, codeartifact: { repository: 'x', readRoles: [] } })).toEqual([
      'codeartifact.repository: expected a CodeArtifact repository name (2-100 letters, digits, . _ -)',
      'codeartifact.readRoles: must not be empty: expected at least 1 item',
    ]);
    const ok = parseConfig({ ...base, ecr: { repositories: ['api'] }, codeartifact: {} });
    expect(ok.ecr).toEqual({ repositories: ['api'], encryption: 'KMS', untaggedImageDays: 14, keepImages: 100 });
    expect(ok.codeartifact).toEqual({ repository: 'shared' });
  });

  test('GitHub roles: repository, branch, policy ARNs, session length, a plan policy without a plan role', () => {
    expect(
      problems({ ...base, github: { repository: 'infra', branch: 'refs/heads/main', deployPolicyArns: ['AdministratorAccess'], maxSessionSeconds: 60 } }),
    ).toEqual([
      'github.repository: expected owner/repository as on GitHub',
      'github.branch: expected a branch name without refs/heads/ (no spaces, wildcards, : or ..)',
      'github.deployPolicyArns[0]: expected an IAM managed policy ARN',
      'github.maxSessionSeconds: expected 3600 or more, got 60',
    ]);
    expect(problems({ ...base, github: { repository: 'o/r', planRole: false, planPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] } })).toEqual([
      'github.planPolicyArns: given without a plan role: planRole is false',
    ]);
    expect(parseConfig({ ...base, github: { repository: 'octo-org/infra' } }).github).toEqual({
      repository: 'octo-org/infra',
      branch: 'main',
      planRole: true,
      createProvider: true,
      maxSessionSeconds: 3600,
    });
  });

  test('every problem is listed, not just the first', () => {
    expect(problems({ prefix: 'BAD', targets: { prod: { ous: ['x '] } }, extra: 1 })).toHaveLength(3);
  });

  test('the JSON Schema describes the top-level keys', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['prefix', 'homeRegion', 'targets', 'pipelines', 'rollout']));
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('xacct build with a bad config exits 2 and prints no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-cfg-'));
  const run = async (text: string) => {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(file, text);
    const chunks: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (chunks.push(String(s)), true));
    try {
      const code = await main(['build', '--config', file, '--out', join(dir, 'out')]);
      return { code, err: chunks.join('') };
    } finally {
      spy.mockRestore();
    }
  };

  test('bad fields', async () => {
    const { code, err } = await run('prefix: Bad\ntargets:\n  prod: { ous: ["Root/Prod "] }\n');
    expect(code).toBe(2);
    expect(err).toContain('prefix: "Bad" must start with a lowercase letter');
    expect(err).toContain('targets.prod.ous[0]: "Root/Prod " has trailing space');
    expect(err).not.toMatch(/\n\s+at /);
  });

  test('YAML syntax error names the line', async () => {
    const { code, err } = await run('targets:\n  prod: { ous: [Root/Prod\n');
    expect(code).toBe(2);
    expect(err).toMatch(/line \d+, column \d+/);
  });

  test('missing file', async () => {
    const code = await main(['build', '--config', join(dir, 'nope.yml'), '--out', join(dir, 'o')]).catch(() => -1);
    expect(code).toBe(2);
  });
});
