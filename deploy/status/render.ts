/** The status report as text. */
import type { DriftedResource } from './drift';
import type { StatusReport } from './model';
import { describeMembership } from '../membership';

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
    const orphan = s.orphaned ? ' [no longer in the config: the next deploy removes it]' : '';
    if (!s.exists) {
      lines.push(`StackSet ${s.name}: not deployed`);
      continue;
    }
    lines.push(`StackSet ${s.name}: ${s.instances} instance${s.instances === 1 ? '' : 's'}${s.instances > 0 ? ` (${countsText(s.byStatus)})` : ''}${orphan}`);
    for (const g of s.groups) {
      lines.push(`  ${g.ou ? `${g.ou} (${g.ouId})` : g.ouId} ${g.region}: ${countsText(g.counts)}`);
      for (const f of g.failed) lines.push(`    ${f.account} ${f.status}/${f.detailedStatus}: ${f.reason}`);
    }
    if (s.lastOperation)
      lines.push(
        `  last operation: ${s.lastOperation.action} ${s.lastOperation.id} ${s.lastOperation.status}${s.lastOperation.ended ? ` at ${s.lastOperation.ended}` : ''}`,
      );
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
    const orphan = s.orphaned ? ' [no longer in the config: the next deploy removes it]' : '';
    if (!s.exists) {
      lines.push(`stack ${s.name} (${s.region}): not deployed`);
      continue;
    }
    lines.push(
      `stack ${s.name} (${s.region}): ${s.status}${s.reason ? ` (${s.reason})` : ''}, termination protection ${s.terminationProtection ? 'on' : 'off'}${orphan}`,
    );
    if (s.drift) {
      lines.push(
        `  drift: ${s.drift.status}${s.drift.resources.length > 0 ? `, ${s.drift.resources.length} resource${s.drift.resources.length === 1 ? '' : 's'}` : ''}`,
      );
      lines.push(...renderDrifted(s.drift.resources, '    '));
    }
  }
  for (const m of r.membership ?? []) lines.push(`${describeMembership(m)}; the next deploy updates the pipeline`);
  return lines.join('\n');
}
