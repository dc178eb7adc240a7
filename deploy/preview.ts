/**
 * `xacct plan`: what deploy would change, as data and as text, without changing anything.
 *
 * Central stacks are previewed by diffing the deployed template (GetTemplate, stage Original)
 * against the one deploy would send, with @aws-cdk/cloudformation-diff. No change set is created:
 * creating one is a write (it shows up in the console, can collide with a running deploy's change
 * set, and needs cloudformation:CreateChangeSet), and a plan must be safe to run from any read-only
 * role. The price: replacement is judged from the resource specification, not by CloudFormation,
 * and values that only resolve at deploy time (dynamic references, SSM parameters) are not resolved.
 *
 * StackSets get the same template diff, the parameter diff, the OU/region pairs to add or remove,
 * the accounts affected, and the waves and time the operations take under the configured
 * preferences (rollout.ts).
 */
import type { Config } from '../templates-src/config';
import { estimateRollout, formatDuration, Preferences } from './rollout';
import { AwsClients, DeploymentPlan, planDeployment } from './plan';
import type { Clock } from './clock';
import type { Io } from './io';
import type { Activity } from './interrupt';
import { progressView, waitOptions } from './progress';
import type { OrgTree } from './organizations';
import { describeStep, sameTemplate, StackSetSpec, StackSetState, StackSetStep } from './stackset';
import type { StackSpec, StackState } from './stack';
import { isInoperable, isSuspendedSkip } from './status';

/** About how long one wave of a small IAM-only stack takes: an estimate, as bench/ uses. */
export const SECONDS_PER_WAVE = 60;

export interface ResourceChange {
  logicalId: string;
  type: string;
  change: 'add' | 'remove' | 'modify';
  /** cloudformation-diff's impact: WILL_CREATE, WILL_UPDATE, WILL_REPLACE, MAY_REPLACE, WILL_DESTROY, WILL_ORPHAN... */
  impact: string;
}

export interface IamChange {
  change: '+' | '-';
  resource: string;
  effect: string;
  action: string;
  principal: string;
  condition: string;
}

export interface TemplateDiffSummary {
  resources: ResourceChange[];
  iam: IamChange[];
  /** Policy statements added or Deny statements removed. */
  permissionsBroadened: boolean;
  /** cloudformation-diff's readable rendering, without colour. */
  text: string;
}

export interface ParameterChange {
  key: string;
  from?: string;
  to?: string;
}

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
  /** Distinct accounts any StackSet change touches. */
  accountsAffected: number;
  /** StackSets only; StackSets of one deploy wave run side by side. */
  estimate: { seconds: number; text: string };
}

type DiffModule = typeof import('@aws-cdk/cloudformation-diff');
let diffModule: DiffModule | undefined;
/** Loaded on first use: it reads the resource specification, which costs the better part of a second. */
function cfnDiff(): DiffModule {
  diffModule ??= require('@aws-cdk/cloudformation-diff') as DiffModule; // eslint-disable-line @typescript-eslint/no-require-imports
  return diffModule;
}

