/**
 * Where a template lands, as one strategy per placement: what it deploys as (stack or StackSet,
 * and its name), in which regions, for which accounts, and with which auto-deployment. The
 * deployer, the manifest, the dist README, `status` and `destroy` all ask this module, so a name
 * is made in one place (with names.ts) and means the same thing everywhere.
 */
import type { Config } from './config';
import type { Placement, TemplateEntry } from './index';
import { names } from './names';
import { hasTargetOus, namedTargetAccounts } from './targets';

export interface AutoDeployment {
  enabled: boolean;
  retainStacksOnAccountRemoval: boolean;
}

/** One stack (central) or one StackSet (target, source) that an entry deploys as. */
export interface Deployment {
  /** Stack or StackSet name. */
  name: string;
  /** Central: the region of the stack. StackSets: the region they are administered from (home). */
  region: string;
  /** Source StackSets: the single account it targets, and that instance's Parameter values. */
  account?: string;
  parameters?: Record<string, string>;
  /**
   * StackSets aimed at single accounts (each reached through its OU with an INTERSECTION filter)
   * rather than at whole OUs: the accounts named in targets.
   */
  accounts?: string[];
  /** StackSets: whether accounts joining a targeted OU get instances automatically. */
  autoDeployment?: AutoDeployment;
}

export interface PlacementStrategy {
  placement: Placement;
  /** `CI account`, `every target account`, `source account`. */
  text: string;
  kind: 'stack' | 'stackset';
  deployments(entry: TemplateEntry, config: Config): Deployment[];
  /**
   * StackSets: whether accounts joining a target OU get instances automatically. Target roles do;
   * source StackSets do not: auto-deployment acts on whole OUs and would put the source role into
   * every account that later joins the source account's OU.
   */
  autoDeployment(config: Config): AutoDeployment | undefined;
}

const NO_AUTO_DEPLOYMENT: AutoDeployment = { enabled: false, retainStacksOnAccountRemoval: false };

const central: PlacementStrategy = {
  placement: 'central',
  text: 'CI account',
  kind: 'stack',
  deployments: (entry, config) =>
    (entry.regions ? entry.regions(config) : [config.homeRegion]).map((region) => ({
      name: names.centralStack(config.prefix, entry.name, entry.regions ? region : undefined),
      region,
    })),
  autoDeployment: () => undefined,
};

/**
 * Target templates: one StackSet for the target OUs (auto-deployment on, so accounts joining them get
 * the roles) and, when targets name single accounts, a second one for those accounts with
 * auto-deployment off: "Automatic deployments do not consider account level targeting filters. If
 * you target specific accounts and enable automatic deployments, your StackSet will continue to
 * deploy to any newly added accounts" (User Guide, "Enable or disable automatic deployments for
 * StackSets in AWS Organizations"), so the OU StackSet could not carry them without spreading to
 * their whole OUs.
 */
const target: PlacementStrategy = {
  placement: 'target',
  text: 'every target account',
  kind: 'stackset',
  deployments: (entry, config) => {
    const out: Deployment[] = [];
    const region = config.homeRegion;
    if (hasTargetOus(config)) out.push({ name: names.stackSet(config.prefix, entry.name), region, autoDeployment: target.autoDeployment(config) });
    const accounts = namedTargetAccounts(config);
    if (accounts.length > 0) out.push({ name: names.accountsStackSet(config.prefix, entry.name), region, accounts, autoDeployment: NO_AUTO_DEPLOYMENT });
    return out;
  },
  autoDeployment: (config) => ({ enabled: true, retainStacksOnAccountRemoval: config.rollout.retainStacksOnAccountRemoval }),
};

const source: PlacementStrategy = {
  placement: 'source',
  text: 'source account',
  kind: 'stackset',
  deployments: (entry, config) =>
    (entry.instances?.(config) ?? []).map((i) => ({
      name: names.sourceStackSet(config.prefix, entry.name, i.suffix),
      region: config.homeRegion,
      account: i.account,
      parameters: i.parameters,
      autoDeployment: NO_AUTO_DEPLOYMENT,
    })),
  autoDeployment: () => NO_AUTO_DEPLOYMENT,
};

export const placements: Record<Placement, PlacementStrategy> = { central, target, source };

export function strategyOf(entry: TemplateEntry): PlacementStrategy {
  return placements[entry.placement];
}

/** Every stack and StackSet an entry deploys as for this config. */
export function deploymentsOf(entry: TemplateEntry, config: Config): Deployment[] {
  return strategyOf(entry).deployments(entry, config);
}

/** The Description xacct gives a StackSet (what `plan` compares; the dist README's commands set the same). */
export function stackSetDescription(prefix: string, entry: Pick<TemplateEntry, 'summary'>): string {
  return `xacct ${prefix}: ${entry.summary}`;
}

/** The single accounts a StackSet deployment is aimed at (source and account StackSets), or undefined for one aimed at whole OUs. */
export function accountsOf(d: Deployment): string[] | undefined {
  return d.accounts ?? (d.account ? [d.account] : undefined);
}
