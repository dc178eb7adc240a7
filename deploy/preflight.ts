/**
 * Who we are before anything else: the caller (STS), its organization, whether it may administer
 * service-managed StackSets (management account, or a registered delegated administrator), and
 * StackSets' trusted access with Organizations.
 */
import { DescribeOrganizationCommand, OrganizationsClient, paginateListDelegatedAdministrators } from '@aws-sdk/client-organizations';
import { ActivateOrganizationsAccessCommand, CloudFormationClient, DescribeOrganizationsAccessCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parse as parseArn } from '@aws-sdk/util-arn-parser';
import { awsFailure, XacctError } from './errors';
import type { Io } from './io';
import { awsMessage, explainAwsFailure, isAccessDenied, isExpiredCredentials, isMissingCredentials, isNamed } from './aws-error';

export type CallAs = 'SELF' | 'DELEGATED_ADMIN';

export interface Identity {
  accountId: string;
  arn: string;
  partition: string;
  organizationId: string;
  managementAccountId: string;
  /** SELF from the management account, DELEGATED_ADMIN from a registered delegated administrator. */
  callAs: CallAs;
}

export const STACKSETS_SERVICE_PRINCIPAL = 'member.org.stacksets.cloudformation.amazonaws.com';

export function registrationHint(accountId: string): string {
  return `aws organizations register-delegated-administrator --service-principal ${STACKSETS_SERVICE_PRINCIPAL} --account-id ${accountId}`;
}

async function callerIdentity(sts: STSClient): Promise<{ accountId: string; arn: string }> {
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    return { accountId: id.Account ?? '', arn: id.Arn ?? '' };
  } catch (err) {
    if (err instanceof XacctError) throw err;
    if (isExpiredCredentials(err)) throw new XacctError('NO_CREDENTIALS', explainAwsFailure(err)!.message, { cause: err });
    if (isMissingCredentials(err)) {
      throw new XacctError('NO_CREDENTIALS', `no usable AWS credentials (set AWS_PROFILE or --profile, or run 'aws sso login'): ${awsMessage(err)}`, {
        cause: err,
      });
    }
    throw awsFailure('who am I', 'sts:GetCallerIdentity', err, 'PRECONDITION');
  }
}

async function organization(org: OrganizationsClient, accountId: string): Promise<{ id: string; managementAccountId: string }> {
  let out;
  try {
    out = await org.send(new DescribeOrganizationCommand({}));
  } catch (err) {
    if (isNamed(err, 'AWSOrganizationsNotInUseException')) {
      throw new XacctError('PRECONDITION', `account ${accountId} is not a member of an AWS Organization: ${awsMessage(err)}`, { cause: err });
    }
    throw awsFailure(`account ${accountId}`, 'organizations:DescribeOrganization', err, 'PRECONDITION');
  }
  const o = out.Organization;
  if (o?.FeatureSet !== undefined && o.FeatureSet !== 'ALL') {
    throw new XacctError('PRECONDITION', `organization ${o.Id} has feature set ${o.FeatureSet}; service-managed StackSets need all features enabled`);
  }
  return { id: o?.Id ?? '', managementAccountId: o?.MasterAccountId ?? '' };
}

/**
 * Whether the account is registered as a StackSets delegated administrator. "Make sure your
 * delegated administrators have organizations:ListDelegatedAdministrators permissions to avoid any
 * potential errors" ("Register a delegated administrator member account", CloudFormation User Guide).
 */
async function isDelegatedAdmin(org: OrganizationsClient, accountId: string): Promise<boolean> {
  try {
    const pages = paginateListDelegatedAdministrators({ client: org }, { ServicePrincipal: STACKSETS_SERVICE_PRINCIPAL });
    for await (const page of pages) if ((page.DelegatedAdministrators ?? []).some((a) => a.Id === accountId)) return true;
    return false;
  } catch (err) {
    throw awsFailure(`account ${accountId}`, 'organizations:ListDelegatedAdministrators', err, 'PRECONDITION');
  }
}

/**
 * Whether the account is registered, asked of Organizations. "This operation can be called only from
 * the organization's management account or by a member account that is a delegated administrator"
 * ("ListDelegatedAdministrators - AWS Organizations"): Organizations' own AccessDeniedException (no
 * IAM sentence in it) therefore means the account is no delegated administrator at all, while IAM's
 * "is not authorized to perform" means the caller lacks the permission to ask.
 */
async function registered(org: OrganizationsClient, accountId: string): Promise<boolean> {
  try {
    return await isDelegatedAdmin(org, accountId);
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    if (isAccessDenied(cause) && !/is not authorized to perform/.test(awsMessage(cause))) return false;
    throw err;
  }
}

