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
import type { Config, Stage } from '../templates-src/config';
import { stageRegions } from '../templates-src/central/pipeline-plan';
import { CODEPIPELINE_LIMITS } from '../templates-src/checks/codepipeline-limits';
import type { ResolvedTarget } from '../templates-src/index';
import { ConfigError } from '../templates-src/config-errors';
import { awsFailure, XacctError } from './errors';
import { awsMessage, isNamed } from './aws-error';

interface Unit {
  id: string;
  name: string;
}

interface AccountRow {
  id: string;
  active: boolean;
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
  private readonly accounts = new Map<string, Promise<AccountRow[]>>();
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
      collect(paginateListOrganizationalUnitsForParent({ client: this.org }, { ParentId: parentId }), (p) =>
        p.OrganizationalUnits?.map((ou) => ({ id: ou.Id ?? '', name: ou.Name ?? '' })),
      ).catch((err) => {
        throw awsFailure(`${parentId} in ${this.organizationId}`, 'organizations:ListOrganizationalUnitsForParent', err, 'PRECONDITION');
      }),
    );
  }

  childAccounts(parentId: string): Promise<AccountRow[]> {
    return this.memo(this.accounts, parentId, async () => (await this.listAccounts(parentId))!);
  }

  /**
   * Every page of an OU's accounts; `onPage` sees each page and may stop the listing (then the result
   * is undefined: a partial list is never cached).
   */
  private async listAccounts(parentId: string, onPage?: (page: AccountRow[]) => boolean): Promise<AccountRow[] | undefined> {
    const out: AccountRow[] = [];
    try {
      for await (const p of paginateListAccountsForParent({ client: this.org }, { ParentId: parentId })) {
        // `State` supersedes the deprecated `Status`; either says ACTIVE for a usable account.
        const page = (p.Accounts ?? []).map((a) => ({ id: a.Id ?? '', active: (a.State ?? a.Status) === 'ACTIVE' }));
        out.push(...page);
        if (onPage?.(page)) return undefined;
      }
    } catch (err) {
      throw awsFailure(`${parentId} in ${this.organizationId}`, 'organizations:ListAccountsForParent', err, 'PRECONDITION');
    }
    return out;
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

  /**
   * ACTIVE accounts anywhere under `parentId`, nested OUs included, the management account never.
   * With `limit`, the listing stops once more than `limit` are found (OUs are walked side by side and
   * each checks before its next page, so the result holds a little more than `limit`): what it costs
   * then depends on the limit, not on how many accounts the OUs hold.
   */
  async activeAccountsUnder(parentId: string, limit = Infinity): Promise<string[]> {
    const found = new Set<string>();
    const take = (rows: AccountRow[]) => rows.forEach((a) => a.active && a.id !== this.managementAccountId && found.add(a.id));
    const full = () => found.size > limit;
    const walk = async (id: string): Promise<void> => {
      if (full()) return;
      const listing = this.accounts.get(id) ?? (limit === Infinity ? this.childAccounts(id) : this.listAccounts(id, (page) => (take(page), full())));
      const [accounts, ous] = await Promise.all([listing, this.childOus(id)]);
      if (accounts) {
        take(accounts);
        if (!this.accounts.has(id)) this.accounts.set(id, Promise.resolve(accounts));
      }
      await Promise.all(ous.map((ou) => walk(ou.id)));
    };
    await walk(parentId);
    return [...found].sort();
  }
}

/** Why a target group's accounts are listed: the stage that deploys to them, and the most accounts it could reach. */
export interface AccountNeed {
  /** `pipelines[0].stages[1]`, the stage with the lowest ceiling. */
  where: string;
  stage: string;
  kind: string;
  regions: number;
  ceiling: number;
}

/** Actions CodePipeline runs besides the deploy stages' own: Source and Build. */
const FIXED_ACTIONS = 2;

/**
 * The most accounts a stage could ever deploy to, or undefined for a stage that does not expand to
 * accounts. CodePipeline allows 500 actions per pipeline ("Quotas in AWS CodePipeline": "Maximum
 * number of actions per pipeline"), two of them Source and Build; a change-set stage takes two per
 * account and region (prepare, execute), a CodeDeploy, custom, CodeBuild or Lambda stage one. So a change-set stage
 * reaches at most 249 account-regions: a target holding more accounts can never fit, and listing it
 * further would only cost calls.
 */
export function stageCeiling(config: Config, stage: Stage): { kind: string; perAccountRegion: number; regions: number; ceiling: number } | undefined {
  // A stackset: stage reaches its OUs as a whole through one StackSet: it never expands to accounts.
  const kind = stage.cloudformation
    ? 'cloudformation'
    : stage.codedeploy
      ? 'codedeploy'
      : stage.custom
        ? 'custom'
        : stage.codebuild
          ? 'codebuild'
          : stage.lambda
            ? 'lambda'
            : undefined;
  if (!kind) return undefined;
  const perAccountRegion = kind === 'cloudformation' ? 2 : 1;
  const regions = stageRegions(config, stage).length;
  return { kind, perAccountRegion, regions, ceiling: Math.floor((CODEPIPELINE_LIMITS.maxActionsPerPipeline - FIXED_ACTIONS) / (perAccountRegion * regions)) };
}

