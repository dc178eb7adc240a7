/**
 * github-oidc-role: the options it refuses, what it creates with and without the provider and the
 * plan role, and `xacct lint` (own checks, cfn-guard, both cfn-lint flavours) over the template.
 * Who may assume the roles is proven in test/lint/access-paths-github.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synth } from '../../templates-src/cfn';
import { defaultConfig, defaultConfigInput, parseConfig } from '../../templates-src/config';
import { deployerPolicy, plannerPolicy } from '../../templates-src/deployer-policy';
import { enabledTemplates, registry } from '../../templates-src/index';
import { largestConfig } from '../lint/support';
import {
  githubOidcRole,
  GithubOidcRoleOptions,
  githubSubject,
  subjectRepository,
  GITHUB_DEPLOY_ROLE,
  GITHUB_OIDC_PROVIDER,
  GITHUB_PLAN_ROLE,
} from '../../templates-src/central/github-oidc-role';
import { runLint } from '../../deploy/lint/run';
import { waiverReason } from '../../deploy/lint/cfn-lint-waivers';
import { loadSpec } from '../../deploy/lint/spec';
import { formatFinding } from '../../templates-src/checks/types';
import type { JsonObject } from '../../templates-src/checks/types';
import type { Json } from '../support/json';

jest.setTimeout(120_000);

const config = defaultConfig();
const base: GithubOidcRoleOptions = {
  repository: 'octo-org/infra',
  branch: 'main',
  deployPolicyArns: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/xacct-deployer'],
};
const build = (o: Partial<GithubOidcRoleOptions> = {}) => synth(githubOidcRole(config, { ...base, ...o }));

describe('options', () => {
  test.each([
    [{ repository: 'infra' }, /repository: "infra" is not owner\/repo/],
    [{ repository: 'octo-org/*' }, /repository: "octo-org\/\*" is not owner\/repo/],
    [{ branch: 'release/*' }, /branch: "release\/\*" is not a branch name/],
    [{ branch: 'a b' }, /branch: "a b" is not a branch name/],
    [{ branch: 'refs/heads/main' }, /branch: give the branch name without refs\/heads\//],
    [{ deployPolicyArns: [] }, /deployPolicyArns: give at least one managed policy, or leave it out for the deployer policy/],
    [{ planRole: false, planPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }, /planPolicyArns: given without a plan role/],
    [{ planPolicyArns: [] }, /planPolicyArns: give at least one managed policy/],
    [{ immutableIds: { owner: 0, repository: 5 } }, /immutableIds: owner and repository are positive numeric IDs/],
    [{ maxSessionSeconds: 60 }, /maxSessionSeconds: 60 is outside IAM's 3600-43200 seconds/],
  ] as Array<[Partial<GithubOidcRoleOptions>, RegExp]>)('%j is refused', (o, message) => {
    expect(() => build(o)).toThrow(message);
  });

  test('branch names with slashes, dots and hyphens are accepted', () => {
    expect(() => build({ branch: 'release/v1.2-lts' })).not.toThrow();
  });
});

describe('what it creates', () => {
  test('by default: the provider for sts.amazonaws.com without thumbprints, and the deploy role after it', () => {
    const t = build();
    expect(Object.keys(t.Resources).sort()).toEqual([GITHUB_DEPLOY_ROLE, GITHUB_OIDC_PROVIDER].sort());
    expect(t.Resources[GITHUB_OIDC_PROVIDER].Properties).toEqual({
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
      Tags: expect.any(Array),
    });
    expect(t.Resources[GITHUB_DEPLOY_ROLE].DependsOn).toBe(GITHUB_OIDC_PROVIDER);
    expect(t.Parameters?.GithubRepository.Default).toBe('octo-org/infra');
    expect(t.Parameters?.GithubBranch.Default).toBe('main');
  });

  test('without the provider: the trust names the account provider by its fixed ARN, and nothing waits for it', () => {
    const t = build({ createProvider: false });
    expect(Object.keys(t.Resources)).toEqual([GITHUB_DEPLOY_ROLE]);
    expect(t.Resources[GITHUB_DEPLOY_ROLE].DependsOn).toBeUndefined();
    expect(JSON.stringify(t.Resources[GITHUB_DEPLOY_ROLE].Properties?.AssumeRolePolicyDocument)).toContain(
      ':oidc-provider/token.actions.githubusercontent.com',
    );
  });

  test('with planPolicyArns: a plan role for pull requests, with its own policies', () => {
    const t = build({ planPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
    expect(t.Resources[GITHUB_PLAN_ROLE].Properties?.ManagedPolicyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect(JSON.stringify(t.Resources[GITHUB_PLAN_ROLE].Properties?.AssumeRolePolicyDocument)).toContain('repo:${GithubRepository}:pull_request');
    expect(Object.keys(t.Outputs ?? {}).sort()).toEqual([`${GITHUB_DEPLOY_ROLE}Arn`, `${GITHUB_PLAN_ROLE}Arn`]);
  });

  test('subjects as GitHub writes them', () => {
    expect(githubSubject('o/r', { branch: 'main' })).toBe('repo:o/r:ref:refs/heads/main');
    expect(githubSubject('o/r', 'pull_request')).toBe('repo:o/r:pull_request');
    expect(subjectRepository({ repository: 'octocat/my-repo', immutableIds: { owner: 123456, repository: 456789 } })).toBe('octocat@123456/my-repo@456789');
    expect(build({ immutableIds: { owner: 1, repository: 2 } }).Parameters?.GithubRepository.Default).toBe('octo-org@1/infra@2');
  });
});

describe("without policy ARNs: xacct's own policies, inline", () => {
  const t = synth(githubOidcRole(config, { repository: 'octo-org/infra', branch: 'main', planRole: true }));
  const policyOf = (id: string) => (t.Resources[id].Properties as Json).Policies;

  test('the deploy role holds deployerPolicy(config) as <prefix>-deployer, the plan role plannerPolicy(config) as <prefix>-planner', () => {
    expect(policyOf(GITHUB_DEPLOY_ROLE)).toEqual([
      { PolicyName: { 'Fn::Sub': '${Prefix}-deployer' }, PolicyDocument: JSON.parse(JSON.stringify(deployerPolicy(config))) },
    ]);
    expect(policyOf(GITHUB_PLAN_ROLE)).toEqual([
      { PolicyName: { 'Fn::Sub': '${Prefix}-planner' }, PolicyDocument: JSON.parse(JSON.stringify(plannerPolicy(config))) },
    ]);
    expect(t.Resources[GITHUB_DEPLOY_ROLE].Properties!.ManagedPolicyArns).toBeUndefined();
  });

  test("inline, not managed: with every option on and a 25-character prefix the deployer policy is over a managed policy's 6,144 characters, within a role's 10,240", () => {
    // "IAM and AWS STS quotas": white space does not count.
    const size = JSON.stringify(deployerPolicy(largestConfig())).length;
    expect(size).toBeGreaterThan(6144);
    expect(size).toBeLessThanOrEqual(10240);
  });

  test('the planner policy only reads: every action Describe, Get or List, each of them one the deployer policy has', () => {
    const deployer = new Set(deployerPolicy(config).Statement.flatMap((s) => [s.Action ?? []].flat()));
    const planner = plannerPolicy(config).Statement.flatMap((s) => [s.Action ?? []].flat());
    expect(planner.length).toBeGreaterThan(10);
    for (const a of planner) {
      expect([a, /^[a-z0-9-]+:(Describe|Get|List)/.test(a)]).toEqual([a, true]);
      expect([a, deployer.has(a)]).toEqual([a, true]);
    }
  });

  test('from the config: github turns the template on, first of the central stacks; its options reach the template', () => {
    const withGithub = parseConfig({
      ...defaultConfigInput,
      github: { repository: 'octo-org/infra', planRole: false, createProvider: false, maxSessionSeconds: 7200 },
    });
    const entry = registry.find((e) => e.name === 'github-oidc-role')!;
    expect(entry.enabled(config)).toBe(false);
    expect(entry.enabled(withGithub)).toBe(true);
    expect(
      enabledTemplates(withGithub)
        .filter((e) => e.placement === 'central')
        .map((e) => e.name)[0],
    ).toBe('github-oidc-role');
    const built = synth(entry.build(withGithub));
    expect(Object.keys(built.Resources)).toEqual([GITHUB_DEPLOY_ROLE]);
    expect(built.Resources[GITHUB_DEPLOY_ROLE].Properties!.MaxSessionDuration).toBe(7200);
    expect(built.Parameters!.GithubBranch.Default).toBe('main');
  });
});

describe('xacct lint over the template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-github-oidc-'));
  writeFileSync(
    join(dir, 'github-oidc-role.template.json'),
    JSON.stringify(build({ planPolicyArns: ['arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess'] }), null, 2),
  );

  test.each(['auto', 'npm'] as const)('passes with cfn-lint %s', async (cfnLint) => {
    const r = await runLint({ dir, fixtures: false, cfnLint });
    expect(r.failures.map(formatFinding)).toEqual([]);
    expect(r.templates).toBe(1);
  });

  test("npm cfn-lint's unknown AWS::IAM::OIDCProvider is waived because the current schema defines the type, a made-up type is not", () => {
    const spec = loadSpec();
    const t = build() as unknown as JsonObject;
    const message = 'Resource GithubOidcProvider has an invalid Type of AWS::IAM::OIDCProvider.';
    expect(waiverReason(spec, t, 'Resources > GithubOidcProvider', message)).toMatch(/npm cfn-lint does not know AWS::IAM::OIDCProvider/);
    const madeUp = { Resources: { GithubOidcProvider: { Type: 'AWS::IAM::OIDCProviderX' } } } as unknown as JsonObject;
    expect(
      waiverReason(spec, madeUp, 'Resources > GithubOidcProvider', 'Resource GithubOidcProvider has an invalid Type of AWS::IAM::OIDCProviderX.'),
    ).toBeUndefined();
    expect(waiverReason(spec, t, 'Resources > GithubDeployRole', message)).toBeUndefined();
  });
});
