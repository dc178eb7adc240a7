/**
 * The plan as data: every diff and estimate a reviewer needs. StackSets get the template and
 * parameter diffs, the OU/region pairs to add or remove, the accounts affected, and the waves and
 * time the operations take under the configured preferences (estimate.ts).
 */
import type { Config } from '../../templates-src/config';
import { estimateRollout, formatDuration, Preferences } from '../estimate';
import type { OrgTree } from '../org-tree';
import { describeStep, StackSetSpec, StackSetState, StackSetStep } from '../stackset/spec';
import type { StackSpec, StackState } from '../stack/spec';
import { diffParameters, diffTemplates, ParameterChange, TemplateDiffSummary } from './diff';
import type { DeploymentPlan } from './model';
import { names } from '../../templates-src/names';
import { StageMembership, stageMembership } from '../membership';
import { removedBeforeSources } from '../inventory';

/** About how long one wave of a small IAM-only stack takes: an estimate, as bench/ uses. */
export const SECONDS_PER_WAVE = 60;

export interface TargetPair {
  ouId: string;
  /** The config's name for the OU, when it has one. */
  ou?: string;
  region: string;
  accounts?: string[];
}

export interface OperationEstimate {
  kind: StackSetStep['kind'];
  description: string;
  accounts: number;
  regions: string[];
  waves: number;
  seconds: number;
}

export interface StackSetPreview {
  name: string;
  action: 'create' | 'update' | 'none';
  reasons: string[];
  runningOperations: string[];
  template?: TemplateDiffSummary;
  parameters: ParameterChange[];
  add: TargetPair[];
  remove: TargetPair[];
  accountsAffected: number;
  /** The accounts themselves, sorted. */
  affectedAccounts: string[];
  operations: OperationEstimate[];
  estimate: { waves: number; seconds: number; text: string };
  warnings: string[];
}

export interface StackPreview {
  name: string;
  region: string;
  action: string;
  reasons: string[];
  template?: TemplateDiffSummary;
  parameters: ParameterChange[];
}

export interface PlanReport {
  account: string;
  callAs: string;
  organizationId: string;
  /** Nothing to do: deploy would make no mutating call. */
  noChanges: boolean;
  attached: Array<{ stackSet: string; operationId: string }>;
  preferences: { maxConcurrentPercentage: number; regionConcurrency: string; failureTolerancePercentage: number; secondsPerWave: number };
  stackSets: StackSetPreview[];
  stacks: StackPreview[];
  /** Deployed by xacct, no longer in the config: deploy removes them after a yes. */
  removals: { stackSets: string[]; stacks: Array<{ name: string; region: string }> };
  /** Removals deploy makes before the source StackSets (they create the same fixed-name roles); the others come last. */
  removedFirst: string[];
  /** Distinct accounts any StackSet change touches. */
  accountsAffected: number;
  /** StackSets only; StackSets of one deploy wave run side by side. */
  estimate: { seconds: number; text: string };
  /** Pipeline stages deploy leaves out (a target without ACTIVE accounts). */
  warnings: string[];
  /** Per-account stages whose targets gained or lost accounts since the pipeline was deployed; deploy brings the pipeline up to date. */
  membership: StageMembership[];
}

export function preferencesOf(config: Config): Preferences {
  return { maxConcurrent: { percentage: config.rollout.maxConcurrentPercentage }, regionConcurrency: config.rollout.regionConcurrency };
}

/** OU ID -> the reference the config uses for it (`Root/Workloads/Prod`), from the resolved targets. */
export function ouNames(config: Config, plan: Pick<DeploymentPlan, 'context'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, t] of Object.entries(plan.context.targets)) {
    const refs = config.targets[name]?.ous ?? [];
    // IDs are de-duplicated: when two references name one OU the positions no longer match.
    if (refs.length !== t.ouIds.length) continue;
    t.ouIds.forEach((id, i) => {
      if (refs[i] !== undefined && !out.has(id)) out.set(id, refs[i]);
    });
  }
  return out;
}

/**
 * The accounts one step touches. Additions and updates of StackSets aimed at OUs: the OUs' ACTIVE
 * accounts (the instance listing holds only instances that are not current); removals and
 * StackSets aimed at accounts: the instances and accounts named.
 */
async function stepAccounts(step: StackSetStep, spec: StackSetSpec, state: StackSetState, tree: OrgTree): Promise<string[]> {
  const instances = state.exists ? state.instances : [];
  if (step.kind !== 'update' && step.accounts) return [...step.accounts];
  if (step.kind === 'update' && state.exists && state.complete) return [...new Set(instances.map((i) => i.account))].sort();
  const ous = step.kind === 'update' ? (state.exists ? state.ouIds : []) : step.ouIds;
  if (step.kind === 'update' && spec.targets.kind === 'accounts') return spec.targets.accounts.map((a) => a.account);
  const all = await Promise.all(ous.map((ou) => tree.activeAccountsUnder(ou)));
  return [...new Set(all.flat())].sort();
}

function stepRegions(step: StackSetStep, state: StackSetState): string[] {
  if (step.kind !== 'update') return step.regions;
  return state.exists ? state.regions : [];
}

