/**
 * github-oidc-role — lands in the CI account (an ordinary stack in the home region; IAM is global).
 * The roles GitHub Actions workflows assume with their OIDC token to run xacct, so no AWS keys are
 * stored in GitHub: `<prefix>-github-deploy` for workflows on one branch of one repository, and
 * optionally `<prefix>-github-plan` for pull requests of that repository. Optionally the account's
 * IAM OIDC provider for GitHub too (an account has at most one per issuer URL: leave it out when it
 * exists already).
 */
import _OidcProvider from 'cloudform-types/types/iam/oidcProvider';
import type { OIDCProviderProperties } from 'cloudform-types/types/iam/oidcProvider';
import { IAM, StringParameter, Template, Value } from '../cfn-types';
import { Config, GITHUB_BRANCH, GITHUB_REPOSITORY } from '../config';
import { deployerPolicy, plannerPolicy } from '../deployer-policy';
import { getAtt, parameters, sub, tags, ref, P } from '../cfn';
import { GITHUB_OIDC_HOST, githubOidcProviderArn, names } from '../names';

export const GITHUB_OIDC_PROVIDER = 'GithubOidcProvider';
export const GITHUB_DEPLOY_ROLE = 'GithubDeployRole';
export const GITHUB_PLAN_ROLE = 'GithubPlanRole';

/**
 * The audience `aws-actions/configure-aws-credentials` requests, and the provider's client ID
 * (GitHub Docs, "Configuring OpenID Connect in Amazon Web Services").
 */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

export interface GithubOidcRoleOptions {
  /** `owner/repo`, spelled as GitHub spells it: the `sub` claim is compared case-sensitively. */
  repository: string;
  /**
   * The owner's and the repository's numeric IDs, for repositories whose `sub` claim carries them
   * (created or renamed after 18 June 2026, or opted in): `repo:owner@ID/repo@ID:...` (GitHub Docs,
   * "OpenID Connect": immutable subject claims). Such a trust survives a rename and refuses a
   * recycled name.
   */
  immutableIds?: { owner: number; repository: number };
  /** The branch whose workflows may deploy (`main`). */
  branch: string;
  /**
   * Managed policies of `<prefix>-github-deploy`: what `xacct deploy` needs. `${AWS::Partition}`/`${AWS::AccountId}`
   * are substituted. Absent: `deployerPolicy(config)` inline, named `<prefix>-deployer`.
   */
  deployPolicyArns?: string[];
  /** Add `<prefix>-github-plan` for pull requests (`xacct plan`). Default: whether planPolicyArns are given. */
  planRole?: boolean;
  /** Managed policies of `<prefix>-github-plan`. Absent with planRole: `plannerPolicy(config)` inline, named `<prefix>-planner`. */
  planPolicyArns?: string[];
  /** Create the account's GitHub OIDC provider. Default true; false when the account has one already. */
  createProvider?: boolean;
  /** Longest session a workflow may request, 3600-43200 seconds. Default 3600. */
  maxSessionSeconds?: number;
}

/** cloudform's 2023 model requires ThumbprintList; IAM no longer does (AWS::IAM::OIDCProvider: "This property is optional"). */
type OidcProviderProperties = Omit<OIDCProviderProperties, 'ThumbprintList'> & { ThumbprintList?: OIDCProviderProperties['ThumbprintList'] };
class OidcProvider extends _OidcProvider {
  constructor(properties: OidcProviderProperties) {
    super(properties as OIDCProviderProperties);
  }
}

// The repository part of a subject: names, each optionally followed by @ and its immutable ID.
const SUBJECT_REPOSITORY = '^[A-Za-z0-9][A-Za-z0-9-]{0,38}(@[0-9]+)?/[A-Za-z0-9._-]{1,100}(@[0-9]+)?$';

function checkOptions(o: GithubOidcRoleOptions): void {
  const fail = (field: string, what: string): never => {
    throw new Error(`github-oidc-role: ${field}: ${what}`);
  };
  if (!GITHUB_REPOSITORY.test(o.repository)) fail('repository', `${JSON.stringify(o.repository)} is not owner/repo as on GitHub`);
  if (o.branch.startsWith('refs/')) fail('branch', `give the branch name without refs/heads/ (${JSON.stringify(o.branch)})`);
  if (!GITHUB_BRANCH.test(o.branch)) fail('branch', `${JSON.stringify(o.branch)} is not a branch name (no spaces, wildcards, ':' or '..')`);
  const ids = o.immutableIds;
  if (ids && ![ids.owner, ids.repository].every((n) => Number.isSafeInteger(n) && n > 0)) fail('immutableIds', 'owner and repository are positive numeric IDs');
  if (o.deployPolicyArns && o.deployPolicyArns.length === 0)
    fail('deployPolicyArns', 'give at least one managed policy, or leave it out for the deployer policy');
  if (o.planPolicyArns && o.planPolicyArns.length === 0) fail('planPolicyArns', 'give at least one managed policy, or leave it out for the planner policy');
  if (o.planRole === false && o.planPolicyArns) fail('planPolicyArns', 'given without a plan role (planRole is false)');
  const seconds = o.maxSessionSeconds ?? 3600;
  if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) fail('maxSessionSeconds', `${seconds} is outside IAM's 3600-43200 seconds`);
}

/** `owner/repo`, or `owner@ID/repo@ID` for immutable subject claims: the repository as the `sub` claim names it. */
export function subjectRepository(o: Pick<GithubOidcRoleOptions, 'repository' | 'immutableIds'>): string {
  if (!o.immutableIds) return o.repository;
  const [owner, repo] = o.repository.split('/');
  return `${owner}@${o.immutableIds.owner}/${repo}@${o.immutableIds.repository}`;
}

