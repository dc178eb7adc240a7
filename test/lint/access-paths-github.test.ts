/**
 * Access-path proofs for the GitHub OIDC roles: the generated trust policies evaluated by
 * iam-simulate for AssumeRoleWithWebIdentity requests carrying the claims GitHub puts into a
 * workflow's token (`sub`, `aud`). Only the named repository's workflows on the named branch may
 * assume the deploy role; only its pull requests the plan role.
 */
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { synth } from '../../templates-src/cfn';
import { defaultConfig } from '../../templates-src/config';
import { githubOidcRole, GithubOidcRoleOptions, GITHUB_DEPLOY_ROLE, GITHUB_PLAN_ROLE } from '../../templates-src/central/github-oidc-role';
import { GITHUB_OIDC_HOST, githubOidcProviderArn, names } from '../../templates-src/names';
import { isObject, JsonObject, TemplateUnderCheck } from '../../templates-src/checks/types';
import { CI, OUTSIDER, policyOf, Values } from './access-support';

const OPTIONS: GithubOidcRoleOptions = {
  repository: 'octo-org/infra',
  branch: 'main',
  deployPolicyArns: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/xacct-deployer'],
  planPolicyArns: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/xacct-planner'],
};

const config = defaultConfig();
const template: TemplateUnderCheck = { name: 'github-oidc-role', template: synth(githubOidcRole(config, OPTIONS)) as unknown as JsonObject };
const params = isObject(template.template.Parameters) ? template.template.Parameters : {};
const defaults = Object.fromEntries(Object.entries(params).flatMap(([k, p]) => (isObject(p) && typeof p.Default === 'string' ? [[k, p.Default]] : [])));
const values: Values = { ...defaults, 'AWS::Partition': 'aws', 'AWS::AccountId': CI, 'AWS::Region': config.homeRegion };
const provider = githubOidcProviderArn('aws', CI);

interface Token {
  sub: string;
  aud?: string;
  /** The provider the token came through; GitHub's in this account unless said otherwise. */
  via?: string;
}

/**
 * AssumeRoleWithWebIdentity judged by the trust policy alone: web identities have no identity
 * policies. The unvalidated simulation, because `<provider>:sub` and `<provider>:aud` are keys
 * STS sets for every OIDC provider ("IAM and AWS STS condition context keys": available keys for
 * web identity federation), which the per-action key list iam-simulate validates against lacks;
 * it would drop them and deny every request. The trust policy is validated here instead, and named
 * (the unvalidated path reads the policy's name).
 */
function simulate(trust: JsonObject, roleName: string, token: Token): string {
  const validated = createValidatedPolicy(trust, validateTrustPolicy, { name: 'trust' });
  expect(validated.errors).toEqual([]);
  const simulation: Simulation = {
    request: {
      principal: token.via ?? provider,
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: { resource: `arn:aws:iam::${CI}:role/${roleName}`, accountId: CI },
      contextVariables: {
        [`${GITHUB_OIDC_HOST}:sub`]: token.sub,
        [`${GITHUB_OIDC_HOST}:aud`]: token.aud ?? 'sts.amazonaws.com',
        'aws:FederatedProvider': token.via ?? provider,
      },
    },
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: validated as unknown as JsonObject,
  };
  return runUnsafeSimulation(simulation, {});
}

async function assume(role: string, token: Token): Promise<string> {
  const roleName = role === GITHUB_DEPLOY_ROLE ? names.githubDeployRole(config.prefix) : names.githubPlanRole(config.prefix);
  return simulate(policyOf(template, role, 'trust', values)[0], roleName, token);
}

