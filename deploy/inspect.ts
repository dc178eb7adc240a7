/**
 * `xacct status`: per StackSet, its instances counted by status and detailed status per OU and
 * region, the failed ones with AWS's reasons, and the last operation; the central stacks' status.
 * With drift detection (DetectStackSetDrift, DetectStackDrift) it also lists the drifted accounts
 * and resources. Reads only, apart from starting drift detection, which changes no resource.
 */
import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  DetectStackSetDriftCommand,
  ListStackInstanceResourceDriftsCommand,
  ListStackInstancesCommand,
  ListStackSetOperationsCommand,
  StackInstanceSummary,
} from '@aws-sdk/client-cloudformation';
import type { Config } from '../templates-src/config';
import type { Clock } from './clock';
import { XacctError } from './errors';
import type { Io } from './io';
import { awsMessage, isNamed } from './aws-error';
import type { Activity } from './interrupt';
import { activeOperations, pollOperation, WaitOptions } from './operation';
import { CallAs, OrgTree, preflight } from './organizations';
import type { AwsClients } from './plan';
import { centralStacks, knownStackSets } from './inventory';
import { listInstances } from './stackset';
import { readStack } from './stack';
import { DEFAULT_POLL, pollUntil } from './poll';
import { progressView, ProgressView, waitOptions } from './progress';
import { isDrifted, isDriftDetectionDone, isInstanceFailed } from './status';

export interface DriftedResource {
  logicalId: string;
  type: string;
  physicalId: string;
  status: string;
  /** `PropertyPath: expected -> actual`. */
  differences: string[];
}

export interface InstanceGroup {
  ouId: string;
  ou?: string;
  region: string;
  total: number;
  /** `CURRENT/SUCCEEDED` -> count. */
  counts: Record<string, number>;
  failed: Array<{ account: string; status: string; detailedStatus: string; reason: string }>;
}

export interface StackSetStatus {
  name: string;
  exists: boolean;
  instances: number;
  byStatus: Record<string, number>;
  groups: InstanceGroup[];
  lastOperation?: { id: string; action: string; status: string; created?: string; ended?: string };
  runningOperations: string[];
  drift?: { operationId: string; status: string; checked: number; drifted: Array<{ account: string; region: string; resources: DriftedResource[] }> };
}

export interface StackStatus {
  name: string;
  region: string;
  exists: boolean;
  status?: string;
  reason?: string;
  terminationProtection?: boolean;
  drift?: { status: string; resources: DriftedResource[] };
}

export interface StatusReport {
  account: string;
  callAs: string;
  organizationId: string;
  stackSets: StackSetStatus[];
  stacks: StackStatus[];
}

