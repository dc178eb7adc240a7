/**
 * Where a template lands, as one strategy per placement: what it deploys as (stack or StackSet,
 * and its name), in which regions, for which accounts, and with which auto-deployment. The
 * deployer, the manifest, the dist README, `status` and `destroy` all ask this module, so a name
 * is made in one place (with names.ts) and means the same thing everywhere.
 */
import type { Config } from './config';
import type { Placement, TemplateEntry } from './index';
import { names } from './names';

/** One stack (central) or one StackSet (target, source) that an entry deploys as. */
export interface Deployment {
  /** Stack or StackSet name. */
  name: string;
  /** Central: the region of the stack. StackSets: the region they are administered from (home). */
  region: string;
  /** Source StackSets: the single account it targets, and that instance's Parameter values. */
  account?: string;
  parameters?: Record<string, string>;
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
  autoDeployment(config: Config): { enabled: boolean; retainStacksOnAccountRemoval: boolean } | undefined;
}

const central: PlacementStrategy = {
  placement: 'central',
  text: 'CI account',
  kind: 'stack',
  deployments: (entry, config) =>
    (entry.regions ? entry.regions(config) : [config.homeRegion]).map((region) => ({ name: names.centralStack(config.prefix, entry.name, entry.regions ? region : undefined), region })),
  autoDeployment: () => undefined,
};

const target: PlacementStrategy = {
  placement: 'target',
  text: 'every target account',
  kind: 'stackset',
  deployments: (entry, config) => [{ name: names.stackSet(config.prefix, entry.name), region: config.homeRegion }],
  autoDeployment: (config) => ({ enabled: true, retainStacksOnAccountRemoval: config.rollout.retainStacksOnAccountRemoval }),
};

const source: PlacementStrategy = {
  placement: 'source',
  text: 'source account',
  kind: 'stackset',
  deployments: (entry, config) =>
    (entry.instances?.(config) ?? []).map((i) => ({ name: names.sourceStackSet(config.prefix, entry.name, i.suffix), region: config.homeRegion, account: i.account, parameters: i.parameters })),
  autoDeployment: () => ({ enabled: false, retainStacksOnAccountRemoval: false }),
};

export const placements: Record<Placement, PlacementStrategy> = { central, target, source };

export function strategyOf(entry: TemplateEntry): PlacementStrategy {
  return placements[entry.placement];
}

/** Every stack and StackSet an entry deploys as for this config. */
export function deploymentsOf(entry: TemplateEntry, config: Config): Deployment[] {
  return strategyOf(entry).deployments(entry, config);
}
