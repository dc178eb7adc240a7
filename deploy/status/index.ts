/**
 * `xacct status`: per StackSet, its instances counted by status and detailed status per OU and
 * region, the failed ones with AWS's reasons, and the last operation; the central stacks' status;
 * what xacct deployed that the config no longer holds. With `drift`, drift detection on every
 * StackSet and stack. Reads only, apart from starting drift detection, which changes no resource.
 */
import { CloudFormationClient, paginateListStackSetOperations, StackSetOperationSummary } from '@aws-sdk/client-cloudformation';
import type { Config } from '../../templates-src/config';
import type { CommandDeps } from '../deps';
import { call } from '../errors';
import type { Io } from '../io';
import { configuredStackSets, configuredStacks, readInventory } from '../inventory';
import { OrgTree, resolveTargets, stageTargets } from '../org-tree';
import { StageMembership, stageMembership } from '../membership';
import { names } from '../../templates-src/names';
import { preflight } from '../preflight';
import { progressView, ProgressView, stackSetOptions } from '../progress';
import { readStackSet } from '../stackset/read';
import type { InstanceInfo } from '../stackset/spec';
import { readStack } from '../stack/read';
import { isInstanceFailed, isOperationActive } from '../statuses';
import { detectStackDrift, detectStackSetDrift } from './drift';
import type { InstanceGroup, StackSetStatus, StackStatus, StatusReport } from './model';
import { renderStatus } from './render';

export type { StatusReport, StackSetStatus, StackStatus, InstanceGroup } from './model';
export { renderStatus } from './render';

export interface StatusDeps extends CommandDeps {
  drift?: boolean;
}

/** OU ID -> the config's name for it; empty when the config's OUs no longer resolve (status still works). */
async function ouNames(config: Config, tree: OrgTree, io: Io): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    for (const [name, t] of Object.entries(config.targets)) {
      for (const [i, ref] of t.ous.entries()) {
        const { id } = await tree.resolve(ref, `targets.${name}.ous[${i}]`);
        if (!out.has(id)) out.set(id, ref);
      }
    }
  } catch (err) {
    io.debug(`OU names unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  return out;
}

export function groupInstances(instances: InstanceInfo[], names: Map<string, string>): InstanceGroup[] {
  const groups = new Map<string, InstanceGroup>();
  for (const i of instances) {
    const ouId = i.ouId ?? '-';
    const key = `${ouId}/${i.region}`;
    let g = groups.get(key);
    if (!g) {
      g = { ouId, ...(names.has(ouId) ? { ou: names.get(ouId) } : {}), region: i.region, total: 0, counts: {}, failed: [], instances: [] };
      groups.set(key, g);
    }
    const detailed = i.detailedStatus ?? '';
    const label = detailed ? `${i.status}/${detailed}` : `${i.status}`;
    g.total++;
    g.counts[label] = (g.counts[label] ?? 0) + 1;
    if (isInstanceFailed(i.status, detailed))
      g.failed.push({ account: i.account, status: i.status ?? '?', detailedStatus: detailed, reason: i.reason ?? '(no reason given)' });
    g.instances!.push({
      account: i.account,
      status: i.status ?? '?',
      ...(detailed ? { detailedStatus: detailed } : {}),
      ...(i.reason ? { reason: i.reason } : {}),
      ...(i.driftStatus ? { driftStatus: i.driftStatus } : {}),
    });
  }
  for (const g of groups.values()) g.instances!.sort((a, b) => a.account.localeCompare(b.account));
  return [...groups.values()].sort((a, b) => (a.ou ?? a.ouId).localeCompare(b.ou ?? b.ouId) || a.region.localeCompare(b.region));
}

/** Every operation of the StackSet (no order is documented, so all pages are read and sorted here). */
async function operations(cfn: CloudFormationClient, name: string, callAs: StatusReport['callAs']): Promise<StackSetOperationSummary[]> {
  const all: StackSetOperationSummary[] = [];
  await call(`StackSet '${name}'`, 'ListStackSetOperations', async () => {
    for await (const page of paginateListStackSetOperations(
      { client: cfn, pageSize: 100 },
      { StackSetName: name, CallAs: callAs as 'SELF' | 'DELEGATED_ADMIN' },
    ))
      all.push(...(page.Summaries ?? []));
  });
  return all.sort((a, b) => (b.CreationTimestamp?.getTime() ?? 0) - (a.CreationTimestamp?.getTime() ?? 0));
}

async function stackSetStatus(
  cfn: CloudFormationClient,
  name: string,
  names: Map<string, string>,
  deps: StatusDeps,
  view: ProgressView,
  callAs: 'SELF' | 'DELEGATED_ADMIN',
): Promise<StackSetStatus> {
  // Drift first when asked: the instances listed afterwards carry its verdict.
  const drift =
    deps.drift && (await readStackSet(cfn, name, callAs, { instances: 'problems' })).exists
      ? await detectStackSetDrift(cfn, name, stackSetOptions(deps, view, callAs))
      : undefined;
  const state = await readStackSet(cfn, name, callAs, { instances: 'all' });
  if (!state.exists) return { name, exists: false, instances: 0, byStatus: {}, groups: [], runningOperations: [] };
  const instances = state.instances;
  const ops = await operations(cfn, name, callAs);
  const byStatus: Record<string, number> = {};
  for (const i of instances) byStatus[i.status ?? '?'] = (byStatus[i.status ?? '?'] ?? 0) + 1;
  const newest = ops[0];
  const status: StackSetStatus = {
    name,
    exists: true,
    instances: instances.length,
    byStatus,
    groups: groupInstances(instances, names),
    ...(newest
      ? {
          lastOperation: {
            id: newest.OperationId ?? '?',
            action: newest.Action ?? '?',
            status: newest.Status ?? '?',
            created: newest.CreationTimestamp?.toISOString(),
            ended: newest.EndTimestamp?.toISOString(),
          },
        }
      : {}),
    runningOperations: ops.filter((o) => isOperationActive(o.Status)).map((o) => o.OperationId ?? ''),
  };
  if (drift) status.drift = drift;
  return status;
}

async function stackStatus(deps: StatusDeps, view: ProgressView, s: { name: string; region: string }, bodies: Map<string, string>): Promise<StackStatus> {
  const cfn = deps.clients.cfn(s.region);
  const state = await readStack(cfn, s.name, s.region);
  if (!state.exists) return { name: s.name, region: s.region, exists: false };
  bodies.set(`${s.region}/${s.name}`, state.templateBody);
  const out: StackStatus = {
    name: s.name,
    region: s.region,
    exists: true,
    status: state.status,
    ...(state.reason ? { reason: state.reason } : {}),
    terminationProtection: state.terminationProtection,
  };
  if (deps.drift) {
    view.note(`stack ${s.name} (${s.region}): detecting drift`);
    out.drift = await detectStackDrift(cfn, s.name, s.region, { clock: deps.clock, timeoutMs: deps.timeouts?.stackMs });
  }
  return out;
}

/** Accounts that joined or left the per-account stages' targets since the deployed pipeline; empty when the OUs no longer resolve. */
async function membershipNow(config: Config, pipelineBody: string, tree: OrgTree, io: Io): Promise<StageMembership[]> {
  if (stageTargets(config).size === 0) return [];
  try {
    return stageMembership(config, pipelineBody, await resolveTargets(config, tree));
  } catch (err) {
    io.debug(`membership unavailable: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  }
}