export interface StatusDeps {
  clients: AwsClients;
  io: Io;
  clock: Clock;
  drift?: boolean;
  activity?: Activity;
  timeouts?: { operationMs?: number; initialDelayMs?: number; maxDelayMs?: number; progressEveryMs?: number };
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

export function groupInstances(instances: StackInstanceSummary[], names: Map<string, string>): InstanceGroup[] {
  const groups = new Map<string, InstanceGroup>();
  for (const i of instances) {
    const ouId = i.OrganizationalUnitId ?? '-';
    const region = i.Region ?? '?';
    const key = `${ouId}/${region}`;
    let g = groups.get(key);
    if (!g) {
      g = { ouId, ...(names.has(ouId) ? { ou: names.get(ouId) } : {}), region, total: 0, counts: {}, failed: [] };
      groups.set(key, g);
    }
    const detailed = i.StackInstanceStatus?.DetailedStatus ?? '';
    const label = detailed ? `${i.Status}/${detailed}` : `${i.Status}`;
    g.total++;
    g.counts[label] = (g.counts[label] ?? 0) + 1;
    if (isInstanceFailed(i.Status, detailed)) g.failed.push({ account: i.Account ?? '?', status: i.Status ?? '?', detailedStatus: detailed, reason: i.StatusReason ?? '(no reason given)' });
  }
  return [...groups.values()].sort((a, b) => (a.ou ?? a.ouId).localeCompare(b.ou ?? b.ouId) || a.region.localeCompare(b.region));
}

async function lastOperation(cfn: CloudFormationClient, name: string, callAs: CallAs): Promise<StackSetStatus['lastOperation']> {
  const page = await cfn.send(new ListStackSetOperationsCommand({ StackSetName: name, CallAs: callAs, MaxResults: 10 }));
  const newest = [...(page.Summaries ?? [])].sort((a, b) => (b.CreationTimestamp?.getTime() ?? 0) - (a.CreationTimestamp?.getTime() ?? 0))[0];
  if (!newest) return undefined;
  return { id: newest.OperationId ?? '?', action: newest.Action ?? '?', status: newest.Status ?? '?', created: newest.CreationTimestamp?.toISOString(), ended: newest.EndTimestamp?.toISOString() };
}

async function instanceDrifts(cfn: CloudFormationClient, name: string, callAs: CallAs, account: string, region: string, operationId: string): Promise<DriftedResource[]> {
  const out: DriftedResource[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(
      new ListStackInstanceResourceDriftsCommand({
        StackSetName: name,
        CallAs: callAs,
        StackInstanceAccount: account,
        StackInstanceRegion: region,
        OperationId: operationId,
        StackInstanceResourceDriftStatuses: ['MODIFIED', 'DELETED'],
        MaxResults: 100,
        NextToken: token,
      }),
    );
    for (const r of page.Summaries ?? []) out.push(driftedResource(r));
    token = page.NextToken;
  } while (token);
  return out;
}

/** Stack and stack-instance drift records share these fields. */
interface DriftRecord {
  LogicalResourceId?: string;
  ResourceType?: string;
  PhysicalResourceId?: string;
  StackResourceDriftStatus?: string;
  PropertyDifferences?: Array<{ PropertyPath?: string; ExpectedValue?: string; ActualValue?: string }>;
}

function driftedResource(r: DriftRecord): DriftedResource {
  return {
    logicalId: r.LogicalResourceId ?? '?',
    type: r.ResourceType ?? '?',
    physicalId: r.PhysicalResourceId ?? '?',
    status: r.StackResourceDriftStatus ?? '?',
    differences: (r.PropertyDifferences ?? []).map((d) => `${d.PropertyPath}: ${d.ExpectedValue} -> ${d.ActualValue}`),
  };
}

async function detectStackSetDrift(cfn: CloudFormationClient, name: string, callAs: CallAs, wait: WaitOptions): Promise<NonNullable<StackSetStatus['drift']>> {
  // One operation at a time per StackSet: drift detection waits for a running deploy like deploy does.
  for (const op of (await activeOperations(cfn, name, callAs)).active) await pollOperation(cfn, { stackSetName: name, operationId: op.OperationId ?? '', callAs }, wait);
  let operationId: string;
  try {
    const out = await cfn.send(
      new DetectStackSetDriftCommand({ StackSetName: name, CallAs: callAs, OperationPreferences: { MaxConcurrentPercentage: 100, FailureTolerancePercentage: 100, RegionConcurrencyType: 'PARALLEL' } }),
    );
    operationId = out.OperationId ?? '';
  } catch (err) {
    throw new XacctError('DEPLOY_FAILED', `StackSet '${name}': DetectStackSetDrift failed: ${awsMessage(err)}`, { cause: err });
  }
  const op = await pollOperation(cfn, { stackSetName: name, operationId, callAs }, wait);
  const drifted: NonNullable<StackSetStatus['drift']>['drifted'] = [];
  let checked = 0;
  let token: string | undefined;
  do {
    const page = await cfn.send(new ListStackInstancesCommand({ StackSetName: name, CallAs: callAs, MaxResults: 100, NextToken: token }));
    for (const i of page.Summaries ?? []) {
      checked++;
      if (!isDrifted(i.DriftStatus)) continue;
      drifted.push({ account: i.Account ?? '?', region: i.Region ?? '?', resources: await instanceDrifts(cfn, name, callAs, i.Account ?? '', i.Region ?? '', operationId) });
    }
    token = page.NextToken;
  } while (token);
  return { operationId, status: op.Status ?? '?', checked, drifted };
}

async function detectStackDrift(cfn: CloudFormationClient, stackName: string, o: { clock: Clock; timeoutMs?: number }): Promise<NonNullable<StackStatus['drift']>> {
  const id = (await cfn.send(new DetectStackDriftCommand({ StackName: stackName }))).StackDriftDetectionId ?? '';
  const done = await pollUntil(
    () => cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id })),
    (s) => isDriftDetectionDone(s.DetectionStatus),
    { clock: o.clock, timeoutMs: o.timeoutMs ?? 30 * 60 * 1000, initialDelayMs: DEFAULT_POLL.initialDelayMs, maxDelayMs: DEFAULT_POLL.maxDelayMs },
  );
  const resources: DriftedResource[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStackResourceDriftsCommand({ StackName: stackName, StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'], NextToken: token }));
    for (const r of page.StackResourceDrifts ?? []) resources.push(driftedResource(r));
    token = page.NextToken;
  } while (token);
  return { status: done.StackDriftStatus ?? (done.DetectionStatus === 'DETECTION_FAILED' ? `DETECTION_FAILED: ${done.DetectionStatusReason ?? ''}` : '?'), resources };
}

async function stackSetStatus(cfn: CloudFormationClient, name: string, callAs: CallAs, names: Map<string, string>, deps: StatusDeps, view: ProgressView): Promise<StackSetStatus> {
  let instances: StackInstanceSummary[];
  try {
    instances = await listInstances(cfn, name, callAs);
  } catch (err) {
    if (isNamed(err, 'StackSetNotFoundException')) return { name, exists: false, instances: 0, byStatus: {}, groups: [], runningOperations: [] };
    throw new XacctError('DEPLOY_FAILED', `StackSet '${name}': ListStackInstances failed: ${awsMessage(err)}`, { cause: err });
  }
  const byStatus: Record<string, number> = {};
  for (const i of instances) byStatus[i.Status ?? '?'] = (byStatus[i.Status ?? '?'] ?? 0) + 1;
  const running = (await activeOperations(cfn, name, callAs)).active.map((o) => o.OperationId ?? '');
  const status: StackSetStatus = { name, exists: true, instances: instances.length, byStatus, groups: groupInstances(instances, names), lastOperation: await lastOperation(cfn, name, callAs), runningOperations: running };
  if (deps.drift) {
    status.drift = await detectStackSetDrift(cfn, name, callAs, waitOptions(deps, view));
  }
  return status;
}

export async function runStatus(config: Config, deps: StatusDeps): Promise<StatusReport> {
  const home = deps.clients.cfn(config.homeRegion);
  const identity = await preflight({ sts: deps.clients.sts, org: deps.clients.org, cfn: home }, deps.io, { readOnly: true });
  const names = await ouNames(config, new OrgTree(deps.clients.org, identity.organizationId, identity.managementAccountId), deps.io);
  const stackSetNames = await knownStackSets(home, config, identity.callAs);
  const view = progressView(deps.io);
  try {
    const stackSets = await Promise.all(stackSetNames.map((name) => stackSetStatus(home, name, identity.callAs, names, deps, view)));
    const stacks: StackStatus[] = [];
    for (const { name, region } of centralStacks(config)) {
      const cfn = deps.clients.cfn(region);
      const state = await readStack(cfn, name, region);
      if (!state.exists) {
        stacks.push({ name, region, exists: false });
        continue;
      }
      const s: StackStatus = { name, region, exists: true, status: state.status, ...(state.reason ? { reason: state.reason } : {}), terminationProtection: state.terminationProtection };
      if (deps.drift) {
        view.note(`stack ${name} (${region}): detecting drift`);
        s.drift = await detectStackDrift(cfn, name, { clock: deps.clock });
      }
      stacks.push(s);
    }
    const report: StatusReport = { account: identity.accountId, callAs: identity.callAs, organizationId: identity.organizationId, stackSets, stacks };
    deps.io.result(renderStatus(report), report);
    return report;
  } finally {
    view.done();
  }
}

function countsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

function renderDrifted(resources: DriftedResource[], by: string): string[] {
  const out: string[] = [];
  for (const r of resources) {
    out.push(`${by}${r.status} ${r.type} ${r.logicalId} (${r.physicalId})`);
    for (const d of r.differences) out.push(`${by}  ${d}`);
  }
  return out;
}

export function renderStatus(r: StatusReport): string {
  const lines = [`status for account ${r.account} (StackSets as ${r.callAs}) in ${r.organizationId}`, ''];
  for (const s of r.stackSets) {
    if (!s.exists) {
      lines.push(`StackSet ${s.name}: not deployed`);
      continue;
    }
    lines.push(`StackSet ${s.name}: ${s.instances} instance${s.instances === 1 ? '' : 's'}${s.instances > 0 ? ` (${countsText(s.byStatus)})` : ''}`);
    for (const g of s.groups) {
      lines.push(`  ${g.ou ? `${g.ou} (${g.ouId})` : g.ouId} ${g.region}: ${countsText(g.counts)}`);
      for (const f of g.failed) lines.push(`    ${f.account} ${f.status}/${f.detailedStatus}: ${f.reason}`);
    }
    if (s.lastOperation) lines.push(`  last operation: ${s.lastOperation.action} ${s.lastOperation.id} ${s.lastOperation.status}${s.lastOperation.ended ? ` at ${s.lastOperation.ended}` : ''}`);
    for (const id of s.runningOperations) lines.push(`  running: ${id}`);
    if (s.drift) {
      lines.push(`  drift (operation ${s.drift.operationId} ${s.drift.status}): ${s.drift.drifted.length} of ${s.drift.checked} instances drifted`);
      for (const d of s.drift.drifted) {
        lines.push(`    ${d.account} ${d.region}:`);
        lines.push(...renderDrifted(d.resources, '      '));
      }
    }
  }
  for (const s of r.stacks) {
    if (!s.exists) {
      lines.push(`stack ${s.name} (${s.region}): not deployed`);
      continue;
    }
    lines.push(`stack ${s.name} (${s.region}): ${s.status}${s.reason ? ` (${s.reason})` : ''}, termination protection ${s.terminationProtection ? 'on' : 'off'}`);
    if (s.drift) {
      lines.push(`  drift: ${s.drift.status}${s.drift.resources.length > 0 ? `, ${s.drift.resources.length} resource${s.drift.resources.length === 1 ? '' : 's'}` : ''}`);
      lines.push(...renderDrifted(s.drift.resources, '    '));
    }
  }
  return lines.join('\n');
}
