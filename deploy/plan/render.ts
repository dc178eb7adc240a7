/** The plan report as text: what changes, where, for how many accounts, and how long it takes. */
import { formatDuration } from '../estimate';
import type { IamChange, TemplateDiffSummary } from './diff';
import type { PlanReport, StackPreview, StackSetPreview, TargetPair } from './report';
import { describeMembership } from '../membership';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function renderIam(c: IamChange): string {
  const principals = c.principals.length > 0 ? ` for ${c.principals.join(', ')}` : '';
  const condition = c.condition ? ` when ${c.condition}` : '';
  return `${c.change} ${c.effect} ${c.actions.join(', ')} on ${c.resources.join(', ')}${principals}${condition}`;
}

const MARK = { add: '[+]', remove: '[-]', modify: '[~]' } as const;

/** Resources with their property changes, then the IAM statements added and removed. */
export function renderTemplate(t: TemplateDiffSummary | undefined): string[] {
  if (!t) return [];
  if (t.note) return [`  template: ${t.note}`];
  const out: string[] = ['  template diff:'];
  for (const r of t.resources) {
    const replace = r.impact === 'WILL_REPLACE' ? ' (replacement)' : r.impact === 'MAY_REPLACE' ? ' (may be replaced)' : '';
    out.push(`    ${MARK[r.change]} ${r.type} ${r.logicalId}${replace}`);
    for (const p of r.properties)
      out.push(`        ${p.path}: ${p.from ?? '(none)'} -> ${p.to ?? '(removed)'}${p.impact === 'WILL_REPLACE' ? ' (forces replacement)' : ''}`);
  }
  if (t.iam.length > 0) {
    out.push(`  IAM changes: ${plural(t.iam.length, 'statement')}${t.permissionsBroadened ? ', permissions broadened' : ''}`);
    out.push(...t.iam.map((c) => `    ${renderIam(c)}`));
  }
  return out;
}

function renderPair(p: TargetPair): string {
  return `${p.ou ? `${p.ou} (${p.ouId})` : p.ouId} ${p.region}${p.accounts ? ` account${p.accounts.length === 1 ? '' : 's'} ${p.accounts.join(', ')}` : ''}`;
}

const renderParameter = (p: { key: string; from?: string; to?: string }) =>
  `  parameter ${p.key}: ${p.from === undefined ? '(none)' : JSON.stringify(p.from)} -> ${p.to === undefined ? '(removed)' : JSON.stringify(p.to)}`;

export function renderStackSet(s: StackSetPreview): string[] {
  const out: string[] = [];
  const head = s.action === 'none' ? 'no changes' : s.action === 'create' ? 'create' : `update (${s.reasons.join('; ')})`;
  out.push(`StackSet ${s.name}: ${head}`);
  for (const id of s.runningOperations) out.push(`  operation ${id} is running; deploy waits for it first`);
  if (s.action === 'none') return out;
  out.push(...s.parameters.map(renderParameter));
  out.push(...renderTemplate(s.template));
  for (const p of s.add) out.push(`  + ${renderPair(p)}`);
  for (const p of s.remove) out.push(`  - ${renderPair(p)}`);
  out.push(`  accounts affected: ${s.accountsAffected}`);
  for (const op of s.operations)
    out.push(
      `  operation: ${op.description}: ${plural(op.accounts, 'account')} x ${plural(op.regions.length, 'region')}, ${plural(op.waves, 'wave')}, about ${formatDuration(op.seconds)}`,
    );
  for (const w of s.warnings) out.push(`  warning: ${w}`);
  return out;
}

export function renderStack(s: StackPreview): string[] {
  const out: string[] = [];
  const head = s.action === 'none' ? 'no changes' : `${s.action}${s.reasons.length > 0 ? ` (${s.reasons.join('; ')})` : ''}`;
  out.push(`stack ${s.name} (${s.region}): ${head}`);
  out.push(...s.parameters.map(renderParameter));
  out.push(...renderTemplate(s.template));
  return out;
}

export function renderPlan(r: PlanReport): string {
  const lines = [`plan for account ${r.account} (StackSets as ${r.callAs}) in ${r.organizationId}`];
  for (const a of r.attached) lines.push(`attached to running operation ${a.operationId} on ${a.stackSet}; planned against what it left`);
  lines.push('');
  for (const s of r.stackSets) lines.push(...renderStackSet(s));
  for (const s of r.stacks) lines.push(...renderStack(s));
  for (const name of r.removals.stackSets) {
    const when = r.removedFirst.includes(name) ? ', before the source StackSets (they create the same roles)' : '';
    lines.push(`StackSet ${name}: delete (no longer in config${when}): every instance, then the StackSet`);
  }
  for (const s of r.removals.stacks) lines.push(`stack ${s.name} (${s.region}): delete (no longer in config)`);
  for (const m of r.membership) lines.push(`${describeMembership(m)}; deploy updates the pipeline`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push('');
  if (r.noChanges) {
    lines.push('no changes: deploy would make no mutating call');
  } else {
    const ss = r.stackSets.filter((s) => s.action !== 'none' || s.runningOperations.length > 0);
    const st = r.stacks.filter((s) => s.action !== 'none');
    const removals = r.removals.stackSets.length + r.removals.stacks.length;
    lines.push(
      `changes pending: ${plural(ss.length, 'StackSet')} (${plural(r.accountsAffected, 'account')} affected, about ${r.estimate.text} at MaxConcurrentPercentage ${r.preferences.maxConcurrentPercentage}, regions ${r.preferences.regionConcurrency}), ${plural(st.length, 'stack')}${removals > 0 ? `, ${removals} to remove (deploy asks first)` : ''}`,
    );
  }
  return lines.join('\n');
}