export async function runStatus(config: Config, deps: StatusDeps): Promise<StatusReport> {
  const home = deps.clients.cfn(config.homeRegion);
  const identity = await preflight({ sts: deps.clients.sts, org: deps.clients.org, cfn: home }, deps.io, { readOnly: true });
  const tree = new OrgTree(deps.clients.org, identity.organizationId, identity.managementAccountId);
  const ouNamesById = await ouNames(config, tree, deps.io);
  const inventory = await readInventory(deps.clients, config, identity);
  const wantedSets = configuredStackSets(config);
  const wantedStacks = configuredStacks(config);
  const setNames = [...new Set([...wantedSets, ...inventory.stackSets])];
  const stackList = [...wantedStacks, ...inventory.stacks.filter((s) => !wantedStacks.some((w) => w.name === s.name && w.region === s.region))];
  const view = progressView(deps.io);
  try {
    const stackSets = await Promise.all(setNames.map((name) => stackSetStatus(home, name, ouNamesById, deps, view, identity.callAs)));
    for (const s of stackSets) if (!wantedSets.includes(s.name)) s.orphaned = true;
    const stacks: StackStatus[] = [];
    const bodies = new Map<string, string>();
    for (const s of stackList) {
      const st = await stackStatus(deps, view, s, bodies);
      if (!wantedStacks.some((w) => w.name === s.name && w.region === s.region)) st.orphaned = true;
      stacks.push(st);
    }
    const pipeline = bodies.get(`${config.homeRegion}/${names.centralStack(config.prefix, 'pipeline')}`);
    const membership = pipeline ? await membershipNow(config, pipeline, tree, deps.io) : [];
    const report: StatusReport = {
      account: identity.accountId,
      callAs: identity.callAs,
      organizationId: identity.organizationId,
      stackSets,
      stacks,
      ...(membership.length > 0 ? { membership } : {}),
    };
    deps.io.result(renderStatus(report), report);
    return report;
  } finally {
    view.done();
  }
}
