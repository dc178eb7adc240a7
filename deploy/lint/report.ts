/** How a lint run reads to the operator: waivers and suppressions with reasons, then failures. */
import { formatFinding } from '../../templates-src/checks/types';
import { EXIT } from '../errors';
import type { Io } from '../io';
import type { LintReport } from './run';
import type { Suppressed } from './suppressions';

export interface SuppressionUse {
  rule: string;
  reason: string;
  /** `template/LogicalId` of every finding the suppression covered. */
  covered: string[];
}

/** Findings grouped by the suppression that covered them: one line per suppression, not per template. */
export function suppressionUses(suppressed: Suppressed[]): SuppressionUse[] {
  const uses = new Map<string, SuppressionUse>();
  for (const s of suppressed) {
    const key = `${s.finding.rule}\n${s.reason}`;
    const use = uses.get(key) ?? { rule: s.finding.rule, reason: s.reason, covered: [] };
    const where = `${s.finding.template}/${s.finding.resource}`;
    if (!use.covered.includes(where)) use.covered.push(where);
    uses.set(key, use);
  }
  return [...uses.values()];
}

export function printLintReport(r: LintReport, io: Io): number {
  for (const w of r.waivers) io.info(`waived (npm cfn-lint, 2019 spec): ${formatFinding(w.finding)} -- ${w.reason}`);
  const uses = suppressionUses(r.suppressed);
  for (const u of uses) io.info(`suppressed: ${u.rule} on ${u.covered.join(', ')} -- ${u.reason}`);
  for (const [file, found] of r.rejected) io.info(`rejected as expected: ${file} by ${[...new Set(found.map((f) => f.rule))].join(', ') || 'nothing'}`);
  const lines = [...r.failures.map(formatFinding), ...r.fixtureProblems.map((p) => `${p.file}: ${p.message}`)];
  const ok = lines.length === 0;
  const summary =
    `lint: ${r.templates} templates; checks: ${r.rules.join(', ')}; cfn-guard (Control Tower rules); cfn-lint (${r.cfnLint}); ` +
    `${r.waivers.length} waived, ${r.suppressed.length} suppressed, ${lines.length} failing`;
  io.result([...lines, summary].join('\n'), {
    ok,
    templates: r.templates,
    cfnLint: r.cfnLint,
    failures: r.failures,
    fixtureProblems: r.fixtureProblems,
    waivers: r.waivers,
    suppressed: uses,
    suppressionsFile: r.suppressionsFile,
  });
  return ok ? EXIT.OK : EXIT.FAILED;
}