/** The OIDC subject of workflows on one branch, and of pull requests (GitHub Docs, "OpenID Connect": example subject claims). */
export function githubSubject(repository: string, on: { branch: string } | 'pull_request'): string {
  return on === 'pull_request' ? `repo:${repository}:pull_request` : `repo:${repository}:ref:refs/heads/${on.branch}`;
}

/**
 * Trust GitHub's OIDC provider for one subject and xacct's audience only. StringEquals, not
 * StringLike: the subject holds no wildcard, and `ForAllValues:` would be true for a missing claim.
 */
function trustGithub(subject: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TrustGithubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: sub(githubOidcProviderArn(P.partition, P.account)) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: sub(subject) } },
      },
    ],
  };
}

const arnValue = (arn: string): Value<string> => (arn.includes('${') ? sub(arn) : arn);

/** A role's permissions: managed policies by ARN, or xacct's own policy inline (a managed policy holds 6,144 characters, a role's inline policies 10,240). */
type Permissions = { managed: Value<string>[] } | { inline: { name: (prefix: string) => string; document: object } };

function githubRole(name: (prefix: string) => string, description: string, subject: string, permissions: Permissions, o: GithubOidcRoleOptions) {
  const role = new IAM.Role({
    RoleName: sub(name(P.prefix)),
    Description: description,
    AssumeRolePolicyDocument: trustGithub(subject),
    MaxSessionDuration: o.maxSessionSeconds ?? 3600,
    ...('managed' in permissions
      ? { ManagedPolicyArns: permissions.managed }
      : { Policies: [{ PolicyName: sub(permissions.inline.name(P.prefix)), PolicyDocument: permissions.inline.document }] }),
    Tags: tags(ref('Prefix')),
  });
  // IAM rejects a trust policy whose federated principal does not exist yet.
  return o.createProvider === false ? role : role.dependsOn(GITHUB_OIDC_PROVIDER);
}

/**
 * The template. Repository and branch are Parameters (defaults from the options) so one file serves
 * another repository without a rebuild; the trust compares them with StringEquals.
 */
export function githubOidcRole(config: Config, options: GithubOidcRoleOptions): Template {
  checkOptions(options);
  const branchSubject = githubSubject('${GithubRepository}', { branch: '${GithubBranch}' });
  const resources: NonNullable<Template['Resources']> = {};
  const outputs: NonNullable<Template['Outputs']> = {};
  // Without ARNs of its own, a role gets the policy xacct needs (the deploy role's is proven call by call in
  // test/lint/deployer-policy.test.ts), inline: with every option on and a long prefix it outgrows a managed policy.
  const permissions = (given: string[] | undefined, name: (p: string) => string, document: object): Permissions =>
    given ? { managed: given.map(arnValue) } : { inline: { name, document } };
  const deploy = permissions(options.deployPolicyArns, names.deployerPolicy, deployerPolicy(config));
  resources[GITHUB_DEPLOY_ROLE] = githubRole(
    names.githubDeployRole,
    `xacct deploy from GitHub Actions on one branch of one repository`,
    branchSubject,
    deploy,
    options,
  );
  outputs[`${GITHUB_DEPLOY_ROLE}Arn`] = { Description: 'role-to-assume for workflows on the deploy branch', Value: getAtt(GITHUB_DEPLOY_ROLE, 'Arn') };
  if (options.planRole ?? options.planPolicyArns !== undefined) {
    const plan = permissions(options.planPolicyArns, names.plannerPolicy, plannerPolicy(config));
    resources[GITHUB_PLAN_ROLE] = githubRole(
      names.githubPlanRole,
      'xacct plan from GitHub Actions on pull requests of one repository',
      githubSubject('${GithubRepository}', 'pull_request'),
      plan,
      options,
    );
    outputs[`${GITHUB_PLAN_ROLE}Arn`] = { Description: 'role-to-assume for pull-request workflows (read-only)', Value: getAtt(GITHUB_PLAN_ROLE, 'Arn') };
  }
  if (options.createProvider !== false) {
    resources[GITHUB_OIDC_PROVIDER] = new OidcProvider({ Url: `https://${GITHUB_OIDC_HOST}`, ClientIdList: [GITHUB_OIDC_AUDIENCE], Tags: tags(ref('Prefix')) });
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'xacct github-oidc-role (CI account): roles GitHub Actions assume through OIDC to run xacct',
    Parameters: {
      Prefix: parameters.Prefix(config.prefix),
      GithubRepository: new StringParameter({
        Description:
          'GitHub repository whose workflows may assume the roles, as the OIDC sub claim names it: owner/repo, or owner@ownerId/repo@repoId with immutable subject claims.',
        AllowedPattern: SUBJECT_REPOSITORY,
        Default: subjectRepository(options),
      }),
      GithubBranch: new StringParameter({
        Description: 'Branch whose workflows may assume the deploy role.',
        AllowedPattern: '^[^\\s~^:?*\\[\\\\]+$',
        Default: options.branch,
      }),
    },
    Resources: resources,
    Outputs: outputs,
  };
}

/** The template for the config's `github` section (the registry entry builds it from there). */
export function githubOidcRoleFromConfig(config: Config): Template {
  const g = config.github;
  if (!g) throw new Error('github-oidc-role: the config has no github section');
  return githubOidcRole(config, {
    repository: g.repository,
    branch: g.branch,
    immutableIds: g.immutableIds,
    deployPolicyArns: g.deployPolicyArns,
    planRole: g.planRole,
    planPolicyArns: g.planPolicyArns,
    createProvider: g.createProvider,
    maxSessionSeconds: g.maxSessionSeconds,
  });
}
