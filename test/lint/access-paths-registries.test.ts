/**
 * Access-path proofs for the container and package stores (test/fixtures/configs/stores.yml): a
 * role of a target account pulls images and reads packages from the CI account; principals outside
 * the target OUs or the organization cannot; nobody outside the CI account pushes or publishes; the
 * build role does. The readers' own identity policies are AWS's read-only managed policies for
 * ECR and CodeArtifact, as AWS publishes them: the proofs turn on the stores' resource policies.
 */
import { buildDist } from '../../templates-src/build';
import { Config, parseConfig } from '../../templates-src/config';
import { names } from '../../templates-src/names';
import type { JsonObject, TemplateUnderCheck } from '../../templates-src/checks/types';
import { configInput, fixtureConfig } from '../support/build';
import {
  awsManagedPolicy,
  CI,
  decide,
  deployedValues,
  organizationValues,
  ORG,
  OTHER_OU_ACCOUNT,
  OTHER_PATH,
  OUTSIDER,
  policyOf,
  roleAccess,
  roleId,
  TARGET,
  TARGET_PATH,
  templateOf,
  Values,
} from './access-support';

const KEY = `arn:aws:kms:eu-west-1:${CI}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;

function setting(config: Config) {
  const templates = buildDist(config).templates;
  const common: Values = {
    ...organizationValues(config.prefix, config.homeRegion, KEY),
    'getatt:PackageDomain.Name': names.codeartifactDomain(config.prefix),
  };
  const inCi = (t: TemplateUnderCheck, id: string) => policyOf(t, id, 'resource', deployedValues(t, CI, common))[0];
  return { config, templates, common, inCi, region: config.homeRegion, p: config.prefix };
}

const s = setting(fixtureConfig('stores'));
const ecr = templateOf(s.templates, 'ecr');
const codeartifact = templateOf(s.templates, 'codeartifact');
const repo = (name: string) => `arn:aws:ecr:${s.region}:${CI}:repository/${names.ecrRepository(s.p, name)}`;
const domain = `arn:aws:codeartifact:${s.region}:${CI}:domain/${names.codeartifactDomain(s.p)}`;
const packages = `arn:aws:codeartifact:${s.region}:${CI}:repository/${names.codeartifactDomain(s.p)}/shared`;
const role = (account: string, name = 'orders-task-execution') => `arn:aws:iam::${account}:role/${name}`;

const ecrReader = [awsManagedPolicy('arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly')];
const packageReader = [awsManagedPolicy('arn:aws:iam::aws:policy/AWSCodeArtifactReadOnlyAccess')];
// What a reader would need to also write: AWS's full-access policies, so only the stores' policies can refuse.
const ecrWriter = [awsManagedPolicy('arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess')];
const packageWriter = [awsManagedPolicy('arn:aws:iam::aws:policy/AWSCodeArtifactAdminAccess')];

function ask(principal: string, orgPath: string | undefined, action: string, resource: string, identity: JsonObject[], resourcePolicy: JsonObject) {
  return decide({ principal, orgPath, action, resource, resourceAccount: CI, identity, resourcePolicy });
}

describe('ECR repositories (stores config): target accounts pull, nobody else', () => {
  const policy = (name: string) => s.inCi(ecr, `Repository${name}`);
  test('the fixture configures two repositories, pulled by any role of the target accounts', () => {
    expect(s.config.ecr!.repositories).toEqual(['api', 'worker']);
    expect(s.config.ecr!.pullRoles).toBeUndefined();
  });
  test.each([
    ['Api', 'api'],
    ['Worker', 'worker'],
  ])('a role of a target account pulls from %s', async (id, name) => {
    for (const action of ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability']) {
      expect(await ask(role(TARGET), TARGET_PATH, action, repo(name), ecrReader, policy(id))).toBe('Allowed');
    }
  });
  test('an account of the organization outside the target OUs, and an outsider, may not pull', async () => {
    expect(await ask(role(OTHER_OU_ACCOUNT), OTHER_PATH, 'ecr:BatchGetImage', repo('api'), ecrReader, policy('Api'))).not.toBe('Allowed');
    expect(await ask(role(OUTSIDER), undefined, 'ecr:BatchGetImage', repo('api'), ecrReader, policy('Api'))).not.toBe('Allowed');
  });
  test('a target account may not push or delete, even with full ECR access of its own', async () => {
    for (const action of ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:BatchDeleteImage', 'ecr:SetRepositoryPolicy']) {
      expect(await ask(role(TARGET), TARGET_PATH, action, repo('api'), ecrWriter, policy('Api'))).not.toBe('Allowed');
    }
  });
  test('the build role of the CI account pushes (its own policy: the repository is in its account)', async () => {
    const pipeline = templateOf(s.templates, 'pipeline');
    const { identity } = roleAccess(pipeline, roleId(pipeline, names.buildRole('${Prefix}')), deployedValues(pipeline, CI, s.common));
    const build = `arn:aws:iam::${CI}:role/${names.buildRole(s.p)}`;
    for (const action of ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:BatchCheckLayerAvailability']) {
      expect(await decide({ principal: build, action, resource: repo('worker'), resourceAccount: CI, identity, resourcePolicy: policy('Worker') })).toBe(
        'Allowed',
      );
    }
    expect(await decide({ principal: build, action: 'ecr:GetAuthorizationToken', resource: '*', resourceAccount: CI, identity })).toBe('Allowed');
    expect(
      await decide({ principal: build, action: 'ecr:PutImage', resource: `arn:aws:ecr:${s.region}:${CI}:repository/other`, resourceAccount: CI, identity }),
    ).not.toBe('Allowed');
  });
});

describe('with pullRoles, only those role names of the target accounts pull', () => {
  const narrowed = setting({ ...s.config, ecr: { ...s.config.ecr!, pullRoles: ['orders-*'] } });
  const policy = narrowed.inCi(templateOf(narrowed.templates, 'ecr'), 'RepositoryApi');
  test('orders-task-execution pulls; another role of the same account may not', async () => {
    expect(await ask(role(TARGET), TARGET_PATH, 'ecr:BatchGetImage', repo('api'), ecrReader, policy)).toBe('Allowed');
    expect(await ask(role(TARGET, 'billing-task-execution'), TARGET_PATH, 'ecr:BatchGetImage', repo('api'), ecrReader, policy)).not.toBe('Allowed');
  });
});

describe('the CodeArtifact domain and repository (stores config): target accounts read, nobody else', () => {
  const domainPolicy = s.inCi(codeartifact, 'PackageDomain');
  const repositoryPolicy = s.inCi(codeartifact, 'PackageRepository');
  test('a role of a target account gets a token from the domain and reads the repository', async () => {
    expect(await ask(role(TARGET), TARGET_PATH, 'codeartifact:GetAuthorizationToken', domain, packageReader, domainPolicy)).toBe('Allowed');
    expect(await ask(role(TARGET), TARGET_PATH, 'codeartifact:GetRepositoryEndpoint', packages, packageReader, repositoryPolicy)).toBe('Allowed');
    expect(await ask(role(TARGET), TARGET_PATH, 'codeartifact:ReadFromRepository', packages, packageReader, repositoryPolicy)).toBe('Allowed');
  });
  test('an account outside the target OUs, and an outsider, get no token and read nothing', async () => {
    expect(await ask(role(OTHER_OU_ACCOUNT), OTHER_PATH, 'codeartifact:GetAuthorizationToken', domain, packageReader, domainPolicy)).not.toBe('Allowed');
    expect(await ask(role(OUTSIDER), undefined, 'codeartifact:GetAuthorizationToken', domain, packageReader, domainPolicy)).not.toBe('Allowed');
    expect(await ask(role(OUTSIDER), undefined, 'codeartifact:ReadFromRepository', packages, packageReader, repositoryPolicy)).not.toBe('Allowed');
  });
  test('a target account may not publish or change the repository, even as a CodeArtifact administrator of its own', async () => {
    const pkg = `${packages.replace(':repository/', ':package/')}/npm/acme/left-pad`;
    for (const action of ['codeartifact:PublishPackageVersion', 'codeartifact:PutPackageMetadata', 'codeartifact:DeletePackageVersions']) {
      expect(await ask(role(TARGET), TARGET_PATH, action, pkg, packageWriter, repositoryPolicy)).not.toBe('Allowed');
    }
    expect(await ask(role(TARGET), TARGET_PATH, 'codeartifact:PutRepositoryPermissionsPolicy', packages, packageWriter, repositoryPolicy)).not.toBe('Allowed');
    expect(await ask(role(TARGET), TARGET_PATH, 'codeartifact:PutDomainPermissionsPolicy', domain, packageWriter, domainPolicy)).not.toBe('Allowed');
  });
  test('the build role publishes', async () => {
    const pipeline = templateOf(s.templates, 'pipeline');
    const { identity } = roleAccess(pipeline, roleId(pipeline, names.buildRole('${Prefix}')), deployedValues(pipeline, CI, s.common));
    const build = `arn:aws:iam::${CI}:role/${names.buildRole(s.p)}`;
    const pkg = `${packages.replace(':repository/', ':package/')}/npm/acme/orders-client`;
    expect(await decide({ principal: build, action: 'codeartifact:PublishPackageVersion', resource: pkg, resourceAccount: CI, identity })).toBe('Allowed');
    expect(await decide({ principal: build, action: 'codeartifact:GetAuthorizationToken', resource: domain, resourceAccount: CI, identity })).toBe('Allowed');
    expect(
      await decide({
        principal: build,
        action: 'sts:GetServiceBearerToken',
        resource: '*',
        resourceAccount: CI,
        identity,
        context: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' },
      }),
    ).toBe('Allowed');
  });
});

describe('targets that name single accounts (the accounts config with both stores)', () => {
  // The accounts fixture's targets (nonprod: one account; prod: an OU and one more account) with the stores fixture's stores.
  const NAMED = ['555555555555', '666666666666'];
  const NAMED_PATH = `${ORG}/r-ab12/ou-ab12-55555555/`;
  const NEIGHBOUR = '777777777777';
  const config = parseConfig({ ...configInput('accounts'), ecr: { repositories: ['api'] }, codeartifact: { repository: 'shared' } }, 'accounts+stores');
  const n = setting(config);
  const values = (t: TemplateUnderCheck) => deployedValues(t, CI, { ...n.common, TargetAccountIds: NAMED });
  const ecrPolicy = policyOf(templateOf(n.templates, 'ecr'), 'RepositoryApi', 'resource', values(templateOf(n.templates, 'ecr')))[0];
  const ca = templateOf(n.templates, 'codeartifact');
  const domainPolicy = policyOf(ca, 'PackageDomain', 'resource', values(ca))[0];
  const repositoryPolicy = policyOf(ca, 'PackageRepository', 'resource', values(ca))[0];

  test.each(NAMED)('a role of named account %s pulls images and reads packages', async (account) => {
    expect(await ask(role(account), NAMED_PATH, 'ecr:BatchGetImage', repo('api'), ecrReader, ecrPolicy)).toBe('Allowed');
    expect(await ask(role(account), NAMED_PATH, 'codeartifact:GetAuthorizationToken', domain, packageReader, domainPolicy)).toBe('Allowed');
    expect(await ask(role(account), NAMED_PATH, 'codeartifact:ReadFromRepository', packages, packageReader, repositoryPolicy)).toBe('Allowed');
  });

  test('a neighbour in the named account’s OU, and the named account ID outside the organization, may not', async () => {
    expect(await ask(role(NEIGHBOUR), NAMED_PATH, 'ecr:BatchGetImage', repo('api'), ecrReader, ecrPolicy)).not.toBe('Allowed');
    expect(await ask(role(NEIGHBOUR), NAMED_PATH, 'codeartifact:ReadFromRepository', packages, packageReader, repositoryPolicy)).not.toBe('Allowed');
    expect(await ask(role(NAMED[0]), undefined, 'ecr:BatchGetImage', repo('api'), ecrReader, ecrPolicy)).not.toBe('Allowed');
  });

  test('the prod OU is still admitted by its path; a named account may not push', async () => {
    expect(await ask(role(TARGET), TARGET_PATH, 'ecr:BatchGetImage', repo('api'), ecrReader, ecrPolicy)).toBe('Allowed');
    expect(await ask(role(NAMED[0]), NAMED_PATH, 'ecr:PutImage', repo('api'), ecrWriter, ecrPolicy)).not.toBe('Allowed');
  });
});
