/**
 * Reading a StackSet: its definition (DescribeStackSet, strongly consistent), its instances, and its
 * operations. Every list goes through the SDK's paginators.
 */
import {
  CloudFormationClient,
  DescribeStackSetCommand,
  paginateListStackInstances,
  paginateListStackSetOperations,
  StackInstanceFilter,
  StackInstanceSummary,
  StackSetOperationSummary,
} from '@aws-sdk/client-cloudformation';
import { awsFailure, call, XacctError } from '../errors';
import { isNamed } from '../aws-error';
import type { CallAs } from '../preflight';
import { isOperationActive } from '../statuses';
import type { ExistingStackSet, InstanceInfo, StackSetState } from './spec';

/**
 * Detailed statuses of instances that are not CURRENT and healthy: what a plan needs to see
 * (OUTDATED after a failure or cancellation, INOPERABLE after a failed delete, suspended accounts).
 * StackInstanceFilter takes one value per filter, and filters of one name do not combine into an
 * "or" anywhere in the API reference ("StackInstanceFilter - AWS CloudFormation"), so each status is
 * its own listing: a handful of calls, each normally one empty page, whatever the organization's size.
 */
export const PROBLEM_STATUSES = ['FAILED', 'CANCELLED', 'INOPERABLE', 'SKIPPED_SUSPENDED_ACCOUNT'] as const;

export function instanceInfo(i: StackInstanceSummary): InstanceInfo {
  return {
    account: i.Account ?? '',
    region: i.Region ?? '',
    ouId: i.OrganizationalUnitId,
    status: i.Status,
    detailedStatus: i.StackInstanceStatus?.DetailedStatus,
    reason: i.StatusReason,
    lastOperationId: i.LastOperationId,
    driftStatus: i.DriftStatus,
  };
}

/** Every instance (optionally filtered), every page followed. */
export async function listInstances(cfn: CloudFormationClient, name: string, callAs: CallAs, filters?: StackInstanceFilter[]): Promise<StackInstanceSummary[]> {
  const out: StackInstanceSummary[] = [];
  const pages = paginateListStackInstances({ client: cfn, pageSize: 100 }, { StackSetName: name, CallAs: callAs, ...(filters ? { Filters: filters } : {}) });
  for await (const page of pages) out.push(...(page.Summaries ?? []));
  return out;
}

/** Instances whose detailed status is one of PROBLEM_STATUSES. */
export async function problemInstances(cfn: CloudFormationClient, name: string, callAs: CallAs): Promise<InstanceInfo[]> {
  const lists = await Promise.all(PROBLEM_STATUSES.map((status) => listInstances(cfn, name, callAs, [{ Name: 'DETAILED_STATUS', Values: status }])));
  const seen = new Map<string, InstanceInfo>();
  for (const i of lists.flat().map(instanceInfo)) seen.set(`${i.account}/${i.region}`, i);
  return [...seen.values()].sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
}

export interface ReadOptions {
  /** `all`: list every instance (StackSets aimed at single accounts, destroy); `problems`: only those not CURRENT. */
  instances: 'all' | 'problems';
}

export async function readStackSet(
  cfn: CloudFormationClient,
  name: string,
  callAs: CallAs,
  o: ReadOptions = { instances: 'problems' },
): Promise<StackSetState> {
  let s;
  try {
    s = (await cfn.send(new DescribeStackSetCommand({ StackSetName: name, CallAs: callAs }))).StackSet;
  } catch (err) {
    if (isNamed(err, 'StackSetNotFoundException')) return { exists: false, name };
    throw awsFailure(`StackSet '${name}'`, 'DescribeStackSet', err);
  }
  if (!s || s.Status === 'DELETED') return { exists: false, name };
  if (s.PermissionModel && s.PermissionModel !== 'SERVICE_MANAGED') {
    throw new XacctError(
      'PRECONDITION',
      `StackSet '${name}' exists with permission model ${s.PermissionModel}; xacct manages only SERVICE_MANAGED StackSets. Delete or rename it first.`,
    );
  }
  const instances =
    o.instances === 'all'
      ? (await call(`StackSet '${name}'`, 'ListStackInstances', () => listInstances(cfn, name, callAs))).map(instanceInfo)
      : await call(`StackSet '${name}'`, 'ListStackInstances', () => problemInstances(cfn, name, callAs));
  const state: ExistingStackSet = {
    exists: true,
    name,
    templateBody: s.TemplateBody ?? '',
    description: s.Description ?? '',
    parameters: Object.fromEntries((s.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? ''])),
    capabilities: [...(s.Capabilities ?? [])].sort(),
    autoDeployment: { enabled: s.AutoDeployment?.Enabled ?? false, retainStacksOnAccountRemoval: s.AutoDeployment?.RetainStacksOnAccountRemoval ?? false },
    managedExecution: s.ManagedExecution?.Active ?? false,
    ouIds: [...(s.OrganizationalUnitIds ?? [])].sort(),
    // "Returns a list of all ... Regions the given StackSet has stack instances deployed in" (API reference, StackSet).
    regions: [...(s.Regions ?? [])].sort(),
    tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    instances,
    complete: o.instances === 'all',
  };
  return state;
}

/**
 * Operations of a StackSet that have not finished (RUNNING, QUEUED, STOPPING), oldest first.
 * ListStackSetOperations documents no order and reads eventually consistently ("ListStackSetOperations
 * - AWS CloudFormation"), so every page is read and sorted here; an operation started a moment ago
 * may be missing, which callers handle (OperationInProgressException, or a queued start).
 */
export async function activeOperations(cfn: CloudFormationClient, name: string, callAs: CallAs): Promise<StackSetOperationSummary[]> {
  const all: StackSetOperationSummary[] = [];
  try {
    for await (const page of paginateListStackSetOperations({ client: cfn, pageSize: 100 }, { StackSetName: name, CallAs: callAs }))
      all.push(...(page.Summaries ?? []));
  } catch (err) {
    if (isNamed(err, 'StackSetNotFoundException')) return [];
    throw awsFailure(`StackSet '${name}'`, 'ListStackSetOperations', err);
  }
  return all.filter((s) => isOperationActive(s.Status)).sort((a, b) => (a.CreationTimestamp?.getTime() ?? 0) - (b.CreationTimestamp?.getTime() ?? 0));
}
