/**
 * Service-managed StackSets: read what exists, compare with what the config wants (a pure plan a
 * preview can show), and apply the plan one operation at a time. Nothing is called when nothing
 * differs; every mutating call carries an OperationId derived from what it does and from the
 * StackSet's previous operation, so a retried call is the same call.
 */
import { createHash } from 'node:crypto';
import {
  CloudFormationClient,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DeleteStackInstancesCommand,
  DeploymentTargets,
  DescribeStackSetCommand,
  ListStackInstancesCommand,
  StackInstanceSummary,
  StackSetOperationPreferences,
  UpdateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import type { Config } from '../templates-src/config';
import { XacctError } from './errors';
import { awsMessage, isNamed } from './aws-error';
import type { CallAs } from './organizations';
import { activeOperations, OperationOutcome, pollOperation, waitForOperation, WaitOptions } from './operation';
import { isInoperable, needsUpdate, isSuspendedSkip } from './status';

/** Where a StackSet's instances go: whole OUs, or single accounts picked out of their OU. */
export type StackSetTargets = { kind: 'ous'; ouIds: string[] } | { kind: 'accounts'; accounts: Array<{ account: string; ouId: string }> };

export interface StackSetSpec {
  name: string;
  description: string;
  templateBody: string;
  parameters: Record<string, string>;
  capabilities: string[];
  autoDeployment: { enabled: boolean; retainStacksOnAccountRemoval: boolean };
  /** Home region first: the order operations walk regions in. */
  regions: string[];
  targets: StackSetTargets;
  preferences: StackSetOperationPreferences;
}

export interface InstanceInfo {
  account: string;
  region: string;
  ouId?: string;
  status?: string;
  detailedStatus?: string;
  reason?: string;
}

export type StackSetState =
  | { exists: false; name: string }
  | {
      exists: true;
      name: string;
      templateBody: string;
      description: string;
      parameters: Record<string, string>;
      capabilities: string[];
      autoDeployment: { enabled: boolean; retainStacksOnAccountRemoval: boolean };
      managedExecution: boolean;
      ouIds: string[];
      regions: string[];
      instances: InstanceInfo[];
    };

/** One mutating call and the operation it starts. */
export type StackSetStep =
  | { kind: 'update'; reasons: string[] }
  | { kind: 'add'; ouIds: string[]; accounts?: string[]; regions: string[] }
  | { kind: 'remove'; ouIds: string[]; accounts?: string[]; regions: string[] };

export interface StackSetPlan {
  name: string;
  create: boolean;
  steps: StackSetStep[];
  /** Instances AWS will not touch that an operator should know about. */
  warnings: string[];
  noop: boolean;
}

/** Default operation preferences: every account at once within a region, soft failure tolerance, home region first. */
export function operationPreferences(config: Config, regions: string[]): StackSetOperationPreferences {
  return {
    RegionConcurrencyType: config.rollout.regionConcurrency,
    RegionOrder: regions,
    // SOFT_FAILURE_TOLERANCE keeps concurrency at MaxConcurrentPercentage even as failures accumulate
    // (StackSetOperationPreferences, ConcurrencyMode); STRICT would throttle it down to the tolerance.
    ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
    FailureTolerancePercentage: config.rollout.failureTolerancePercentage,
    MaxConcurrentPercentage: config.rollout.maxConcurrentPercentage,
  };
}

export async function listInstances(cfn: CloudFormationClient, name: string, callAs: CallAs): Promise<StackInstanceSummary[]> {
  const out: StackInstanceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new ListStackInstancesCommand({ StackSetName: name, CallAs: callAs, MaxResults: 100, NextToken: token }));
    out.push(...(page.Summaries ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function readStackSet(cfn: CloudFormationClient, name: string, callAs: CallAs): Promise<StackSetState> {
  let s;
  try {
    s = (await cfn.send(new DescribeStackSetCommand({ StackSetName: name, CallAs: callAs }))).StackSet;
  } catch (err) {
    if (isNamed(err, 'StackSetNotFoundException')) return { exists: false, name };
    throw new XacctError('DEPLOY_FAILED', `DescribeStackSet '${name}' failed: ${awsMessage(err)}`, { cause: err });
  }
  if (!s || s.Status === 'DELETED') return { exists: false, name };
  if (s.PermissionModel && s.PermissionModel !== 'SERVICE_MANAGED') {
    throw new XacctError('PRECONDITION', `StackSet '${name}' exists with permission model ${s.PermissionModel}; xacct manages only SERVICE_MANAGED StackSets. Delete or rename it first.`);
  }
  const instances = (await listInstances(cfn, name, callAs)).map((i) => ({
    account: i.Account ?? '',
    region: i.Region ?? '',
    ouId: i.OrganizationalUnitId,
    status: i.Status,
    detailedStatus: i.StackInstanceStatus?.DetailedStatus,
    reason: i.StatusReason,
  }));
  return {
    exists: true,
    name,
    templateBody: s.TemplateBody ?? '',
    description: s.Description ?? '',
    parameters: Object.fromEntries((s.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? ''])),
    capabilities: [...(s.Capabilities ?? [])].sort(),
    autoDeployment: { enabled: s.AutoDeployment?.Enabled ?? false, retainStacksOnAccountRemoval: s.AutoDeployment?.RetainStacksOnAccountRemoval ?? false },
    managedExecution: s.ManagedExecution?.Active ?? false,
    ouIds: [...(s.OrganizationalUnitIds ?? [])].sort(),
    regions: [...(s.Regions ?? [])].sort(),
    instances,
  };
}

/** Template bodies compare as JSON when both parse: key order and whitespace are not changes. */
export function sameTemplate(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
  } catch {
    return false;
  }
}

export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function settingsChanges(spec: StackSetSpec, s: Extract<StackSetState, { exists: true }>): string[] {
  const reasons: string[] = [];
  if (!sameTemplate(spec.templateBody, s.templateBody)) reasons.push('template changed');
  const changedParams = Object.keys(spec.parameters).filter((k) => s.parameters[k] !== spec.parameters[k]);
  if (changedParams.length > 0) reasons.push(`parameters changed: ${changedParams.sort().join(', ')}`);
  if ([...spec.capabilities].sort().join(',') !== s.capabilities.join(',')) reasons.push('capabilities changed');
  if (spec.autoDeployment.enabled !== s.autoDeployment.enabled || spec.autoDeployment.retainStacksOnAccountRemoval !== s.autoDeployment.retainStacksOnAccountRemoval) {
    reasons.push('auto-deployment changed');
  }
  if (!s.managedExecution) reasons.push('managed execution off');
  if (spec.description !== s.description) reasons.push('description changed');
  const outdated = s.instances.filter((i) => needsUpdate(i.status, i.detailedStatus)).length;
  if (outdated > 0) reasons.push(`${outdated} instance${outdated === 1 ? '' : 's'} OUTDATED`);
  return reasons;
}

const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
const union = (...lists: string[][]) => [...new Set(lists.flat())].sort();

function ouSteps(spec: StackSetSpec, ouIds: string[], s: Extract<StackSetState, { exists: true }> | undefined): { add: StackSetStep[]; remove: StackSetStep[] } {
  const haveOus = s ? union(s.ouIds, s.instances.flatMap((i) => (i.ouId ? [i.ouId] : []))) : [];
  const haveRegions = s ? union(s.regions, s.instances.map((i) => i.region)) : [];
  const newOus = minus(ouIds, haveOus);
  const keptOus = minus(ouIds, newOus);
  const newRegions = minus(spec.regions, haveRegions);
  const goneOus = minus(haveOus, ouIds);
  const goneRegions = minus(haveRegions, spec.regions);
  const add: StackSetStep[] = [];
  const remove: StackSetStep[] = [];
  if (goneOus.length > 0 && haveRegions.length > 0) remove.push({ kind: 'remove', ouIds: goneOus, regions: haveRegions });
  if (goneRegions.length > 0 && keptOus.length > 0) remove.push({ kind: 'remove', ouIds: keptOus, regions: goneRegions });
  if (newOus.length > 0) add.push({ kind: 'add', ouIds: newOus, regions: spec.regions });
  if (newRegions.length > 0 && keptOus.length > 0) add.push({ kind: 'add', ouIds: keptOus, regions: newRegions.sort((a, b) => spec.regions.indexOf(a) - spec.regions.indexOf(b)) });
  return { add, remove };
}

function accountSteps(spec: StackSetSpec, wanted: Array<{ account: string; ouId: string }>, s: Extract<StackSetState, { exists: true }> | undefined): { add: StackSetStep[]; remove: StackSetStep[] } {
  const have = new Set((s?.instances ?? []).map((i) => `${i.account}/${i.region}`));
  const want = new Set(wanted.flatMap((w) => spec.regions.map((r) => `${w.account}/${r}`)));
  const add: StackSetStep[] = [];
  const remove: StackSetStep[] = [];
  for (const w of wanted) {
    const regions = spec.regions.filter((r) => !have.has(`${w.account}/${r}`));
    if (regions.length > 0) add.push({ kind: 'add', ouIds: [w.ouId], accounts: [w.account], regions });
  }
  const stale = new Map<string, { ouId: string; regions: string[] }>();
  for (const i of s?.instances ?? []) {
    if (want.has(`${i.account}/${i.region}`)) continue;
    const entry = stale.get(i.account) ?? { ouId: i.ouId ?? '', regions: [] };
    entry.regions.push(i.region);
    stale.set(i.account, entry);
  }
  for (const [account, e] of [...stale].sort(([a], [b]) => a.localeCompare(b))) remove.push({ kind: 'remove', ouIds: [e.ouId], accounts: [account], regions: e.regions.sort() });
  return { add, remove };
}

/**
 * Pure: what it takes to get from `state` to `spec`. Order of steps: remove dropped targets (no
 * point updating stacks about to go), update the StackSet, then add new targets (which get the new
 * template from the start).
 */
export function planStackSet(spec: StackSetSpec, state: StackSetState): StackSetPlan {
  const existing = state.exists ? state : undefined;
  const { add, remove } = spec.targets.kind === 'ous' ? ouSteps(spec, spec.targets.ouIds, existing) : accountSteps(spec, spec.targets.accounts, existing);
  const steps: StackSetStep[] = [...remove];
  if (existing) {
    const reasons = settingsChanges(spec, existing);
    if (reasons.length > 0) steps.push({ kind: 'update', reasons });
  }
  steps.push(...add);
  const warnings: string[] = [];
  for (const i of existing?.instances ?? []) {
    if (isSuspendedSkip(i.detailedStatus)) warnings.push(`account ${i.account} ${i.region} skipped: account suspended`);
    else if (isInoperable(i.status)) warnings.push(`account ${i.account} ${i.region} INOPERABLE: ${i.reason ?? 'a delete failed'}; AWS excludes it from updates until it is deleted with RetainStacks`);
  }
  return { name: spec.name, create: !existing, steps, warnings, noop: Boolean(existing) && steps.length === 0 };
}

export function describeStep(step: StackSetStep): string {
  if (step.kind === 'update') return `update (${step.reasons.join('; ')})`;
  const who = step.accounts ? `account${step.accounts.length === 1 ? '' : 's'} ${step.accounts.join(', ')}` : `OU${step.ouIds.length === 1 ? '' : 's'} ${step.ouIds.join(', ')}`;
  return `${step.kind === 'add' ? 'add instances for' : 'remove instances of'} ${who} in ${step.regions.join(', ')}`;
}

/** `xacct-update-<hash>`: the same call from the same StackSet state always carries the same ID. */
export function operationId(spec: StackSetSpec, step: StackSetStep, previousOperationId: string | undefined): string {
  const payload = canonical({ spec: { ...spec, templateBody: createHash('sha256').update(spec.templateBody).digest('hex') }, step, previousOperationId: previousOperationId ?? null });
  return `xacct-${step.kind}-${createHash('sha256').update(payload).digest('hex').slice(0, 32)}`;
}

function deploymentTargets(step: Extract<StackSetStep, { kind: 'add' | 'remove' }>): DeploymentTargets {
  if (step.accounts) return { OrganizationalUnitIds: step.ouIds, Accounts: step.accounts, AccountFilterType: 'INTERSECTION' };
  return { OrganizationalUnitIds: step.ouIds };
}

/** What CreateStackSet and UpdateStackSet both say about a StackSet: body, parameters, deployment model. */
function stackSetDefinition(spec: StackSetSpec) {
  return {
    Description: spec.description,
    TemplateBody: spec.templateBody,
    Parameters: Object.entries(spec.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    Capabilities: spec.capabilities as CreateStackSetCommand['input']['Capabilities'],
    PermissionModel: 'SERVICE_MANAGED' as const,
    AutoDeployment: { Enabled: spec.autoDeployment.enabled, RetainStacksOnAccountRemoval: spec.autoDeployment.enabled ? spec.autoDeployment.retainStacksOnAccountRemoval : undefined },
    ManagedExecution: { Active: true },
  };
}

function stepCommand(spec: StackSetSpec, step: StackSetStep, callAs: CallAs, id: string) {
  const common = { StackSetName: spec.name, CallAs: callAs, OperationId: id, OperationPreferences: spec.preferences };
  switch (step.kind) {
    case 'update':
      return new UpdateStackSetCommand({ ...common, ...stackSetDefinition(spec) });
    case 'add':
      return new CreateStackInstancesCommand({ ...common, DeploymentTargets: deploymentTargets(step), Regions: step.regions });
    case 'remove':
      return new DeleteStackInstancesCommand({ ...common, DeploymentTargets: deploymentTargets(step), Regions: step.regions, RetainStacks: false });
  }
}

export interface ApplyOptions extends WaitOptions {
  callAs: CallAs;
  /** Called before each mutating call and when waiting on someone else's operation. */
  onStep?: (e: { stackSet: string; step?: StackSetStep; operationId: string; note: string }) => void;
  /** How many times to wait out another operation and try again. */
  maxInProgressRetries?: number;
}

export interface StepOutcome extends OperationOutcome {
  step: StackSetStep;
}

async function createStackSet(cfn: CloudFormationClient, spec: StackSetSpec, callAs: CallAs): Promise<void> {
  try {
    await cfn.send(
      new CreateStackSetCommand({
        StackSetName: spec.name,
        ...stackSetDefinition(spec),
        CallAs: callAs,
        ClientRequestToken: `xacct-${createHash('sha256').update(canonical({ name: spec.name, body: spec.templateBody, p: spec.parameters })).digest('hex').slice(0, 32)}`,
      }),
    );
  } catch (err) {
    throw new XacctError('DEPLOY_FAILED', `CreateStackSet '${spec.name}' failed: ${awsMessage(err)}`, { cause: err });
  }
}

/** Wait, without judging, for operations someone else started. Returns the newest operation ID seen. */
export async function waitForOthers(cfn: CloudFormationClient, spec: { name: string }, o: ApplyOptions): Promise<string | undefined> {
  const { active, latest } = await activeOperations(cfn, spec.name, o.callAs);
  for (const op of active) {
    const id = op.OperationId ?? '';
    o.onStep?.({ stackSet: spec.name, operationId: id, note: `waiting for running ${op.Action ?? ''} operation ${id}` });
    await pollOperation(cfn, { stackSetName: spec.name, operationId: id, callAs: o.callAs }, o);
  }
  return latest;
}

/** One step: start it, riding out OperationInProgressException and recognising our own retried call. */
async function runStep(cfn: CloudFormationClient, spec: StackSetSpec, step: StackSetStep, previous: string | undefined, o: ApplyOptions): Promise<StepOutcome> {
  const retries = o.maxInProgressRetries ?? 5;
  for (let attempt = 0; ; attempt++) {
    const id = operationId(spec, step, previous);
    o.onStep?.({ stackSet: spec.name, step, operationId: id, note: describeStep(step) });
    try {
      await cfn.send(stepCommand(spec, step, o.callAs, id) as UpdateStackSetCommand);
    } catch (err) {
      if (isNamed(err, 'OperationIdAlreadyExistsException')) {
        // Same ID means the same call from the same state: an earlier attempt of ours. Wait on it.
        o.onStep?.({ stackSet: spec.name, step, operationId: id, note: `operation ${id} already started; waiting on it` });
      } else if (isNamed(err, 'OperationInProgressException') && attempt < retries) {
        previous = (await waitForOthers(cfn, spec, o)) ?? previous;
        continue;
      } else {
        throw new XacctError('DEPLOY_FAILED', `StackSet '${spec.name}': ${describeStep(step)} failed to start: ${awsMessage(err)}`, { cause: err });
      }
    }
    const outcome = await waitForOperation(cfn, { stackSetName: spec.name, operationId: id, callAs: o.callAs }, o, step.kind);
    return { ...outcome, step };
  }
}

export interface StackSetOutcome {
  name: string;
  created: boolean;
  noop: boolean;
  steps: StepOutcome[];
  warnings: string[];
  /** Operations already running (an interrupted deploy) that this deploy waited for first. */
  waitedFor: string[];
}

/**
 * Bring one StackSet to `spec`. Attaches to operations already running (an interrupted earlier
 * deploy), plans against what is there afterwards, and runs the steps in order. Throws
 * XacctError DEPLOY_FAILED at the first step that does not fully succeed.
 */
export async function deployStackSet(cfn: CloudFormationClient, spec: StackSetSpec, o: ApplyOptions): Promise<StackSetOutcome> {
  let state = await readStackSet(cfn, spec.name, o.callAs);
  let previous: string | undefined;
  const waitedFor: string[] = [];
  if (state.exists) {
    const { active, latest } = await activeOperations(cfn, spec.name, o.callAs);
    previous = latest;
    waitedFor.push(...active.map((op) => op.OperationId ?? ''));
    if (active.length > 0) {
      previous = await waitForOthers(cfn, spec, o);
      state = await readStackSet(cfn, spec.name, o.callAs);
    }
  }
  const plan = planStackSet(spec, state);
  if (plan.noop) return { name: spec.name, created: false, noop: true, steps: [], warnings: plan.warnings, waitedFor };
  if (plan.create) await createStackSet(cfn, spec, o.callAs);
  const steps: StepOutcome[] = [];
  for (const step of plan.steps) {
    const outcome = await runStep(cfn, spec, step, previous, o);
    previous = outcome.operationId;
    steps.push(outcome);
  }
  const warnings = [...plan.warnings, ...steps.flatMap((s) => s.suspended.map((x) => `account ${x.account} ${x.region} skipped: account suspended`))];
  return { name: spec.name, created: plan.create, noop: false, steps, warnings: [...new Set(warnings)], waitedFor };
}
