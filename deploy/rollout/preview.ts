/**
 * What a rollout would change, for the approver: plan's model for one StackSet (template and
 * parameter diffs, OU/region pairs, accounts, waves and time), read-only, as a full report and as a
 * one-line summary short enough for the approval's CustomData (pipeline-rollout.ts).
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { MAX_PREVIEW_SUMMARY } from '../../templates-src/central/pipeline-rollout';
import { formatDuration, Preferences } from '../estimate';
import type { OrgTree } from '../org-tree';
import type { CallAs } from '../preflight';
import { previewStackSet, StackSetPreview } from '../plan/report';
import { renderStackSet } from '../plan/render';
import { activeOperations, readStackSet } from '../stackset/read';
import { planStackSet, StackSetSpec } from '../stackset/spec';

export interface RolloutPreview {
  account: string;
  callAs: CallAs;
  organizationId: string;
  pipeline: string;
  stage: string;
  preview: StackSetPreview;
  /** One line, at most MAX_PREVIEW_SUMMARY characters: what the approval shows. */
  summary: string;
}

/** The preferences the estimate walks: the stage's own, as the spec carries them. */
function preferencesOf(spec: StackSetSpec): Preferences {
  return {
    maxConcurrent: { percentage: spec.preferences.MaxConcurrentPercentage ?? 100 },
    regionConcurrency: spec.preferences.RegionConcurrencyType === 'PARALLEL' ? 'PARALLEL' : 'SEQUENTIAL',
  };
}

/** Read the StackSet and plan it as `rollout` would; changes nothing. */
export async function previewRollout(
  cfn: CloudFormationClient,
  spec: StackSetSpec,
  o: { callAs: CallAs; tree: OrgTree; ouNames: Map<string, string> },
): Promise<StackSetPreview> {
  const state = await readStackSet(cfn, spec.name, o.callAs, { instances: 'problems' });
  const running = state.exists ? (await activeOperations(cfn, spec.name, o.callAs)).map((op) => op.OperationId ?? '') : [];
  const plan = { ...planStackSet(spec, state), runningOperations: running };
  return previewStackSet({ spec, state }, plan, { tree: o.tree, prefs: preferencesOf(spec), names: o.ouNames });
}

const count = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** Cut to `max` characters, marking the cut. */
function fit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** One line for the approver: what, how many accounts and regions, how long, and what in the template changes. */
export function previewSummary(p: StackSetPreview): string {
  const running = p.runningOperations.length > 0 ? `; ${count(p.runningOperations.length, 'operation')} still running first` : '';
  if (p.action === 'none') return fit(`StackSet ${p.name}: no changes${running}.`, MAX_PREVIEW_SUMMARY);
  const regions = [...new Set(p.operations.flatMap((op) => op.regions))];
  const parts = [
    `StackSet ${p.name}: ${p.action === 'create' ? 'create' : `update (${p.reasons.join('; ')})`}`,
    `${count(p.accountsAffected, 'account')} in ${count(regions.length, 'region')} (${regions.join(', ')}), ${count(p.estimate.waves, 'wave')}, about ${p.estimate.text}`,
  ];
  const t = p.template;
  if (t && !t.note) {
    const by = (c: string) => t.resources.filter((r) => r.change === c).length;
    const replaced = t.resources.filter((r) => r.impact === 'WILL_REPLACE').length;
    parts.push(
      `template: ${by('add')} added, ${by('modify')} changed${replaced > 0 ? ` (${replaced} replaced)` : ''}, ${by('remove')} removed${t.permissionsBroadened ? ', IAM permissions broadened' : ''}`,
    );
  }
  if (p.parameters.length > 0) parts.push(`parameters: ${p.parameters.map((x) => x.key).join(', ')}`);
  for (const w of p.warnings.slice(0, 1)) parts.push(`warning: ${w}`);
  return fit(`${parts.join('; ')}${running}.`, MAX_PREVIEW_SUMMARY);
}

export function renderPreview(r: RolloutPreview): string {
  const lines = [`preview of stage ${r.stage} of pipeline ${r.pipeline} for account ${r.account} (StackSets as ${r.callAs}) in ${r.organizationId}`, ''];
  lines.push(...renderStackSet(r.preview));
  if (r.preview.action !== 'none')
    lines.push('', `rollout would take about ${formatDuration(r.preview.estimate.seconds)} (${count(r.preview.estimate.waves, 'wave')})`);
  lines.push('', `summary: ${r.summary}`);
  return lines.join('\n');
}