describe('the GitHub deploy role trusts only the named repository on the named branch', () => {
  test('a workflow of octo-org/infra on main may assume it', async () => {
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra:ref:refs/heads/main' })).toBe('Allowed');
  });
  test('another repository may not, nor a repository whose name only starts the same', async () => {
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/other:ref:refs/heads/main' })).not.toBe('Allowed');
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra-fork:ref:refs/heads/main' })).not.toBe('Allowed');
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:evil-org/infra:ref:refs/heads/main' })).not.toBe('Allowed');
  });
  test('another branch may not, nor a tag of the same name', async () => {
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra:ref:refs/heads/feature' })).not.toBe('Allowed');
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra:ref:refs/heads/main-old' })).not.toBe('Allowed');
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra:ref:refs/tags/main' })).not.toBe('Allowed');
  });
  test('a pull request may not, nor a job bound to an environment', async () => {
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra:pull_request' })).not.toBe('Allowed');
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra:environment:production' })).not.toBe('Allowed');
  });
  test('a token for another audience may not', async () => {
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra:ref:refs/heads/main', aud: 'https://github.com/octo-org' })).not.toBe('Allowed');
  });
  test('the same claims through another identity provider may not', async () => {
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra:ref:refs/heads/main', via: `arn:aws:iam::${CI}:oidc-provider/gitlab.com` })).not.toBe(
      'Allowed',
    );
    expect(await assume(GITHUB_DEPLOY_ROLE, { sub: 'repo:octo-org/infra:ref:refs/heads/main', via: githubOidcProviderArn('aws', OUTSIDER) })).not.toBe(
      'Allowed',
    );
  });
});

describe('the GitHub plan role trusts only pull requests of the named repository', () => {
  test('a pull request of octo-org/infra may assume it', async () => {
    expect(await assume(GITHUB_PLAN_ROLE, { sub: 'repo:octo-org/infra:pull_request' })).toBe('Allowed');
  });
  test('a pull request of another repository may not, nor a wrong audience', async () => {
    expect(await assume(GITHUB_PLAN_ROLE, { sub: 'repo:octo-org/other:pull_request' })).not.toBe('Allowed');
    expect(await assume(GITHUB_PLAN_ROLE, { sub: 'repo:octo-org/infra:pull_request', aud: 'sigstore' })).not.toBe('Allowed');
  });
});

describe('with immutable subject claims (owner and repository IDs in sub)', () => {
  const withIds = synth(githubOidcRole(config, { ...OPTIONS, immutableIds: { owner: 123456, repository: 456789 } }));
  const t: TemplateUnderCheck = { name: 'github-oidc-role', template: withIds as unknown as JsonObject };
  const trust = () =>
    policyOf(t, GITHUB_DEPLOY_ROLE, 'trust', { ...values, GithubRepository: String((withIds.Parameters?.GithubRepository as { Default: string }).Default) })[0];
  const role = names.githubDeployRole(config.prefix);
  test('the repository with those IDs may assume the deploy role on main', () => {
    expect(simulate(trust(), role, { sub: 'repo:octo-org@123456/infra@456789:ref:refs/heads/main' })).toBe('Allowed');
  });
  test('the same names with other IDs (a recycled name) may not, nor the name-only subject', () => {
    expect(simulate(trust(), role, { sub: 'repo:octo-org@999999/infra@456789:ref:refs/heads/main' })).not.toBe('Allowed');
    expect(simulate(trust(), role, { sub: 'repo:octo-org@123456/infra@111111:ref:refs/heads/main' })).not.toBe('Allowed');
    expect(simulate(trust(), role, { sub: 'repo:octo-org/infra:ref:refs/heads/main' })).not.toBe('Allowed');
  });
});

test('the proofs evaluate the policies the builder wrote: without the sub condition another repository would get in', () => {
  const trust = policyOf(template, GITHUB_DEPLOY_ROLE, 'trust', values)[0] as unknown as {
    Statement: Array<{ Condition: { StringEquals: Record<string, string> } }>;
  };
  expect(trust.Statement[0].Condition.StringEquals[`${GITHUB_OIDC_HOST}:sub`]).toBe('repo:octo-org/infra:ref:refs/heads/main');
  const evil = { sub: 'repo:evil-org/infra:ref:refs/heads/main' };
  expect(simulate(trust as unknown as JsonObject, names.githubDeployRole(config.prefix), evil)).toBe('ImplicitlyDenied');
  delete trust.Statement[0].Condition.StringEquals[`${GITHUB_OIDC_HOST}:sub`];
  expect(simulate(trust as unknown as JsonObject, names.githubDeployRole(config.prefix), evil)).toBe('Allowed');
});
