/**
 * Who may read the CI account's container and package stores, and what the build role needs to
 * fill them. The repository and domain policies admit principals of the target OUs the way the key
 * and bucket policies do; the build role's statements go into its own policy (pipeline-roles.ts).
 */
import { ref, sub, P } from '../cfn';
import type { Config } from '../config';
import { names } from '../names';
import { hasTargetOus, namedTargetAccounts } from '../targets';
import { Conditions, policy, PolicyDocument, Statement } from './document';

const roleCondition = (roleNames: string[] | undefined): Conditions =>
  roleNames ? { ArnLike: { 'aws:PrincipalArn': roleNames.map((n) => sub(`arn:${P.partition}:iam::*:role/${n}`)) } } : {};

/**
 * `Principal: "*"` narrowed to the organization and the target OU paths, and to role names when the
 * config lists them. Without names, any principal of those accounts: the roles that pull images or
 * read packages (ECS task execution roles, build roles, node roles) belong to the applications.
 */
export function targetReaderConditions(roleNames: string[] | undefined): Conditions {
  return {
    StringEquals: { 'aws:PrincipalOrgID': ref('OrganizationId') },
    'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ref('TargetOrgPaths') },
    ...roleCondition(roleNames),
  };
}

/** The same for the accounts named in targets, by `aws:PrincipalAccount` (an OU path would admit their neighbours too; see targetAccountConditions). */
export function namedReaderConditions(roleNames: string[] | undefined): Conditions {
  return {
    StringEquals: { 'aws:PrincipalOrgID': ref('OrganizationId'), 'aws:PrincipalAccount': ref('TargetAccountIds') },
    ...roleCondition(roleNames),
  };
}

/**
 * A store's resource policy admitting the target accounts' readers: one statement for the target OUs
 * and one (Sid suffixed `NamedAccounts`) for accounts named in targets, each only where the config has
 * them; two statements because conditions of one statement are ANDed ("Conditions with multiple
 * context keys or values").
 */
export function readerPolicy(
  config: Config,
  statement: Omit<Statement, 'Effect' | 'Principal' | 'Condition'>,
  roleNames: string[] | undefined,
): PolicyDocument {
  const out: Statement[] = [];
  if (hasTargetOus(config)) out.push({ ...statement, Effect: 'Allow', Principal: '*', Condition: targetReaderConditions(roleNames) });
  if (namedTargetAccounts(config).length > 0)
    out.push({ ...statement, Sid: `${statement.Sid}NamedAccounts`, Effect: 'Allow', Principal: '*', Condition: namedReaderConditions(roleNames) });
  return policy(...out);
}

/** "Private repository policies" (Amazon ECR): the three actions a pull makes on a repository. */
export const ECR_PULL = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
export const ECR_PUSH = ['ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'];

/**
 * "Repository policies" (CodeArtifact): ReadFromRepository downloads packages; GetRepositoryEndpoint
 * is what package-manager login asks first. The domain policy grants GetAuthorizationToken ("Domain
 * policies": a principal of another account needs it on the domain to read any repository in it).
 */
export const CODEARTIFACT_READ = ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'];
export const CODEARTIFACT_PUBLISH = ['codeartifact:PublishPackageVersion', 'codeartifact:PutPackageMetadata'];

const ecrArns = (config: Config) =>
  (config.ecr?.repositories ?? []).map((r) => sub(`arn:${P.partition}:ecr:${P.region}:${P.account}:repository/${names.ecrRepository(P.prefix, r)}`));
const domainArn = () => sub(`arn:${P.partition}:codeartifact:${P.region}:${P.account}:domain/${names.codeartifactDomain(P.prefix)}`);

/** What the CI account's build role needs to push images and publish packages into the configured stores. */
export function buildRoleStoreStatements(config: Config): Statement[] {
  const out: Statement[] = [];
  if (config.ecr) {
    // "Private repository policies": GetAuthorizationToken has no repository; it is granted on *.
    out.push({ Sid: 'LogInToEcr', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' });
    out.push({ Sid: 'PushImages', Effect: 'Allow', Action: [...ECR_PULL, ...ECR_PUSH], Resource: ecrArns(config) });
  }
  if (config.codeartifact) {
    const repo = config.codeartifact.repository;
    const domain = names.codeartifactDomain(P.prefix);
    out.push({ Sid: 'CodeArtifactToken', Effect: 'Allow', Action: 'codeartifact:GetAuthorizationToken', Resource: domainArn() });
    out.push({
      Sid: 'CodeArtifactBearerToken',
      Effect: 'Allow',
      Action: 'sts:GetServiceBearerToken',
      Resource: '*',
      Condition: { StringEquals: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' } },
    });
    out.push({
      Sid: 'PublishPackages',
      Effect: 'Allow',
      Action: [...CODEARTIFACT_READ, ...CODEARTIFACT_PUBLISH],
      Resource: [
        sub(`arn:${P.partition}:codeartifact:${P.region}:${P.account}:repository/${domain}/${repo}`),
        sub(`arn:${P.partition}:codeartifact:${P.region}:${P.account}:package/${domain}/${repo}/*`),
      ],
    });
  }
  return out;
}
