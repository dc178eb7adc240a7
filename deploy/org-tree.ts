/**
 * The organization tree: OU references (paths or IDs) resolved to IDs, ID paths and ACTIVE
 * accounts. Each parent is listed once through the SDK's paginators, so resolving many paths and
 * expanding many OUs costs one walk of the tree at most.
 */
import {
  ListParentsCommand,
  OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
} from '@aws-sdk/client-organizations';
import type { Config } from '../templates-src/config';
import type { ResolvedTarget } from '../templates-src/index';
import { awsFailure, XacctError } from './errors';
import { awsMessage, isNamed } from './aws-error';

interface Unit {
  id: string;
  name: string;
}

export interface ResolvedOu {
  id: string;
  /** Root first: `['r-ab12', 'ou-ab12-11111111', ...]`. */
  idPath: string[];
}

async function collect<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

/** A read-through cache over the organization tree. */
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

  private memo<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let p = cache.get(key);
    if (!p) {
      p = load();
      cache.set(key, p);
    }
    return p;
  }

  listRoots(): Promise<Unit[]> {
    this.roots ??= collect(paginateListRoots({ client: this.org }, {}), (p) => p.Roots?.map((r) => ({ id: r.Id ?? '', name: r.Name ?? '' }))).catch((err) => {
      throw awsFailure(`organization ${this.organizationId}`, 'organizations:ListRoots', err, 'PRECONDITION');
    });
    return this.roots;
  }

  childOus(parentId: string): Promise<Unit[]> {
    return this.memo(this.children, parentId, () =>
      collect(paginateListOrganizationalUnitsForParent({ client: this.org }, { ParentId: parentId }), (p) => p.OrganizationalUnits?.map((ou) => ({ id: ou.Id ?? '', name: ou.Name ?? '' }))).catch((err) => {
        throw awsFailure(`${parentId} in ${this.organizationId}`, 'organizations:ListOrganizationalUnitsForParent', err, 'PRECONDITION');
      }),
    );
  }

  childAccounts(parentId: string): Promise<Array<{ id: string; active: boolean }>> {
    // `State` supersedes the deprecated `Status`; either says ACTIVE for a usable account.
    return this.memo(this.accounts, parentId, () =>
      collect(paginateListAccountsForParent({ client: this.org }, { ParentId: parentId }), (p) => p.Accounts?.map((a) => ({ id: a.Id ?? '', active: (a.State ?? a.Status) === 'ACTIVE' }))).catch((err) => {
        throw awsFailure(`${parentId} in ${this.organizationId}`, 'organizations:ListAccountsForParent', err, 'PRECONDITION');
      }),
    );
  }

  /** The OUs above an account or OU, nearest first, ending with the root. */
  async ancestorsOf(childId: string): Promise<string[]> {
    const out: string[] = [];
    let current = childId;
    do {
      current = await this.parentOf(current);
      out.push(current);
    } while (!current.startsWith('r-'));
    return out;
  }

  /** The parent (OU or root) of an account or OU. ListParents returns exactly one parent. */
  parentOf(childId: string): Promise<string> {
    return this.memo(this.parents, childId, async () => {
      const out = await this.org.send(new ListParentsCommand({ ChildId: childId }));
      const parent = out.Parents?.[0]?.Id;
      if (!parent) throw new XacctError('BAD_INPUT', `${childId} has no parent in ${this.organizationId}`);
      return parent;
    });
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
 * An account named in targets.<name>.accounts, checked the way StackSets would take it: in the
 * organization, ACTIVE, not the management account ("CloudFormation doesn't deploy stack instances
 * to the organization management account", "DeploymentTargets - AWS CloudFormation"). Returns the OU
 * (or root) it sits in, through which its StackSet instance is aimed (AccountFilterType INTERSECTION).
 */
async function namedAccountOu(tree: OrgTree, account: string, where: string): Promise<string> {
  if (account === tree.managementAccountId) {
    throw new XacctError('BAD_INPUT', `${where}: ${account} is the management account of ${tree.organizationId}; service-managed StackSets never deploy there ("DeploymentTargets - AWS CloudFormation")`);
  }
  let parent: string;
  try {
    parent = await tree.parentOf(account);
  } catch (err) {
    if (isNamed(err, 'ChildNotFoundException', 'InvalidInputException')) throw new XacctError('BAD_INPUT', `${where}: account ${account} is not in ${tree.organizationId}: ${awsMessage(err)}`, { cause: err });
    throw awsFailure(`account ${account} in ${tree.organizationId}`, 'organizations:ListParents', err, 'PRECONDITION');
  }
  const state = (await tree.childAccounts(parent)).find((a) => a.id === account);
  if (state && !state.active) throw new XacctError('BAD_INPUT', `${where}: account ${account} is not ACTIVE (suspended or closing); StackSets skip such accounts: remove it from the target`);
  return parent;
}

/**
 * A named account below a target OU already gets every role from the OU StackSets; a second
 * instance would fail creating the same fixed-name roles (IAM role names are unique per account).
 */
async function notUnderTargetOus(tree: OrgTree, account: string, where: string, targets: Record<string, ResolvedTarget>): Promise<void> {
  const ancestors = await tree.ancestorsOf(account);
  for (const [name, t] of Object.entries(targets)) {
    const hit = t.ouIds.find((ou) => ancestors.includes(ou));
    if (hit) throw new XacctError('BAD_INPUT', `${where}: account ${account} is below ${hit}, an OU of target ${name}, so it gets xacct's roles from there already: remove it from accounts`);
  }
}

/**
 * Every configured target group resolved: OU IDs in config order and org paths. ACTIVE accounts are
 * listed only for groups a pipeline stage deploys to (StackSets target OUs, not accounts), so an
 * organization without such stages costs no account listing at all. Accounts a group names are
 * checked (in the organization, ACTIVE, not the management account, not below any target OU) and
 * located in their OU; they count among the group's accounts.
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
  for (const [name, target] of Object.entries(config.targets)) {
    if (target.accounts.length === 0) continue;
    const accountOus: Record<string, string> = {};
    for (const [i, account] of target.accounts.entries()) {
      const where = `targets.${name}.accounts[${i}]`;
      accountOus[account] = await namedAccountOu(tree, account, where);
      await notUnderTargetOus(tree, account, where, out);
    }
    out[name] = { ...out[name], accounts: [...new Set([...out[name].accounts, ...target.accounts])].sort(), accountOus };
  }
  return out;
}
