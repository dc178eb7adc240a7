/**
 * The external linters behind `xacct lint`: cfn-guard's Control Tower rules with written
 * suppressions, and the cfn-lint wrapper whose npm fallback may waive only what the current
 * schema proves valid.
 */
import { join } from 'node:path';
import { formatFinding, JsonObject } from '../../templates-src/checks/types';
import { parseNpmOutput, parsePythonOutput, runCfnLint } from '../../deploy/lint/cfn-lint';
import { waiverReason } from '../../deploy/lint/cfn-lint-waivers';
import { runGuard } from '../../deploy/lint/cfn-guard';
import { findTemplates, readTemplate } from '../../deploy/lint/files';
import { loadSpec } from '../../deploy/lint/spec';
import { applySuppressions, loadSuppressions, parseSuppressions } from '../../deploy/lint/suppressions';
import { BROKEN, ROOT } from './support';

jest.setTimeout(60_000);

const broken = (name: string) => readTemplate(BROKEN, join(BROKEN, `${name}.template.json`));
const dist = () => findTemplates(join(ROOT, 'dist'), false);

describe('cfn-guard (AWS Control Tower proactive controls)', () => {
  test('Noncompliance: an unencrypted bucket is rejected, naming template, resource and rule', async () => {
    const findings = await runGuard([broken('unencrypted-bucket')]);
    const hit = findings.find((f) => f.rule === 'cfn-guard:s3_bucket_default_encryption_kms_check');
    expect(hit).toBeDefined();
    expect(formatFinding(hit!)).toMatch(/^unencrypted-bucket: Bucket: \[cfn-guard:s3_bucket_default_encryption_kms_check\] \[CT\.S3\.PR\.10\]/);
  });

  test('Compliance: dist/ has no failure beyond the written suppressions', async () => {
    const { failing, suppressed } = applySuppressions(await runGuard(dist()), loadSuppressions(join(ROOT, '.lint-suppressions.yaml')));
    expect(failing.map(formatFinding)).toEqual([]);
    expect(suppressed.length).toBeGreaterThan(0);
  });

  test('a suppression covers only the resources it names', async () => {
    const suppressions = loadSuppressions(join(ROOT, '.lint-suppressions.yaml'));
    const finding = { template: 'x', resource: 'SomeOtherBucket', rule: 'cfn-guard:s3_bucket_logging_enabled_check', message: '' };
    expect(applySuppressions([finding], suppressions).failing).toEqual([finding]);
  });

  test('every suppression needs a rule, resources and a written reason', () => {
    expect(() => parseSuppressions('suppressions:\n  - { rule: r, resources: [A] }\n')).toThrow(/suppressions\[0\]: needs a written reason/);
    expect(() => parseSuppressions('suppressions:\n  - { rule: r, reason: a reason long enough to read }\n')).toThrow(/needs the logical IDs/);
    for (const s of loadSuppressions(join(ROOT, '.lint-suppressions.yaml'))) expect(s.reason.length).toBeGreaterThan(80);
  });
});

describe('cfn-lint wrapper', () => {
  const spec = loadSpec();

  test('waives an npm finding only when the current schema defines the property there', () => {
    const t = dist().find((x) => x.name === 'cross-account-role')!;
    const path = 'Resources > CrossAccountRole > Properties > Tags';
    expect(waiverReason(spec, t.template, path, 'Tags is not a valid property of AWS::IAM::Role')).toMatch(/defines AWS::IAM::Role Properties\.Tags/);
    const b = broken('misspelled-property');
    expect(
      waiverReason(spec, b.template, 'Resources > Key > Properties > EnableKeyRotaton', 'EnableKeyRotaton is not a valid property of AWS::KMS::Key'),
    ).toBeUndefined();
    expect(waiverReason(spec, t.template, path, 'Value of Tags must be a list')).toBeUndefined();
  });

  test('waives an unknown attribute only for an Fn::GetAtt of that type, which the current schema gives it', () => {
    const ecr = {
      Resources: { Repo: { Type: 'AWS::ECR::Repository' }, Topic: { Type: 'AWS::SNS::Topic' } },
      Outputs: {
        Uri: { Value: { 'Fn::GetAtt': ['Repo', 'RepositoryUri'] } },
        Other: { Value: { 'Fn::GetAtt': ['Repo', 'RepositoryUrl'] } },
        T: { Value: { 'Fn::GetAtt': ['Topic', 'RepositoryUri'] } },
      },
    } as unknown as JsonObject;
    expect(waiverReason(spec, ecr, 'Outputs > Uri > Value', 'No such attribute RepositoryUri on AWS::ECR::Repository')).toMatch(
      /gives AWS::ECR::Repository the attribute RepositoryUri/,
    );
    expect(waiverReason(spec, ecr, 'Outputs > Other > Value', 'No such attribute RepositoryUrl on AWS::ECR::Repository')).toBeUndefined();
    expect(waiverReason(spec, ecr, 'Outputs > T > Value', 'No such attribute RepositoryUri on AWS::ECR::Repository')).toBeUndefined();
  });

  test('reads the npm text output and the Python JSON output', () => {
    const text =
      '\x1b[90m0 infos\x1b[39m\n0 warn\n1 crit\nResource: \x1b[31mResources > A > Properties > B\x1b[39m\nMessage: B is not a valid property of AWS::X::Y\nDocumentation: d\n';
    expect(parseNpmOutput(text)).toEqual([{ level: 'crit', resource: 'Resources > A > Properties > B', message: 'B is not a valid property of AWS::X::Y' }]);
    const t = broken('bad-depends-on');
    const json = JSON.stringify([
      { Filename: t.file, Level: 'Error', Message: 'm', Location: { Path: ['Resources', 'Topic', 'DependsOn'] }, Rule: { Id: 'E3005' } },
      { Filename: t.file, Level: 'Informational', Message: 'i', Location: { Path: ['Resources', 'Topic'] }, Rule: { Id: 'I1' } },
    ]);
    expect(parsePythonOutput(json, new Map([[t.file, t]]))).toEqual([{ template: 'bad-depends-on', resource: 'Topic', rule: 'cfn-lint:E3005', message: 'm' }]);
  });

  test('npm flavour: dist/ passes with every 2019-spec finding waived and listed', async () => {
    const r = await runCfnLint(dist(), spec, 'npm');
    expect(r.findings.map(formatFinding)).toEqual([]);
    expect(r.waivers.map((w) => w.finding.message)).toContainEqual(expect.stringMatching(/Tags is not a valid property of AWS::IAM::Role/));
  });

  test('npm flavour: a misspelled property is not waived', async () => {
    const r = await runCfnLint([broken('misspelled-property')], spec, 'npm');
    expect(r.findings.map(formatFinding)).toContainEqual(
      expect.stringMatching(/^misspelled-property: Key: \[cfn-lint:npm-crit\] .*EnableKeyRotaton is not a valid property/),
    );
  });
});
