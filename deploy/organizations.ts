/**
 * Who we are and where things go: preflight checks against STS, Organizations and StackSets'
 * trusted access, and OU references (paths or IDs) resolved to IDs, org paths and ACTIVE accounts.
 */
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { ActivateOrganizationsAccessCommand, CloudFormationClient, DescribeOrganizationsAccessCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Config } from '../templates-src/config';
import type { ResolvedTarget } from '../templates-src/index';
import { XacctError } from './errors';
import type { Io } from './io';
import { awsMessage, explainAwsFailure, isExpiredCredentials, isMissingCredentials, isNamed } from './aws-error';

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
    if (isExpiredCredentials(err)) throw new XacctError('NO_CREDENTIALS', explainAwsFailure(err)!.message, { cause: err });
    if (isMissingCredentials(err)) {
      throw new XacctError('NO_CREDENTIALS', `no usable AWS credentials (set AWS_PROFILE or --profile, or run 'aws sso login'): ${awsMessage(err)}`, { cause: err });
    }
    throw new XacctError('PRECONDITION', `GetCallerIdentity failed: ${awsMessage(err)}`, { cause: err });
  }
}

async function organization(org: OrganizationsClient, accountId: string): Promise<{ id: string; managementAccountId: string }> {
  try {
    const out = await org.send(new DescribeOrganizationCommand({}));
    const o = out.Organization;
    if (o?.FeatureSet !== undefined && o.FeatureSet !== 'ALL') {
      throw new XacctError('PRECONDITION', `organization ${o.Id} has feature set ${o.FeatureSet}; service-managed StackSets need all features enabled`);
    }
    return { id: o?.Id ?? '', managementAccountId: o?.MasterAccountId ?? '' };
  } catch (err) {
    if (err instanceof XacctError) throw err;
    if (isNamed(err, 'AWSOrganizationsNotInUseException')) {
      throw new XacctError('PRECONDITION', `account ${accountId} is not a member of an AWS Organization: ${awsMessage(err)}`, { cause: err });
    }
    throw new XacctError('PRECONDITION', `DescribeOrganization from account ${accountId} failed: ${awsMessage(err)}`, { cause: err });
  }
}

/**
 * Trusted access between StackSets and Organizations. From the management account we switch it on
 * when it is off; a delegated administrator cannot, and must be registered in the first place.
 */
async function ensureTrustedAccess(cfn: CloudFormationClient, id: Omit<Identity, 'callAs'> & { callAs: CallAs }, io: Io, readOnly: boolean): Promise<void> {
  let status: string | undefined;
  try {
    status = (await cfn.send(new DescribeOrganizationsAccessCommand({ CallAs: id.callAs }))).Status;
  } catch (err) {
    if (id.callAs === 'DELEGATED_ADMIN') {
      throw new XacctError(
        'PRECONDITION',
        `account ${id.accountId} is not the management account of ${id.organizationId} and is not registered as a delegated administrator for StackSets; ` +
          `from the management account (${id.managementAccountId}) run: ${registrationHint(id.accountId)} (AWS: ${awsMessage(err)})`,
        { cause: err },
      );
    }
    throw new XacctError('PRECONDITION', `DescribeOrganizationsAccess failed in account ${id.accountId}: ${awsMessage(err)}`, { cause: err });
  }
  if (status === 'ENABLED') return;
  if (status === 'DISABLED_PERMANENTLY') {
    throw new XacctError('PRECONDITION', `trusted access between StackSets and Organizations is DISABLED_PERMANENTLY in ${id.organizationId}; service-managed StackSets cannot be used`);
  }
  if (id.callAs === 'DELEGATED_ADMIN') {
    throw new XacctError('PRECONDITION', `trusted access between StackSets and Organizations is ${status} in ${id.organizationId}; from the management account (${id.managementAccountId}) run: aws cloudformation activate-organizations-access`);
  }
  if (readOnly) {
    throw new XacctError('PRECONDITION', `trusted access between StackSets and Organizations is ${status} in ${id.organizationId}; \`xacct deploy\` switches it on from the management account (this command changes nothing)`);
  }
  io.info(`activating trusted access between StackSets and Organizations in ${id.organizationId}`);
  try {
    await cfn.send(new ActivateOrganizationsAccessCommand({}));
  } catch (err) {
    throw new XacctError('PRECONDITION', `ActivateOrganizationsAccess failed in management account ${id.accountId}: ${awsMessage(err)}`, { cause: err });
  }
}

