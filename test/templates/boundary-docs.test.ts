/**
 * What README.md and dist/README.md say about the permissions boundary and service trust, checked
 * against the templates: the names app stacks are told to use are the ones the templates publish.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { names } from '../../templates-src/names';
import { renderReadme } from '../../templates-src/readme';
import { built, fixtureConfig, statementsIn, template } from '../support/build';

const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('the boundary names app stacks are told to use', () => {
  const t = template('default', 'cloudformation-role');
  const p = 'xacct';
  test('are the ones the cloudformation-role template publishes', () => {
    expect(t.Resources.PermissionsBoundary.Properties!.ManagedPolicyName).toEqual({ 'Fn::Sub': names.permissionsBoundary('${Prefix}') });
    expect(t.Outputs!.PermissionsBoundaryArn.Export!.Name).toEqual({ 'Fn::Sub': names.permissionsBoundaryExport('${Prefix}') });
    expect(t.Resources.PermissionsBoundaryArnParameter.Properties!.Name).toEqual({ 'Fn::Sub': names.permissionsBoundaryParameter('${Prefix}') });
  });
  test('README.md shows them, and SAM and CDK snippets naming the boundary policy', () => {
    for (const text of ['`<prefix>-cfn-boundary`', '`<prefix>-permissions-boundary-arn`', '`/<prefix>/permissions-boundary-arn`'])
      expect(readme).toContain(text);
    expect(readme).toContain(`PermissionsBoundary: !Sub arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${names.permissionsBoundary(p)}`);
    expect(readme).toContain('PermissionsBoundary.of(app).apply(');
    expect(readme).toContain(`:policy/${names.permissionsBoundary(p)}\``);
  });
  test('dist/README.md shows them for the config it was built from', () => {
    const config = fixtureConfig('two-ous');
    const text = renderReadme(config, built('two-ous').manifest);
    expect(text).toContain(`PermissionsBoundary: !Sub arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${names.permissionsBoundary(config.prefix)}`);
    expect(text).toContain(`\`${names.permissionsBoundaryExport(config.prefix)}\``);
    expect(text).toContain(`\`${names.permissionsBoundaryParameter(config.prefix)}\``);
    expect(readFileSync(join(ROOT, 'dist', 'README.md'), 'utf8')).toContain('## Roles that app stacks create');
  });
});

test('service trust: aws:SourceAccount only for CodeBuild and EventBridge, as README.md says', () => {
  const t = template('default', 'pipeline');
  const trust = Object.values(t.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Role')
    .flatMap((r) => statementsIn((r.Properties as Record<string, unknown>).AssumeRolePolicyDocument));
  const byService = Object.fromEntries(trust.map((s) => [s.Principal.Service, s.Condition]));
  expect(byService['codebuild.amazonaws.com'].StringEquals['aws:SourceAccount']).toEqual({ 'Fn::Sub': '${AWS::AccountId}' });
  expect(byService['events.amazonaws.com'].StringEquals['aws:SourceAccount']).toEqual({ 'Fn::Sub': '${AWS::AccountId}' });
  expect(byService['codepipeline.amazonaws.com']).toBeUndefined();
  expect(readme).toContain('CodeBuild ("Allow CodeBuild to interact with other AWS\nservices") and EventBridge rule targets');
});
