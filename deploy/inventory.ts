/**
 * What xacct has deployed in an organization, found in AWS rather than derived from the config:
 * StackSets and stacks carrying the tag `xacct:prefix` = prefix. Comparing it with what the config
 * deploys gives what is no longer in the config (a dropped automation role, a removed pipeline
 * region, a source account no pipeline reads any more), which `plan` shows, `deploy` removes after
 * confirmation, and `status` and `destroy` see.
 *
 * Regions searched for stacks: the home region, the config's regions, and every region where the CI
 * account holds an xacct artifact bucket (S3 ListBuckets is global, and each regional store makes
 * one; the buckets outlive their stacks, so a removed region is still found).
 */
import { CloudFormationClient, DescribeStackSetCommand, paginateListStackSets } from '@aws-sdk/client-cloudformation';
import { paginateListBuckets } from '@aws-sdk/client-s3';
import type { Config } from '../templates-src/config';
import { enabledTemplates, registry } from '../templates-src/index';
import { names, PREFIX_TAG } from '../templates-src/names';
import { deploymentsOf } from '../templates-src/placement';
import type { AwsClients } from './deps';
import { call } from './errors';
import { isNamed } from './aws-error';
import type { CallAs, Identity } from './preflight';
import { taggedStacks, tagsOf } from './stack/read';

export interface InventoryStack {
  name: string;
  region: string;
  stackId: string;
  status: string;
}

export interface Inventory {
  /** xacct StackSets of this prefix administered from this account. */
  stackSets: string[];
  /** xacct stacks of this prefix in the CI account, every region searched. */
  stacks: InventoryStack[];
  /** Regions searched for stacks. */
  regions: string[];
}

/** StackSet names this config deploys: the role and source StackSets, and those its stackset: stages roll out. */
export function configuredStackSets(config: Config): string[] {
  const stages = config.pipelines.flatMap((p) => p.stages.filter((s) => s.stackset).map((s) => names.stageStackSet(config.prefix, p.name, s.name)));
  return [
    ...enabledTemplates(config)
      .filter((e) => e.placement !== 'central')
      .flatMap((e) => deploymentsOf(e, config).map((d) => d.name)),
    ...stages,
  ];
}

/** Central stacks this config deploys, in deploy order. */
export function configuredStacks(config: Config): Array<{ name: string; region: string }> {
  return enabledTemplates(config)
    .filter((e) => e.placement === 'central')
    .flatMap((e) => deploymentsOf(e, config).map((d) => ({ name: d.name, region: d.region })));
}

/** A name xacct would give a StackSet with this prefix (any registry entry, enabled or not): StackSets made before they were tagged. */
export function isXacctStackSetName(prefix: string, name: string): boolean {
  return registry.some((e) => {
    if (e.placement === 'central') return false;
    const base = names.stackSet(prefix, e.name);
    if (e.placement === 'target' && name === names.accountsStackSet(prefix, e.name)) return true;
    return name === base || (e.placement === 'source' && name.startsWith(`${base}-`));
  });
}

/**
 * Source StackSets no longer in the config, while the config deploys others: deploy removes these
 * before the source StackSets, since both create the fixed-name `<prefix>-source-access` and
 * `<prefix>-source-events` roles, and IAM names are unique within an account ("CreateRole": "IAM
 * user, group, role, and policy names must be unique within the account"). Source StackSets made
 * one per pipeline (`<prefix>-codecommit-source-<pipeline>`) are replaced by one per account this way.
 */
export function removedBeforeSources(stackSets: string[], config: Config): string[] {
  const sources = registry.filter((e) => e.placement === 'source');
  if (!sources.some((e) => e.enabled(config))) return [];
  return stackSets.filter((n) => sources.some((e) => n.startsWith(`${names.stackSet(config.prefix, e.name)}-`)));
}

async function stackSetTagged(cfn: CloudFormationClient, name: string, callAs: CallAs, prefix: string): Promise<boolean> {
  try {
    const s = (await cfn.send(new DescribeStackSetCommand({ StackSetName: name, CallAs: callAs }))).StackSet;
    const tag = tagsOf(s)[PREFIX_TAG];
    return tag === prefix || (tag === undefined && isXacctStackSetName(prefix, name));
  } catch (err) {
    if (isNamed(err, 'StackSetNotFoundException')) return false;
    throw err;
  }
}

/** ACTIVE StackSets named `<prefix>-...` whose tag says they are this prefix's (or untagged with an xacct name). */
export async function inventoryStackSets(cfn: CloudFormationClient, prefix: string, callAs: CallAs): Promise<string[]> {
  const candidates: string[] = [];
  await call('StackSets', 'ListStackSets', async () => {
    for await (const page of paginateListStackSets({ client: cfn, pageSize: 100 }, { Status: 'ACTIVE', CallAs: callAs })) {
      for (const s of page.Summaries ?? []) if (s.StackSetName?.startsWith(`${prefix}-`)) candidates.push(s.StackSetName);
    }
  });
  const tagged = await Promise.all(
    candidates.map(async (name) =>
      (await call(`StackSet '${name}'`, 'DescribeStackSet', () => stackSetTagged(cfn, name, callAs, prefix))) ? name : undefined,
    ),
  );
  return tagged.filter((n): n is string => n !== undefined).sort();
}

/** Regions of the CI account's xacct artifact buckets (`<prefix>-artifacts-<account>-<region>`). */
export async function bucketRegions(clients: AwsClients, prefix: string, ciAccountId: string, home: string): Promise<string[]> {
  const start = `${prefix}-artifacts-${ciAccountId}-`;
  const out: string[] = [];
  await call('S3 buckets', 's3:ListBuckets', async () => {
    for await (const page of paginateListBuckets({ client: clients.s3(home) }, {})) {
      for (const b of page.Buckets ?? []) if (b.Name?.startsWith(start)) out.push(b.Name.slice(start.length));
    }
  });
  return out;
}

export async function readInventory(clients: AwsClients, config: Config, identity: Identity, extraRegions: string[] = []): Promise<Inventory> {
  const home = config.homeRegion;
  const fromBuckets = await bucketRegions(clients, config.prefix, identity.accountId, home);
  const regions = [...new Set([home, ...configuredStacks(config).map((s) => s.region), ...extraRegions, ...fromBuckets])].sort();
  const [stackSets, stacks] = await Promise.all([
    inventoryStackSets(clients.cfn(home), config.prefix, identity.callAs),
    Promise.all(
      regions.map(async (region) =>
        (await taggedStacks(clients.cfn(region), region, PREFIX_TAG, config.prefix)).map((s) => ({
          name: s.StackName ?? '',
          region,
          stackId: s.StackId ?? '',
          status: s.StackStatus ?? '',
        })),
      ),
    ),
  ]);
  return { stackSets, stacks: stacks.flat(), regions };
}

/** What the inventory holds that the config no longer deploys. */
export function orphans(inventory: Inventory, config: Config): { stackSets: string[]; stacks: InventoryStack[] } {
  const wantedSets = new Set(configuredStackSets(config));
  const wantedStacks = new Set(configuredStacks(config).map((s) => `${s.region}/${s.name}`));
  return {
    stackSets: inventory.stackSets.filter((n) => !wantedSets.has(n)),
    stacks: inventory.stacks.filter((s) => !wantedStacks.has(`${s.region}/${s.name}`)),
  };
}