/**
 * GetCallerIdentity, DescribeOrganization, then StackSets' trusted access with the CallAs that fits
 * the account. `cfn` must be the client of the region the StackSets are administered from.
 */
export async function preflight(clients: { sts: STSClient; org: OrganizationsClient; cfn: CloudFormationClient }, io: Io, options: { readOnly?: boolean } = {}): Promise<Identity> {
  const caller = await callerIdentity(clients.sts);
  const o = await organization(clients.org, caller.accountId);
  const callAs: CallAs = caller.accountId === o.managementAccountId ? 'SELF' : 'DELEGATED_ADMIN';
  const identity: Identity = {
    accountId: caller.accountId,
    arn: caller.arn,
    partition: caller.arn.split(':')[1] || 'aws',
    organizationId: o.id,
    managementAccountId: o.managementAccountId,
    callAs,
  };
  await ensureTrustedAccess(clients.cfn, identity, io, options.readOnly ?? false);
  io.debug(`caller ${identity.arn} in ${identity.organizationId}, StackSets as ${callAs}`);
  return identity;
}

interface Unit {
  id: string;
  name: string;
}

export interface ResolvedOu {
  id: string;
  /** Root first: `['r-ab12', 'ou-ab12-11111111', ...]`. */
  idPath: string[];
}

/**
 * A read-through cache over the organization tree. Each parent is listed once, every page
 * followed, so resolving many paths and expanding many OUs costs one walk of the tree at most.
 */
export class OrgTree {
  private roots?: Promise<Unit[]>;
  private readonly children = new Map<string, Promise<Unit[]>>();
  private readonly accounts = new Map<string, Promise<Array<{ id: string; active: boolean }>>>();
  private readonly parents = new Map<string, Promise<string>>();

  constructor(
    private readonly org: OrganizationsClient,
    readonly organizationId: string,
    readonly managementAccountId: string,
  ) {}

  listRoots(): Promise<Unit[]> {
    this.roots ??= (async () => {
      const out: Unit[] = [];
      let token: string | undefined;
      do {
        const page = await this.org.send(new ListRootsCommand({ NextToken: token }));
        for (const r of page.Roots ?? []) out.push({ id: r.Id ?? '', name: r.Name ?? '' });
        token = page.NextToken;
      } while (token);
      return out;
    })();
    return this.roots;
  }

