/**
 * What xacct owns in an organization, by name: the StackSets and central stacks a config deploys,
 * plus xacct StackSets found by listing (left by an earlier config, e.g. a source account since
 * removed). Used by status and destroy, which must not depend on the config's OUs still resolving.
 */
import { CloudFormationClient, ListStackSetsCommand } from '@aws-sdk/client-cloudformation';
import type { Config } from '../templates-src/config';
import { enabledTemplates, registry } from '../templates-src/index';
import { names } from '../templates-src/names';
import type { CallAs } from './organizations';
import { centralStackName } from './plan';

/** StackSet names this config deploys: target templates, then one per source instance. */
export function configuredStackSets(config: Config): string[] {
  const out: string[] = [];
  for (const entry of enabledTemplates(config)) {
    if (entry.placement === 'target') out.push(names.stackSet(config.prefix, entry.name));
    if (entry.placement === 'source') {
      const base = names.stackSet(config.prefix, entry.name);
      if (entry.instances) for (const i of entry.instances(config)) out.push(`${base}-${i.suffix}`);
      else out.push(base);
    }
  }
  return out;
}

/** Whether a StackSet name is one xacct would make with this prefix (any registry entry, enabled or not). */
export function isXacctStackSet(prefix: string, name: string): boolean {
  return registry.some((e) => {
    if (e.placement === 'central') return false;
    const base = names.stackSet(prefix, e.name);
    return name === base || (e.placement === 'source' && name.startsWith(`${base}-`));
  });
}

/** Configured StackSets first, then any other ACTIVE xacct StackSet the account administers. */
export async function knownStackSets(cfn: CloudFormationClient, config: Config, callAs: CallAs): Promise<string[]> {
  const out = configuredStackSets(config);
  let token: string | undefined;
  do {
    const page = await cfn.send(new ListStackSetsCommand({ Status: 'ACTIVE', CallAs: callAs, MaxResults: 100, NextToken: token }));
    for (const s of page.Summaries ?? []) {
      const name = s.StackSetName ?? '';
      if (isXacctStackSet(config.prefix, name) && !out.includes(name)) out.push(name);
    }
    token = page.NextToken;
  } while (token);
  return out;
}

/** Central stacks in deploy order (key, regional stores, buckets, pipeline). */
export function centralStacks(config: Config): Array<{ name: string; region: string }> {
  return enabledTemplates(config)
    .filter((e) => e.placement === 'central')
    .flatMap((entry) => (entry.regions ? entry.regions(config) : [config.homeRegion]).map((region) => ({ name: centralStackName(config.prefix, entry, region), region })));
}
