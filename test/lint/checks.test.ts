/**
 * Each template check rejects its broken fixture with a message naming template, resource and
 * rule, and passes every committed template (dist/ and the expected fixtures).
 */
import { readdirSync } from 'node:fs';
import { checks, formatFinding, runChecks } from '../../templates-src/checks';
import { iamNoWildcardAllow } from '../../templates-src/checks/iam-no-wildcard-allow';
import type { Check, TemplateUnderCheck } from '../../templates-src/checks/types';
import { BROKEN, brokenFixture, contextFor, goodTemplateSets, largestConfig, templatesFor } from './support';

/** rule -> broken fixture, and what each rejection must say: [resource, message pattern]. */
const NONCOMPLIANT: Record<string, { fixture: string; expect: Array<[string, RegExp]> }> = {
  'resource-schema': {
    fixture: 'misspelled-property',
    expect: [
      ['Key', /Properties\.EnableKeyRotaton: unknown property 'EnableKeyRotaton'/],
      ['Key', /Properties\.KeySpec: "SYMMETRIC_DEFAULTS" is not one of SYMMETRIC_DEFAULT/],
      ['KeyAlias', /missing required property 'TargetKeyId'/],
    ],
  },
  'getatt-targets': { fixture: 'bad-getatt', expect: [['Outputs.RoleArn', /Role\.Arnn: AWS::IAM::Role has no attribute 'Arnn'/]] },
  'ref-targets': { fixture: 'missing-ref-target', expect: [['Topic', /Ref "TopicName" names no parameter, resource or pseudo parameter/]] },
  'sub-variables': { fixture: 'bad-sub-variable', expect: [['Topic', /\$\{Prefix\}: 'Prefix' is not defined/]] },
  'condition-names': { fixture: 'undefined-condition', expect: [['Topic', /condition "IsProd" is not defined/]] },
  'depends-on-targets': { fixture: 'bad-depends-on', expect: [['Topic', /DependsOn "Queue" is not a resource/]] },
  'unique-exports': { fixture: 'duplicate-export', expect: [['Outputs.TopicArnAgain', /also exported by duplicate-export Outputs\.TopicArn$/]] },
  'iam-actions-exist': {
    fixture: 'unknown-action',
    expect: [
      ['Role', /'s3:GetObjekt' matches no s3 action/],
      ['Role', /service prefix 'codepipline' does not exist/],
    ],
  },
  'iam-no-wildcard-allow': { fixture: 'wildcard-action', expect: [['Role', /Policies\[0\]\.PolicyDocument statement 0: Allow of wildcard action '\*'/]] },
  'iam-no-open-principal': {
    fixture: 'outsider-allowed',
    expect: [['BucketPolicy', /Allow to Principal "\*" without an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition/]],
  },
  'iam-policy-size': {
    fixture: 'oversize-trust-policy',
    expect: [['Role', /trust policy Properties\.AssumeRolePolicyDocument reach \d+ characters .* the limit is 2048/]],
  },
  'codepipeline-limits': {
    fixture: 'codepipeline-limits',
    expect: [
      ['Pipeline', /stage "Empty" has 0 actions; CodePipeline allows 1 to 50 per stage/],
      ['Pipeline', /action "Deploy\/Deploy": ParameterOverrides is \d+ bytes; CodePipeline stores at most 1024/],
      ['Pipeline', /action "Deploy\/Deploy": output artifact "Out" is produced twice/],
    ],
  },
};

async function run(check: Check, templates: TemplateUnderCheck[]) {
  return runChecks(templates, await contextFor(templates), [check]);
}

describe.each(checks.map((c) => [c.rule, c] as const))('%s', (rule, check) => {
  const spec = NONCOMPLIANT[rule];

  test('has a broken fixture', () => {
    expect(spec).toBeDefined();
    expect(brokenFixture(spec.fixture).expectRules).toContain(rule);
  });

  test('Noncompliance: rejects its broken fixture, naming template, resource and rule', async () => {
    const findings = await run(check, [brokenFixture(spec.fixture)]);
    for (const [resource, message] of spec.expect) {
      const hit = findings.find((f) => f.resource === resource && message.test(f.message));
      expect(hit).toBeDefined();
      expect(formatFinding(hit!)).toMatch(new RegExp(`^${spec.fixture}: ${resource.replace('.', '\\.')}: \\[${rule}\\] `));
    }
  });

  test.each(goodTemplateSets())('Compliance: passes %s', async (_, templates) => {
    expect((await run(check, templates)).map(formatFinding)).toEqual([]);
  });
});

test('every broken fixture names the rules that reject it', () => {
  for (const file of readdirSync(BROKEN)) {
    expect(brokenFixture(file.replace('.template.json', '')).expectRules.length).toBeGreaterThan(0);
  }
});

test('the largest supported config passes every check', async () => {
  const templates = templatesFor(largestConfig());
  expect(templates.length).toBeGreaterThan(5);
  expect(runChecks(templates, await contextFor(templates)).map(formatFinding)).toEqual([]);
});

describe('iam-no-wildcard-allow treats permissions boundaries as ceilings', () => {
  const withPurpose = (purpose: string | undefined): TemplateUnderCheck => ({
    name: 'boundary',
    template: {
      Resources: {
        Boundary: {
          Type: 'AWS::IAM::ManagedPolicy',
          ...(purpose ? { Metadata: { 'xacct:purpose': purpose } } : {}),
          Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
        },
      },
    },
  });

  test('Compliance: Allow * in a policy marked as a permissions boundary', () => {
    expect(runChecks([withPurpose('permissions-boundary')], {}, [iamNoWildcardAllow])).toEqual([]);
  });

  test('Noncompliance 2: the same policy without the boundary purpose is a grant', () => {
    expect(runChecks([withPurpose(undefined)], {}, [iamNoWildcardAllow]).map((f) => f.resource)).toEqual(['Boundary']);
    expect(runChecks([withPurpose('something-else')], {}, [iamNoWildcardAllow]).map((f) => f.resource)).toEqual(['Boundary']);
  });
});