/** Target groups whose accounts a pipeline stage deploys to: only these need their accounts listed, and only up to the ceiling. */
export function stageTargets(config: Config): Map<string, AccountNeed> {
  const out = new Map<string, AccountNeed>();
  config.pipelines.forEach((p, i) =>
    p.stages.forEach((s, j) => {
      const c = stageCeiling(config, s);
      const known = out.get(s.target);
      if (c && (!known || c.ceiling < known.ceiling))
        out.set(s.target, { where: `pipelines[${i}].stages[${j}]`, stage: `${p.name}/${s.name}`, kind: c.kind, regions: c.regions, ceiling: c.ceiling });
    }),
  );
  return out;
}

function tooManyAccounts(name: string, need: AccountNeed): ConfigError {
  const per = need.kind === 'cloudformation' ? 'two CodePipeline actions (prepare, execute)' : 'one CodePipeline action';
  return new ConfigError('pipelines', [
    {
      path: need.where,
      message:
        `stage "${need.stage}" deploys to target "${name}", which holds more than ${need.ceiling} ACTIVE accounts (listing stopped there); a ${need.kind} stage takes ${per} per account and region, ` +
        `here in ${need.regions} region${need.regions === 1 ? '' : 's'}, and CodePipeline allows ${CODEPIPELINE_LIMITS.maxActionsPerPipeline} actions per pipeline, Source and Build included ("Quotas in AWS CodePipeline"). ` +
        'For targets of this size use a stackset: stage (one action whatever the number of accounts, and accounts that join the OUs later are covered), or aim the stage at a smaller target.',
    },
  ]);
}

/**
 * An account named in targets.<name>.accounts, checked the way StackSets would take it: in the
 * organization, ACTIVE, not the management account ("CloudFormation doesn't deploy stack instances
 * to the organization management account", "DeploymentTargets - AWS CloudFormation"). Returns the OU
 * (or root) it sits in, through which its StackSet instance is aimed (AccountFilterType INTERSECTION).
 */
async function namedAccountOu(tree: OrgTree, account: string, where: string): Promise<string> {
  if (account === tree.managementAccountId) {
    throw new XacctError(
      'BAD_INPUT',
      `${where}: ${account} is the management account of ${tree.organizationId}; service-managed StackSets never deploy there ("DeploymentTargets - AWS CloudFormation")`,
    );
  }
  let parent: string;
  try {
    parent = await tree.parentOf(account);
  } catch (err) {
    if (isNamed(err, 'ChildNotFoundException', 'InvalidInputException'))
      throw new XacctError('BAD_INPUT', `${where}: account ${account} is not in ${tree.organizationId}: ${awsMessage(err)}`, { cause: err });
    throw awsFailure(`account ${account} in ${tree.organizationId}`, 'organizations:ListParents', err, 'PRECONDITION');
  }
  const state = (await tree.childAccounts(parent)).find((a) => a.id === account);
  if (state && !state.active)
    throw new XacctError(
      'BAD_INPUT',
      `${where}: account ${account} is not ACTIVE (suspended or closing); StackSets skip such accounts: remove it from the target`,
    );
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
    if (hit)
      throw new XacctError(
        'BAD_INPUT',
        `${where}: account ${account} is below ${hit}, an OU of target ${name}, so it gets xacct's roles from there already: remove it from accounts`,
      );
  }
}

/**
 * Every configured target group resolved: OU IDs in config order and org paths. ACTIVE accounts are
 * listed only for groups a per-account pipeline stage deploys to (StackSets target OUs, not
 * accounts), and only until they hold more than that stage could reach, so what resolving costs
 * never grows with the accounts of the OUs StackSets deploy to. Accounts a group names are checked
 * (in the organization, ACTIVE, not the management account, not below any target OU) and located in
 * their OU; they count among the group's accounts.
 */
export async function resolveTargets(
  config: Config,
  tree: OrgTree,
  withAccounts: Map<string, AccountNeed> = stageTargets(config),
): Promise<Record<string, ResolvedTarget>> {
  const out: Record<string, ResolvedTarget> = {};
  for (const [name, target] of Object.entries(config.targets)) {
    const resolved = await Promise.all(target.ous.map((ref, i) => tree.resolve(ref, `targets.${name}.ous[${i}]`)));
    const ouIds = [...new Set(resolved.map((r) => r.id))];
    const orgPaths = [...new Set(resolved.map((r) => `${tree.organizationId}/${r.idPath.join('/')}/*`))];
    const need = withAccounts.get(name);
    const accountLists = need ? await Promise.all(ouIds.map((id) => tree.activeAccountsUnder(id, need.ceiling))) : [];
    const accounts = [...new Set(accountLists.flat())].sort();
    if (need && accounts.length > need.ceiling) throw tooManyAccounts(name, need);
    out[name] = { ouIds, orgPaths, accounts };
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
    const need = withAccounts.get(name);
    if (need && out[name].accounts.length > need.ceiling) throw tooManyAccounts(name, need);
  }
  return out;
}
