/** How a lint run reads to the operator: waivers and suppressions with reasons, then failures. */
import { formatFinding } from '../../templates-src/checks/types';
import { EXIT } from '../errors';
import type { Io } from '../io';
import type { LintReport } from './run';

export function printLintReport(r: LintReport, io: Io): number {
  for (const w of r.waivers) io.info(`waived (npm cfn-lint, 2019 spec): ${formatFinding(w.finding)} -- ${w.reason}`);
  for (const s of r.suppressed) io.info(`suppressed: ${formatFinding(s.finding)} -- ${s.reason}`);
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
    suppressed: r.suppressed,
  });
  return ok ? EXIT.OK : EXIT.FAILED;
}