/** DescribeOrganizationsAccess failed as a delegated administrator: not registered, or not allowed to ask? */
async function explainAccessFailure(org: OrganizationsClient, id: Identity, err: unknown): Promise<XacctError> {
  if (isAccessDenied(err) && /is not authorized to perform/.test(awsMessage(err)))
    return awsFailure(`account ${id.accountId}`, 'DescribeOrganizationsAccess', err, 'PRECONDITION');
  if (!(await registered(org, id.accountId))) {
    return new XacctError(
      'PRECONDITION',
      `account ${id.accountId} is not the management account of ${id.organizationId} and is not registered as a delegated administrator for StackSets; ` +
        `from the management account (${id.managementAccountId}) run: ${registrationHint(id.accountId)} (AWS: ${awsMessage(err)})`,
      { cause: err },
    );
  }
  return awsFailure(`account ${id.accountId} (a registered delegated administrator)`, 'DescribeOrganizationsAccess', err, 'PRECONDITION');
}

/**
 * Trusted access between StackSets and Organizations. From the management account we switch it on
 * when it is off (unless read-only); a delegated administrator cannot, and must be registered.
 */
async function ensureTrustedAccess(
  cfn: CloudFormationClient,
  org: OrganizationsClient,
  id: Identity,
  io: Io,
  readOnly: boolean,
  defer: boolean,
): Promise<(() => Promise<void>) | undefined> {
  let status: string | undefined;
  try {
    status = (await cfn.send(new DescribeOrganizationsAccessCommand({ CallAs: id.callAs }))).Status;
  } catch (err) {
    if (err instanceof XacctError) throw err;
    if (id.callAs === 'DELEGATED_ADMIN') throw await explainAccessFailure(org, id, err);
    throw awsFailure(`account ${id.accountId}`, 'DescribeOrganizationsAccess', err, 'PRECONDITION');
  }
  if (status === 'ENABLED') return undefined;
  if (status === 'DISABLED_PERMANENTLY') {
    throw new XacctError(
      'PRECONDITION',
      `trusted access between StackSets and Organizations is DISABLED_PERMANENTLY in ${id.organizationId}; service-managed StackSets cannot be used`,
    );
  }
  if (id.callAs === 'DELEGATED_ADMIN') {
    throw new XacctError(
      'PRECONDITION',
      `trusted access between StackSets and Organizations is ${status} in ${id.organizationId}; from the management account (${id.managementAccountId}) run: aws cloudformation activate-organizations-access`,
    );
  }
  if (readOnly) {
    throw new XacctError(
      'PRECONDITION',
      `trusted access between StackSets and Organizations is ${status} in ${id.organizationId}; \`xacct deploy\` switches it on from the management account (this command changes nothing)`,
    );
  }
  const activate = async () => {
    io.info(`activating trusted access between StackSets and Organizations in ${id.organizationId}`);
    try {
      await cfn.send(new ActivateOrganizationsAccessCommand({}));
    } catch (err) {
      throw awsFailure(`management account ${id.accountId}`, 'ActivateOrganizationsAccess', err, 'PRECONDITION');
    }
  };
  if (defer) return activate;
  await activate();
  return undefined;
}

/**
 * GetCallerIdentity, DescribeOrganization, then StackSets' trusted access with the CallAs that fits
 * the account. `cfn` must be the client of the region the StackSets are administered from.
 */
export async function preflight(
  clients: { sts: STSClient; org: OrganizationsClient; cfn: CloudFormationClient },
  io: Io,
  options: { readOnly?: boolean } = {},
): Promise<Identity> {
  const { identity, activate } = await checkedIdentity(clients, io, { readOnly: options.readOnly ?? false, defer: false });
  await activate?.();
  return identity;
}

/**
 * Preflight that leaves switching on trusted access (the management account's one mutating call) to
 * the caller: `activate` is set when it is still needed, so a deploy can check everything first.
 */
export async function checkedIdentity(
  clients: { sts: STSClient; org: OrganizationsClient; cfn: CloudFormationClient },
  io: Io,
  options: { readOnly: boolean; defer: boolean },
): Promise<{ identity: Identity; activate?: () => Promise<void> }> {
  const caller = await callerIdentity(clients.sts);
  const o = await organization(clients.org, caller.accountId);
  const callAs: CallAs = caller.accountId === o.managementAccountId ? 'SELF' : 'DELEGATED_ADMIN';
  let partition = 'aws';
  try {
    partition = parseArn(caller.arn).partition;
  } catch {
    // GetCallerIdentity always returns an ARN; a stand-in endpoint might not.
  }
  const identity: Identity = {
    accountId: caller.accountId,
    arn: caller.arn,
    partition,
    organizationId: o.id,
    managementAccountId: o.managementAccountId,
    callAs,
  };
  const activate = await ensureTrustedAccess(clients.cfn, clients.org, identity, io, options.readOnly, options.defer);
  io.debug(`caller ${identity.arn} in ${identity.organizationId}, StackSets as ${callAs}`);
  return { identity, activate };
}
