/**
 * The container and package stores of the stores config: what each ECR repository and the
 * CodeArtifact domain and repository are made of, where they land, and what they publish. Who may
 * read them is proven in test/lint/access-paths-registries.test.ts.
 */
import { synth } from '../../templates-src/cfn';
import { parseConfig } from '../../templates-src/config';
import { ecrRepositories, lifecyclePolicy } from '../../templates-src/central/ecr';
import { built, fixtureConfig, resourcesOfType, statementsIn, template } from '../support/build';
import type { Json } from '../support/json';

const ecr = template('stores', 'ecr');
const ca = template('stores', 'codeartifact');
const repo = (id: string) => ecr.Resources[id].Properties as Record<string, Json>;

describe('ECR repositories', () => {
  test('one per configured name, <prefix>/<name>, kept when the stack goes', () => {
    expect(resourcesOfType(ecr, 'AWS::ECR::Repository').map(([id, r]) => [id, (r.Properties as Json).RepositoryName, r.DeletionPolicy])).toEqual([
      ['RepositoryApi', { 'Fn::Sub': '${Prefix}/api' }, 'Retain'],
      ['RepositoryWorker', { 'Fn::Sub': '${Prefix}/worker' }, 'Retain'],
    ]);
  });

  test('immutable tags, scan on push, the artifact key', () => {
    expect(repo('RepositoryApi')).toMatchObject({
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::ImportValue': { 'Fn::Sub': '${Prefix}-artifact-key-arn' } } },
    });
  });

  test('AES256 when asked: no key', () => {
    const config = parseConfig({ ...JSON.parse(JSON.stringify(fixtureConfig('stores'))), ecr: { repositories: ['api'], encryption: 'AES256' } });
    expect(synth(ecrRepositories(config)).Resources.RepositoryApi.Properties!.EncryptionConfiguration).toEqual({ EncryptionType: 'AES256' });
  });

  test('lifecycle: untagged images expire first, then all but the newest; the rule for any tag status comes last', () => {
    const rules = JSON.parse(repo('RepositoryApi').LifecyclePolicy.LifecyclePolicyText).rules;
    expect(rules.map((r: Json) => [r.rulePriority, r.selection.tagStatus, r.selection.countType, r.selection.countNumber])).toEqual([
      [1, 'untagged', 'sinceImagePushed', 14],
      [2, 'any', 'imageCountMoreThan', 100],
    ]);
    expect(JSON.parse(lifecyclePolicy(3, 7)).rules.map((r: Json) => r.selection.countNumber)).toEqual([3, 7]);
  });

  test('the repository policy lets principals of the target OUs pull, and nothing else', () => {
    const [s] = statementsIn(repo('RepositoryApi').RepositoryPolicyText);
    expect(s).toEqual({
      Sid: 'TargetAccountsPull',
      Effect: 'Allow',
      Principal: '*',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': { Ref: 'TargetOrgPaths' } },
      },
    });
  });

  test('each URI published: export and SSM parameter', () => {
    expect(ecr.Outputs!.RepositoryWorkerUri).toEqual({
      Description: 'URI of the worker repository',
      Value: { 'Fn::GetAtt': ['RepositoryWorker', 'RepositoryUri'] },
      Export: { Name: { 'Fn::Sub': '${Prefix}-ecr-worker-uri' } },
    });
    expect((ecr.Resources.RepositoryWorkerUriParameter.Properties as Json).Name).toEqual({ 'Fn::Sub': '/${Prefix}/ecr/worker/uri' });
  });
});

describe('CodeArtifact domain and repository', () => {
  test('the domain <prefix>-packages with the artifact key, the repository in it; both kept', () => {
    const domain = ca.Resources.PackageDomain;
    expect(domain.Properties).toMatchObject({
      DomainName: { 'Fn::Sub': '${Prefix}-packages' },
      EncryptionKey: { 'Fn::ImportValue': { 'Fn::Sub': '${Prefix}-artifact-key-arn' } },
    });
    expect(ca.Resources.PackageRepository.Properties).toMatchObject({ DomainName: { 'Fn::GetAtt': ['PackageDomain', 'Name'] }, RepositoryName: 'shared' });
    expect([domain.DeletionPolicy, ca.Resources.PackageRepository.DeletionPolicy]).toEqual(['Retain', 'Retain']);
  });

  test('the domain hands tokens and the repository reads to the target OUs only', () => {
    expect(
      statementsIn(ca.Resources.PackageDomain.Properties!.PermissionsPolicyDocument).map((s) => [s.Action, s.Condition['ForAnyValue:StringLike']]),
    ).toEqual([['codeartifact:GetAuthorizationToken', { 'aws:PrincipalOrgPaths': { Ref: 'TargetOrgPaths' } }]]);
    expect(statementsIn(ca.Resources.PackageRepository.Properties!.PermissionsPolicyDocument).map((s) => s.Action)).toEqual([
      ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'],
    ]);
  });

  test('domain, owner and repository published as exports; domain and repository as SSM parameters', () => {
    expect(Object.values(ca.Outputs!).flatMap((o) => (o.Export ? [(o.Export.Name as Json)['Fn::Sub']] : []))).toEqual([
      '${Prefix}-codeartifact-domain',
      '${Prefix}-codeartifact-domain-owner',
      '${Prefix}-codeartifact-repository',
    ]);
    expect(resourcesOfType(ca, 'AWS::SSM::Parameter').map(([, r]) => (r.Properties as Json).Name['Fn::Sub'])).toEqual([
      '/${Prefix}/codeartifact/domain',
      '/${Prefix}/codeartifact/repository',
    ]);
  });
});

test('the stores are in the manifest as CI-account stacks after the key, and only when configured', () => {
  const m = built('stores').manifest.templates;
  const order = (name: string) => m.find((t) => t.name === name)!.order;
  expect(m.filter((t) => ['ecr', 'codeartifact'].includes(t.name)).map((t) => [t.name, t.deploysTo, t.deployAs, t.deployed])).toEqual([
    ['codeartifact', 'CI account', 'xacct-codeartifact', true],
    ['ecr', 'CI account', 'xacct-ecr', true],
  ]);
  expect(order('ecr')).toBeGreaterThan(order('kms-key'));
  expect(built('default').manifest.templates.some((t) => t.name === 'ecr' || t.name === 'codeartifact')).toBe(false);
});