  childOus(parentId: string): Promise<Unit[]> {
    let p = this.children.get(parentId);
    if (!p) {
      p = (async () => {
        const out: Unit[] = [];
        let token: string | undefined;
        do {
          const page = await this.org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, NextToken: token }));
          for (const ou of page.OrganizationalUnits ?? []) out.push({ id: ou.Id ?? '', name: ou.Name ?? '' });
          token = page.NextToken;
        } while (token);
        return out;
      })();
      this.children.set(parentId, p);
    }
    return p;
  }

  childAccounts(parentId: string): Promise<Array<{ id: string; active: boolean }>> {
    let p = this.accounts.get(parentId);
    if (!p) {
      p = (async () => {
        const out: Array<{ id: string; active: boolean }> = [];
        let token: string | undefined;
        do {
          const page = await this.org.send(new ListAccountsForParentCommand({ ParentId: parentId, NextToken: token }));
          // `State` supersedes the deprecated `Status`; either says ACTIVE for a usable account.
          for (const a of page.Accounts ?? []) out.push({ id: a.Id ?? '', active: (a.State ?? a.Status) === 'ACTIVE' });
          token = page.NextToken;
        } while (token);
        return out;
      })();
      this.accounts.set(parentId, p);
    }
    return p;
  }

  /** The parent (OU or root) of an account or OU. */
  parentOf(childId: string): Promise<string> {
    let p = this.parents.get(childId);
    if (!p) {
      p = (async () => {
        const out = await this.org.send(new ListParentsCommand({ ChildId: childId }));
        const parent = out.Parents?.[0]?.Id;
        if (!parent) throw new XacctError('BAD_INPUT', `${childId} has no parent in ${this.organizationId}`);
        return parent;
      })();
      this.parents.set(childId, p);
    }
    return p;
  }

  /** `Root/Workloads/Prod`, `ou-...` or `r-...` to its ID and ID path. `where` names the config field for errors. */
  async resolve(ref: string, where: string): Promise<ResolvedOu> {
    if (ref.startsWith('r-')) {
      const roots = await this.listRoots();
      if (!roots.some((r) => r.id === ref)) {
        throw new XacctError('BAD_INPUT', `${where}: root ${ref} is not in ${this.organizationId} (roots: ${roots.map((r) => r.id).join(', ')})`);
      }
      return { id: ref, idPath: [ref] };
    }
    if (ref.startsWith('ou-')) return this.resolveId(ref, where);
    return this.resolvePath(ref, where);
  }

  private async resolveId(ouId: string, where: string): Promise<ResolvedOu> {
    const path = [ouId];
    let current = ouId;
    try {
      // Walk up to the root: the ID path is what aws:PrincipalOrgPaths needs.
      while (!current.startsWith('r-')) {
        current = await this.parentOf(current);
        path.unshift(current);
      }
    } catch (err) {
      if (err instanceof XacctError) throw err;
      if (isNamed(err, 'ChildNotFoundException', 'OrganizationalUnitNotFoundException', 'InvalidInputException')) {
        throw new XacctError('BAD_INPUT', `${where}: OU ${ouId} is not in ${this.organizationId}: ${awsMessage(err)}`, { cause: err });
      }
      throw err;
    }
    return { id: ouId, idPath: path };
  }

  private async resolvePath(path: string, where: string): Promise<ResolvedOu> {
    const segments = path.split('/');
    const roots = await this.listRoots();
    if (roots.length === 0) throw new XacctError('PRECONDITION', `${this.organizationId} lists no root`);
    // An organization has exactly one root; the first segment names it whatever it is called.
    let current = roots[0];
    const idPath = [current.id];
    for (let i = 1; i < segments.length; i++) {
      const children = await this.childOus(current.id);
      const next = children.find((c) => c.name === segments[i]);
      if (!next) {
        const parentPath = segments.slice(0, i).join('/');
        const siblings = children.map((c) => c.name).sort();
        const near = children.find((c) => c.name.toLowerCase() === segments[i].toLowerCase());
        throw new XacctError(
          'BAD_INPUT',
          `${where}: OU path "${path}": no OU named "${segments[i]}" under ${parentPath}` +
            (near ? ` (did you mean "${near.name}"? names are case-sensitive)` : '') +
            `; existing: ${siblings.length > 0 ? siblings.join(', ') : '(none)'}`,
        );
      }
      current = next;
      idPath.push(next.id);
    }
    return { id: current.id, idPath };
  }

  /** ACTIVE accounts anywhere under `parentId`, nested OUs included, the management account never. */
  async activeAccountsUnder(parentId: string): Promise<string[]> {
    const found = new Set<string>();
    const walk = async (id: string): Promise<void> => {
      const [accounts, ous] = await Promise.all([this.childAccounts(id), this.childOus(id)]);
      for (const a of accounts) if (a.active && a.id !== this.managementAccountId) found.add(a.id);
      await Promise.all(ous.map((ou) => walk(ou.id)));
    };
    await walk(parentId);
    return [...found].sort();
  }
}

/** Target groups whose accounts a pipeline stage deploys to: only these need their accounts listed. */
export function stageTargets(config: Config): Set<string> {
  return new Set(config.pipelines.flatMap((p) => p.stages.map((s) => s.target)));
}

/**
 * Every configured target group resolved: OU IDs in config order and org paths. ACTIVE accounts are
 * listed only for groups a pipeline stage deploys to (StackSets target OUs, not accounts), so an
 * organization without such stages costs no account listing at all.
 */
export async function resolveTargets(config: Config, tree: OrgTree, withAccounts: Set<string> = stageTargets(config)): Promise<Record<string, ResolvedTarget>> {
  const out: Record<string, ResolvedTarget> = {};
  for (const [name, target] of Object.entries(config.targets)) {
    const resolved = await Promise.all(target.ous.map((ref, i) => tree.resolve(ref, `targets.${name}.ous[${i}]`)));
    const ouIds = [...new Set(resolved.map((r) => r.id))];
    const orgPaths = [...new Set(resolved.map((r) => `${tree.organizationId}/${r.idPath.join('/')}/*`))];
    const accountLists = withAccounts.has(name) ? await Promise.all(ouIds.map((id) => tree.activeAccountsUnder(id))) : [];
    out[name] = { ouIds, orgPaths, accounts: [...new Set(accountLists.flat())].sort() };
  }
  return out;
}
