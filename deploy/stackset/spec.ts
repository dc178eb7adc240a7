/**
 * Service-managed StackSets as data: what the config wants (StackSetSpec), what AWS has
 * (StackSetState), and the pure plan between them: the operations to start, in order. Nothing here
 * calls AWS; `read.ts` fills the state and `lifecycle.ts` carries the plan out.
 */
import { createHash } from 'node:crypto';
import type { StackSetOperationPreferences } from '@aws-sdk/client-cloudformation';
import { isInoperable, isSuspendedSkip, needsUpdate } from '../statuses';

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
  /** Always carries `xacct:prefix`: how inventory finds what xacct deployed. */
  tags: Record<string, string>;
}

export interface InstanceInfo {
  account: string;
  region: string;
  ouId?: string;
  status?: string;
  detailedStatus?: string;
  reason?: string;
  lastOperationId?: string;
  /** DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED. */
  driftStatus?: string;
}

export interface ExistingStackSet {
  exists: true;
  name: string;
  templateBody: string;
  description: string;
  parameters: Record<string, string>;
  capabilities: string[];
  autoDeployment: { enabled: boolean; retainStacksOnAccountRemoval: boolean };
  managedExecution: boolean;
  /** DescribeStackSet's OrganizationalUnitIds: the OUs instances were created for. */
  ouIds: string[];
  /** DescribeStackSet's Regions: the regions instances were created in. */
  regions: string[];
  tags: Record<string, string>;
  /**
   * Instances as listed. For StackSets aimed at whole OUs only those that are not CURRENT/SUCCEEDED
   * (`complete` false): the OU and region lists above say where instances are, and listing every
   * healthy instance of a large organization would make a no-op cost grow with its size.
   */
  instances: InstanceInfo[];
  complete: boolean;
}

export type StackSetState = { exists: false; name: string } | ExistingStackSet;

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

/** The operation action AWS reports for each step (DescribeStackSetOperation `Action`). */
export const STEP_ACTION: Record<StackSetStep['kind'], string> = { add: 'CREATE', update: 'UPDATE', remove: 'DELETE' };

export interface RolloutPreferences {
  failureTolerancePercentage: number;
  maxConcurrentPercentage: number;
  regionConcurrency: 'SEQUENTIAL' | 'PARALLEL';
}

/**
 * Operation preferences: every account at once within a region (or the configured share), soft
 * failure tolerance, home region first. SOFT_FAILURE_TOLERANCE keeps concurrency at
 * MaxConcurrentPercentage as failures accumulate (API reference, StackSetOperationPreferences:
 * ConcurrencyMode); STRICT would throttle it down to the tolerance.
 */
export function operationPreferences(rollout: RolloutPreferences, regions: string[]): StackSetOperationPreferences {
  return {
    RegionConcurrencyType: rollout.regionConcurrency,
    RegionOrder: regions,
    ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
    FailureTolerancePercentage: rollout.failureTolerancePercentage,
    MaxConcurrentPercentage: rollout.maxConcurrentPercentage,
  };
}

/** Deletes run at full concurrency and tolerate every failure: one stuck account must not hold the rest back. */
export const DELETE_PREFERENCES: StackSetOperationPreferences = {
  RegionConcurrencyType: 'PARALLEL',
  ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
  FailureTolerancePercentage: 100,
  MaxConcurrentPercentage: 100,
};

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

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const sameList = (a: string[], b: string[]) => [...a].sort().join(',') === [...b].sort().join(',');

function settingsChanges(spec: StackSetSpec, s: ExistingStackSet): string[] {
  const reasons: string[] = [];
  if (!sameTemplate(spec.templateBody, s.templateBody)) reasons.push('template changed');
  const changedParams = Object.keys(spec.parameters).filter((k) => s.parameters[k] !== spec.parameters[k]);
  if (changedParams.length > 0) reasons.push(`parameters changed: ${changedParams.sort().join(', ')}`);
  if (!sameList(spec.capabilities, s.capabilities)) reasons.push('capabilities changed');
  if (
    spec.autoDeployment.enabled !== s.autoDeployment.enabled ||
    (spec.autoDeployment.enabled && spec.autoDeployment.retainStacksOnAccountRemoval !== s.autoDeployment.retainStacksOnAccountRemoval)
  ) {
    reasons.push('auto-deployment changed');
  }
  if (!s.managedExecution) reasons.push('managed execution off');
  if (spec.description !== s.description) reasons.push('description changed');
  const tagChanges = Object.keys(spec.tags).filter((k) => s.tags[k] !== spec.tags[k]);
  if (tagChanges.length > 0) reasons.push(`tags changed: ${tagChanges.sort().join(', ')}`);
  const outdated = s.instances.filter((i) => needsUpdate(i.status, i.detailedStatus)).length;
  if (outdated > 0) reasons.push(`${outdated} instance${outdated === 1 ? '' : 's'} OUTDATED`);
  return reasons;
}