const ANSI = /\x1b\[[0-9;]*m/g;

function parseTemplate(body: string): Record<string, unknown> | undefined {
  if (body === '') return {};
  try {
    const t = JSON.parse(body);
    return t && typeof t === 'object' ? (t as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const CHANGE: Record<string, ResourceChange['change']> = { WILL_CREATE: 'add', WILL_DESTROY: 'remove', WILL_ORPHAN: 'remove' };

/** Undefined when the templates are the same. A deployed template that is not JSON gets a one-line note. */
export function diffTemplates(deployed: string, wanted: string): TemplateDiffSummary | undefined {
  if (deployed !== '' && sameTemplate(deployed, wanted)) return undefined;
  const before = parseTemplate(deployed);
  const after = parseTemplate(wanted);
  if (!before || !after) return { resources: [], iam: [], permissionsBroadened: false, text: 'the deployed template is not JSON; no resource-level diff' };
  const d = cfnDiff();
  const diff = d.fullDiff(before, after);
  const resources: ResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    if (!change.isDifferent) return;
    const impact = String(change.changeImpact);
    resources.push({ logicalId, type: change.newResourceType ?? change.oldResourceType ?? '?', change: CHANGE[impact] ?? 'modify', impact });
  });
  // Table cells: several actions or principals come one per line.
  const cell = (v: string, sep = ', ') => v.replace(ANSI, '').split('\n').map((l) => l.trim()).filter(Boolean).join(sep);
  const iam = diff.iamChanges.summarizeStatements().slice(1).map(([change, resource, effect, action, principal, condition]) => ({
    change: (cell(change) === '-' ? '-' : '+') as IamChange['change'],
    resource: cell(resource),
    effect: cell(effect),
    action: cell(action),
    principal: cell(principal),
    condition: cell(condition, ' '),
  }));
  const chunks: string[] = [];
  d.formatDifferences({ write: (c: unknown) => (chunks.push(String(c)), true), columns: 100 } as unknown as NodeJS.WritableStream, diff);
  const text = chunks.join('').replace(ANSI, '').replace(/\n{3,}/g, '\n\n').trim();
  return { resources, iam, permissionsBroadened: diff.permissionsBroadened, text };
}

export function diffParameters(deployed: Record<string, string>, wanted: Record<string, string>): ParameterChange[] {
  const keys = [...new Set([...Object.keys(deployed), ...Object.keys(wanted)])].sort();
  return keys.filter((k) => k in wanted && deployed[k] !== wanted[k]).map((k) => ({ key: k, ...(k in deployed ? { from: deployed[k] } : {}), to: wanted[k] }));
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

/** The accounts one step touches: existing instances for updates and removals, the OUs' active accounts for additions. */
async function stepAccounts(step: StackSetStep, state: StackSetState, tree: OrgTree): Promise<string[]> {
  const instances = state.exists ? state.instances : [];
  if (step.kind === 'update') return [...new Set(instances.filter((i) => !isInoperable(i.status) && !isSuspendedSkip(i.detailedStatus)).map((i) => i.account))].sort();
  if (step.accounts) return [...step.accounts];
  if (step.kind === 'remove') return [...new Set(instances.filter((i) => i.ouId && step.ouIds.includes(i.ouId) && step.regions.includes(i.region)).map((i) => i.account))].sort();
  const all = await Promise.all(step.ouIds.map((ou) => tree.activeAccountsUnder(ou)));
  return [...new Set(all.flat())].sort();
}

function stepRegions(step: StackSetStep, spec: StackSetSpec, state: StackSetState): string[] {
  if (step.kind !== 'update') return step.regions;
  const have = new Set(state.exists ? state.instances.map((i) => i.region) : []);
  return spec.regions.filter((r) => have.has(r));
}

function pairs(steps: StackSetStep[], kind: 'add' | 'remove', names: Map<string, string>): TargetPair[] {
  const out: TargetPair[] = [];
  for (const s of steps) {
    if (s.kind !== kind) continue;
    for (const ouId of s.ouIds) for (const region of s.regions) out.push({ ouId, ...(names.has(ouId) ? { ou: names.get(ouId) } : {}), region, ...(s.accounts ? { accounts: s.accounts } : {}) });
  }
  return out;
}

async function previewStackSet(
  item: { spec: StackSetSpec; state: StackSetState },
  plan: DeploymentPlan['stackSetPlans'][number],
  o: { tree: OrgTree; prefs: Preferences; names: Map<string, string> },
): Promise<StackSetPreview> {
  const { spec, state } = item;
  const operations: OperationEstimate[] = [];
  const affected = new Set<string>();
  for (const step of plan.steps) {
    const accounts = await stepAccounts(step, state, o.tree);
    accounts.forEach((a) => affected.add(a));
    const regions = stepRegions(step, spec, state);
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

/** The plan as data: every diff and estimate a reviewer needs. */
export async function buildReport(config: Config, plan: DeploymentPlan): Promise<PlanReport> {
  const prefs = preferencesOf(config);
  const names = ouNames(config, plan);
  const stackSets: StackSetPreview[] = [];
  for (let i = 0; i < plan.stackSetPlans.length; i++) stackSets.push(await previewStackSet(plan.stackSetStates[i], plan.stackSetPlans[i], { tree: plan.tree, prefs, names }));
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
    accountsAffected: new Set(stackSets.flatMap((s) => s.affectedAccounts)).size,
    estimate: { seconds, text: formatDuration(seconds) },
  };
}

// ----------------------------------------------------------------------------------------------
// Text.

const indent = (text: string, by: string) => text.split('\n').map((l) => (l === '' ? l : `${by}${l}`)).join('\n');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function renderIam(iam: IamChange[]): string[] {
  return iam.map((c) => `${c.change} ${c.effect} ${c.action} on ${c.resource}${c.principal ? ` for ${c.principal}` : ''}${c.condition ? ` when ${c.condition.replace(/\s+/g, ' ')}` : ''}`);
}

/** Updates get cloudformation-diff's full rendering (its IAM table included); creations a list of resources and statements. */
function renderTemplate(t: TemplateDiffSummary | undefined, full: boolean): string[] {
  if (!t) return [];
  const out: string[] = [];
  if (t.iam.length > 0) out.push(`  IAM changes: ${t.iam.length} statement${t.iam.length === 1 ? '' : 's'}${t.permissionsBroadened ? ', permissions broadened' : ''}`);
  if (full) {
    out.push('  template diff:');
    out.push(indent(t.text, '    '));
  } else {
    out.push(...renderIam(t.iam).map((l) => `    ${l}`));
    for (const r of t.resources) out.push(`    ${r.change === 'add' ? '[+]' : r.change === 'remove' ? '[-]' : '[~]'} ${r.type} ${r.logicalId}${r.impact === 'WILL_REPLACE' || r.impact === 'MAY_REPLACE' ? ` (${r.impact === 'WILL_REPLACE' ? 'replacement' : 'may be replaced'})` : ''}`);
  }
  return out;
}

function renderPair(p: TargetPair): string {
  return `${p.ou ? `${p.ou} (${p.ouId})` : p.ouId} ${p.region}${p.accounts ? ` account${p.accounts.length === 1 ? '' : 's'} ${p.accounts.join(', ')}` : ''}`;
}

export function renderStackSet(s: StackSetPreview): string[] {
  const out: string[] = [];
  const head = s.action === 'none' ? 'no changes' : s.action === 'create' ? 'create' : `update (${s.reasons.join('; ')})`;
  out.push(`StackSet ${s.name}: ${head}`);
  for (const id of s.runningOperations) out.push(`  operation ${id} is running; deploy waits for it first`);
  if (s.action === 'none') return out;
  for (const p of s.parameters) out.push(`  parameter ${p.key}: ${p.from === undefined ? '(none)' : JSON.stringify(p.from)} -> ${JSON.stringify(p.to)}`);
  out.push(...renderTemplate(s.template, s.action === 'update'));
  for (const p of s.add) out.push(`  + ${renderPair(p)}`);
  for (const p of s.remove) out.push(`  - ${renderPair(p)}`);
  out.push(`  accounts affected: ${s.accountsAffected}`);
  for (const op of s.operations) out.push(`  operation: ${op.description}: ${plural(op.accounts, 'account')} x ${plural(op.regions.length, 'region')}, ${plural(op.waves, 'wave')}, about ${formatDuration(op.seconds)}`);
  for (const w of s.warnings) out.push(`  warning: ${w}`);
  return out;
}

export function renderStack(s: StackPreview): string[] {
  const out: string[] = [];
  const head = s.action === 'none' ? 'no changes' : `${s.action}${s.reasons.length > 0 ? ` (${s.reasons.join('; ')})` : ''}`;
  out.push(`stack ${s.name} (${s.region}): ${head}`);
  for (const p of s.parameters) out.push(`  parameter ${p.key}: ${p.from === undefined ? '(none)' : JSON.stringify(p.from)} -> ${JSON.stringify(p.to)}`);
  out.push(...renderTemplate(s.template, s.action === 'update'));
  return out;
}

export function renderPlan(r: PlanReport): string {
  const lines = [`plan for account ${r.account} (StackSets as ${r.callAs}) in ${r.organizationId}`];
  for (const a of r.attached) lines.push(`attached to running operation ${a.operationId} on ${a.stackSet}; planned against what it left`);
  lines.push('');
  for (const s of r.stackSets) lines.push(...renderStackSet(s));
  for (const s of r.stacks) lines.push(...renderStack(s));
  lines.push('');
  if (r.noChanges) {
    lines.push('no changes: deploy would make no mutating call');
  } else {
    const ss = r.stackSets.filter((s) => s.action !== 'none' || s.runningOperations.length > 0);
    const st = r.stacks.filter((s) => s.action !== 'none');
    lines.push(
      `changes pending: ${plural(ss.length, 'StackSet')} (${plural(r.accountsAffected, 'account')} affected, about ${r.estimate.text} at MaxConcurrentPercentage ${r.preferences.maxConcurrentPercentage}, regions ${r.preferences.regionConcurrency}), ${plural(st.length, 'stack')}`,
    );
  }
  return lines.join('\n');
}

export interface PlanRunDeps {
  clients: AwsClients;
  io: Io;
  clock: Clock;
  /** Wait for running StackSet operations and plan against what they leave (the default in the CLI). */
  attach: boolean;
  activity?: Activity;
  timeouts?: { operationMs?: number; initialDelayMs?: number; maxDelayMs?: number; progressEveryMs?: number };
}

/** `xacct plan`: the report, written through io (text, or one JSON document). */
export async function runPlan(config: Config, deps: PlanRunDeps): Promise<PlanReport> {
  const view = progressView(deps.io);
  try {
    const plan = await planDeployment(config, {
      clients: deps.clients,
      io: deps.io,
      attach: deps.attach ? waitOptions(deps, view) : undefined,
    });
    const report = await buildReport(config, plan);
    deps.io.result(renderPlan(report), report);
    return report;
  } finally {
    view.done();
  }
}
