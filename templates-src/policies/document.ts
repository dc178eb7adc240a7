/**
 * Policy documents as plain data. Builders here are shared by the key policy, the bucket policies
 * and the role policies so that all of them say the same thing about the same principals.
 */
import { Value } from '../cfn-types';
import { ref, sub, P } from '../cfn';
import { names, roleArn } from '../names';
import type { Config } from '../config';
import { hasTargetOus, namedTargetAccounts } from '../targets';

export type Principal = '*' | { AWS?: Value<string> | Value<string>[]; Service?: Value<string> | Value<string>[] };
export type Conditions = Record<string, Record<string, Value<string> | Value<string>[] | Value<boolean>>>;

export interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Principal;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: Value<string> | Value<string>[];
  NotResource?: Value<string> | Value<string>[];
  Condition?: Conditions;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export function policy(...statements: Statement[]): PolicyDocument {
  const sids = new Set<string>();
  for (const s of statements) {
    if (sids.has(s.Sid)) throw new Error(`policy: statement Sid '${s.Sid}' is used twice`);
    sids.add(s.Sid);
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** ARN of a fixed-name role in the CI account, from a target-account template. */
export function ciRole(name: (prefix: string) => string): Value<string> {
  return sub(roleArn(P.partition, P.ciAccount, name(P.prefix)));
}
/** ARN of a fixed-name role in this stack's own account. */
export function ownRole(name: (prefix: string) => string): Value<string> {
  return sub(roleArn(P.partition, P.account, name(P.prefix)));
}

/**
 * Names (with `${Prefix}` placeholders) of the target-account roles that read and write pipeline
 * artifacts: the fixed xacct roles plus any CodeDeploy instance roles the config names.
 */
export function artifactRoleNames(config: Config): string[] {
  const out = [names.crossAccountRole(P.prefix), names.cfnExecRole(P.prefix)];
  if (config.automationRole) out.push(names.automationRole(P.prefix));
  for (const role of codedeployInstanceRoles(config)) out.push(role);
  return out;
}

/** CodeDeploy instance role names named by the config's CodeDeploy stages. */
export function codedeployInstanceRoles(config: Config): string[] {
  const roles = new Set<string>();
  for (const p of config.pipelines) {
    for (const s of p.stages) if (s.codedeploy) roles.add(s.codedeploy.instanceRoleName ?? names.codedeployInstanceRole(P.prefix));
  }
  return [...roles].sort();
}

/**
 * Conditions that admit `Principal: "*"` only from inside the organization, only from accounts under
 * the target OU paths, and only as one of the named roles. Valid before any of those roles exist,
 * and valid for accounts that StackSets auto-deploys into later.
 */
export function targetOrgConditions(roleNames: string[]): Conditions {
  return {
    StringEquals: { 'aws:PrincipalOrgID': ref('OrganizationId') },
    'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ref('TargetOrgPaths') },
    ArnLike: { 'aws:PrincipalArn': roleNames.map((n) => sub(roleArn(P.partition, '*', n))) },
  };
}

/**
 * The same for the accounts named in targets (Parameter TargetAccountIds): `aws:PrincipalAccount`
 * picks out exactly those accounts. An OU path would not: aws:PrincipalOrgPaths "ensures that the
 * requester is an account member within the specified organization root or organizational units"
 * ("AWS global condition context keys"), so the named account's OU path would admit every account
 * beside it, any of which can create a role with the fixed name.
 */
export function targetAccountConditions(roleNames: string[]): Conditions {
  return {
    StringEquals: { 'aws:PrincipalOrgID': ref('OrganizationId'), 'aws:PrincipalAccount': ref('TargetAccountIds') },
    ArnLike: { 'aws:PrincipalArn': roleNames.map((n) => sub(roleArn(P.partition, '*', n))) },
  };
}

/**
 * Allow statements that admit the target roles `roleNames` to a CI-account resource: `statement`
 * (Sid, action, resource, conditions of its own) once for the accounts under the target OUs and once,
 * Sid suffixed `NamedAccounts`, for the accounts named in targets; each only when the config has such
 * targets. Two statements, because "If your policy statement has multiple condition operators, the
 * condition operators are evaluated using a logical AND" ("Conditions with multiple context keys or
 * values"), and a principal is in a target OU *or* a named account.
 */
export function targetRoleStatements(config: Config, statement: Omit<Statement, 'Effect' | 'Principal'>, roleNames: string[]): Statement[] {
  const { Sid, Condition: own, ...rest } = statement;
  const allow = (sid: string, conditions: Conditions): Statement => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: '*',
    ...rest,
    Condition: { ...conditions, ...own },
  });
  const out: Statement[] = [];
  if (hasTargetOus(config)) out.push(allow(Sid, targetOrgConditions(roleNames)));
  if (namedTargetAccounts(config).length > 0) out.push(allow(`${Sid}NamedAccounts`, targetAccountConditions(roleNames)));
  return out;
}

/** Principal = this account, narrowed to the named roles (valid before those roles exist). */
export function ownAccountRoles(roles: Array<(prefix: string) => string>): { Principal: Principal; Condition: Conditions } {
  return {
    Principal: { AWS: sub(`arn:${P.partition}:iam::${P.account}:root`) },
    Condition: { ArnEquals: { 'aws:PrincipalArn': roles.map(ownRole) } },
  };
}

export const KMS_USE = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];
export const KMS_READ_WRITE_VIA_S3 = ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*'];
export const S3_ARTIFACT_READ = ['s3:GetObject', 's3:GetObjectVersion'];
export const S3_ARTIFACT_WRITE = ['s3:PutObject'];
export const S3_BUCKET_READ = ['s3:GetBucketLocation', 's3:GetBucketVersioning', 's3:ListBucket'];

/** Artifact buckets of the CI account in every region (the home bucket and the regional stores). */
export function artifactBucketArns(fromTarget: boolean): { buckets: Value<string>; objects: Value<string> } {
  const account = fromTarget ? P.ciAccount : P.account;
  const name = names.bucket(P.prefix, 'artifacts', account, '*');
  return { buckets: sub(`arn:${P.partition}:s3:::${name}`), objects: sub(`arn:${P.partition}:s3:::${name}/*`) };
}

/** KMS keys of the CI account, in any region, used only through S3 (artifact reads and writes). */
export function ciKeyUseViaS3(sid: string, fromTarget: boolean): Statement {
  const account = fromTarget ? P.ciAccount : P.account;
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: KMS_READ_WRITE_VIA_S3,
    Resource: sub(`arn:${P.partition}:kms:*:${account}:key/*`),
    Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
  };
}

/** Accounts holding CodeCommit repositories for pipelines in the CI account (cross-account sources). */
export function sourceAccounts(config: Config): string[] {
  const accounts = config.pipelines.flatMap((p) => ('codecommit' in p.source && p.source.codecommit.account ? [p.source.codecommit.account] : []));
  return [...new Set(accounts)].sort();
}

/** The source-access role, in a source account of the organization (Parameter SourceAccountIds). */
export function sourceAccessConditions(): Conditions {
  return {
    StringEquals: { 'aws:PrincipalOrgID': ref('OrganizationId'), 'aws:PrincipalAccount': ref('SourceAccountIds') },
    ArnLike: { 'aws:PrincipalArn': sub(roleArn(P.partition, '*', names.sourceAccessRole(P.prefix))) },
  };
}