const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
const union = (...lists: string[][]) => [...new Set(lists.flat())].sort();

function ouSteps(spec: StackSetSpec, ouIds: string[], s: ExistingStackSet | undefined): { add: StackSetStep[]; remove: StackSetStep[] } {
  const haveOus = s
    ? union(
        s.ouIds,
        s.instances.flatMap((i) => (i.ouId ? [i.ouId] : [])),
      )
    : [];
  const haveRegions = s
    ? union(
        s.regions,
        s.instances.map((i) => i.region),
      )
    : [];
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
  if (newRegions.length > 0 && keptOus.length > 0)
    add.push({ kind: 'add', ouIds: keptOus, regions: newRegions.sort((a, b) => spec.regions.indexOf(a) - spec.regions.indexOf(b)) });
  return { add, remove };
}

function accountSteps(
  spec: StackSetSpec,
  wanted: Array<{ account: string; ouId: string }>,
  s: ExistingStackSet | undefined,
): { add: StackSetStep[]; remove: StackSetStep[] } {
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
  for (const [account, e] of [...stale].sort(([a], [b]) => a.localeCompare(b)))
    remove.push({ kind: 'remove', ouIds: [e.ouId], accounts: [account], regions: e.regions.sort() });
  return { add, remove };
}

export function instanceWarnings(s: ExistingStackSet | undefined): string[] {
  const warnings: string[] = [];
  for (const i of s?.instances ?? []) {
    if (isSuspendedSkip(i.detailedStatus)) warnings.push(`account ${i.account} ${i.region} skipped: account suspended`);
    else if (isInoperable(i.status))
      warnings.push(
        `account ${i.account} ${i.region} INOPERABLE: ${i.reason ?? 'a delete failed'}; AWS excludes it from updates until it is deleted with RetainStacks`,
      );
  }
  return warnings;
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
  return {
    name: spec.name,
    create: !existing,
    steps: steps.flatMap(chunkOus),
    warnings: instanceWarnings(existing),
    noop: Boolean(existing) && steps.length === 0,
  };
}

/**
 * "The maximum number of organizational unit (OUs) supported by a CreateStackInstances operation is
 * 50" (API reference, CreateStackInstances; DeleteStackInstances says the same): larger target lists
 * become consecutive steps.
 */
export const MAX_OUS_PER_CALL = 50;

export function chunkOus(step: StackSetStep): StackSetStep[] {
  if (step.kind === 'update' || step.ouIds.length <= MAX_OUS_PER_CALL) return [step];
  const out: StackSetStep[] = [];
  for (let i = 0; i < step.ouIds.length; i += MAX_OUS_PER_CALL) out.push({ ...step, ouIds: step.ouIds.slice(i, i + MAX_OUS_PER_CALL) });
  return out;
}

export function describeStep(step: StackSetStep): string {
  if (step.kind === 'update') return `update (${step.reasons.join('; ')})`;
  const who = step.accounts
    ? `account${step.accounts.length === 1 ? '' : 's'} ${step.accounts.join(', ')}`
    : `OU${step.ouIds.length === 1 ? '' : 's'} ${step.ouIds.join(', ')}`;
  return `${step.kind === 'add' ? 'add instances for' : 'remove instances of'} ${who} in ${step.regions.join(', ')}`;
}

/**
 * A fingerprint of the state just read: what the StackSet holds and where its instances stand. Two
 * reads of the same state agree; anything an operation changes (template, parameters, targets,
 * instance statuses) changes it.
 */
export function stateFingerprint(state: StackSetState): string {
  if (!state.exists) return 'new';
  return sha256(
    canonical({
      body: sha256(state.templateBody),
      parameters: state.parameters,
      ous: [...state.ouIds].sort(),
      regions: [...state.regions].sort(),
      instances: state.instances.map((i) => `${i.account}/${i.region}/${i.status}/${i.detailedStatus}`).sort(),
      auto: state.autoDeployment,
      managed: state.managedExecution,
    }),
  );
}

/**
 * `xacct-update-<hash>` from the spec, the step and the state it was planned from: the same call
 * from the same state always carries the same ID (so a resent request is recognised by AWS as the
 * same operation), and nothing depends on the order of any list AWS returns.
 */
export function operationId(spec: StackSetSpec, step: StackSetStep, fingerprint: string): string {
  const payload = canonical({ spec: { ...spec, templateBody: sha256(spec.templateBody) }, step, state: fingerprint });
  return `xacct-${step.kind}-${sha256(payload).slice(0, 32)}`;
}