function pairs(steps: StackSetStep[], kind: 'add' | 'remove', names: Map<string, string>): TargetPair[] {
  const out: TargetPair[] = [];
  for (const s of steps) {
    if (s.kind !== kind) continue;
    for (const ouId of s.ouIds)
      for (const region of s.regions)
        out.push({ ouId, ...(names.has(ouId) ? { ou: names.get(ouId) } : {}), region, ...(s.accounts ? { accounts: s.accounts } : {}) });
  }
  return out;
}

export async function previewStackSet(
  item: { spec: StackSetSpec; state: StackSetState },
  plan: DeploymentPlan['stackSetPlans'][number],
  o: { tree: OrgTree; prefs: Preferences; names: Map<string, string> },
): Promise<StackSetPreview> {
  const { spec, state } = item;
  const operations: OperationEstimate[] = [];
  const affected = new Set<string>();
  for (const step of plan.steps) {
    const accounts = await stepAccounts(step, spec, state, o.tree);
    accounts.forEach((a) => affected.add(a));
    const regions = stepRegions(step, state);
    const e = estimateRollout(accounts.length, regions.length, o.prefs, SECONDS_PER_WAVE);
    operations.push({ kind: step.kind, description: describeStep(step), accounts: accounts.length, regions, waves: e.waves, seconds: e.seconds });
  }
  const waves = operations.reduce((n, op) => n + op.waves, 0);
  const seconds = operations.reduce((n, op) => n + op.seconds, 0);
  const update = plan.steps.find((s) => s.kind === 'update');
  return {
    name: spec.name,
    action: plan.create ? 'create' : plan.noop ? 'none' : 'update',
    reasons: plan.create ? ['new StackSet'] : update?.kind === 'update' ? update.reasons : [],
    runningOperations: plan.runningOperations,
    template: diffTemplates(state.exists ? state.templateBody : '', spec.templateBody),
    parameters: diffParameters(state.exists ? state.parameters : {}, spec.parameters),
    add: pairs(plan.steps, 'add', o.names),
    remove: pairs(plan.steps, 'remove', o.names),
    accountsAffected: affected.size,
    affectedAccounts: [...affected].sort(),
    operations,
    estimate: { waves, seconds, text: formatDuration(seconds) },
    warnings: plan.warnings,
  };
}

function previewStack(item: { spec: StackSpec; state: StackState }, plan: DeploymentPlan['stackPlans'][number]): StackPreview {
  const { spec, state } = item;
  const deployed = state.exists ? state.templateBody : '';
  const changes = plan.action === 'create' || plan.action === 'update' || plan.action === 'recreate';
  return {
    name: spec.name,
    region: spec.region,
    action: plan.action,
    reasons: plan.reasons,
    ...(changes ? { template: diffTemplates(plan.action === 'recreate' ? '' : deployed, spec.templateBody) } : {}),
    parameters: changes ? diffParameters(state.exists && plan.action !== 'recreate' ? state.parameters : {}, spec.parameters) : [],
  };
}

/** Consecutive StackSets of the same placement and order run together (deploy.ts): a group takes as long as its slowest. */
function overallSeconds(plan: DeploymentPlan, previews: StackSetPreview[]): number {
  let total = 0;
  let groupKey = '';
  let groupMax = 0;
  plan.stackSets.forEach((item, i) => {
    const key = `${item.entry.placement}/${item.entry.order}`;
    if (key !== groupKey) {
      total += groupMax;
      groupKey = key;
      groupMax = 0;
    }
    groupMax = Math.max(groupMax, previews[i].estimate.seconds);
  });
  return total + groupMax;
}

/** Membership changes of the pipelines' per-account stages, from the deployed pipeline stack's template. */
function membershipOf(config: Config, plan: DeploymentPlan): StageMembership[] {
  const pipeline = plan.stackStates.find((s) => s.spec.name === names.centralStack(config.prefix, 'pipeline') && s.spec.region === config.homeRegion);
  return pipeline?.state.exists ? stageMembership(config, pipeline.state.templateBody, plan.context.targets) : [];
}

export async function buildReport(config: Config, plan: DeploymentPlan): Promise<PlanReport> {
  const prefs = preferencesOf(config);
  const names = ouNames(config, plan);
  const stackSets: StackSetPreview[] = [];
  for (let i = 0; i < plan.stackSetPlans.length; i++)
    stackSets.push(await previewStackSet(plan.stackSetStates[i], plan.stackSetPlans[i], { tree: plan.tree, prefs, names }));
  const stacks = plan.stackPlans.map((p, i) => previewStack(plan.stackStates[i], p));
  const seconds = overallSeconds(plan, stackSets);
  return {
    account: plan.identity.accountId,
    callAs: plan.identity.callAs,
    organizationId: plan.identity.organizationId,
    noChanges: plan.noop,
    attached: plan.attached,
    preferences: {
      maxConcurrentPercentage: config.rollout.maxConcurrentPercentage,
      regionConcurrency: config.rollout.regionConcurrency,
      failureTolerancePercentage: config.rollout.failureTolerancePercentage,
      secondsPerWave: SECONDS_PER_WAVE,
    },
    stackSets,
    stacks,
    removals: { stackSets: plan.removals.stackSets, stacks: plan.removals.stacks.map((s) => ({ name: s.name, region: s.region })) },
    removedFirst: removedBeforeSources(plan.removals.stackSets, config),
    accountsAffected: new Set(stackSets.flatMap((s) => s.affectedAccounts)).size,
    estimate: { seconds, text: formatDuration(seconds) },
    warnings: plan.warnings,
    membership: membershipOf(config, plan),
  };
}
