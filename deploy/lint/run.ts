/**
 * `xacct lint`: the pure template checks, cfn-guard's Control Tower rules and cfn-lint over every
 * template of a directory (or a tree of fixtures), combined into one report.
 */
import { checks, runChecks } from '../../templates-src/checks';
import { servicesUsed } from '../../templates-src/checks/iam-actions-exist';
import type { Finding } from '../../templates-src/checks/types';
import { CfnLintFlavour, runCfnLint, Waiver } from './cfn-lint';
import { runGuard } from './cfn-guard';
import { findTemplates, TemplateFile } from './files';
import { loadActionCatalog } from './iam-catalog';
import { loadSpec } from './spec';
import type { Io } from '../io';
import { resolve } from 'node:path';
import { applySuppressions, builtInSuppressionsFile, findSuppressions, Suppressed, suppressionsWith } from './suppressions';

export interface LintOptions {
  dir: string;
  /** Walk the tree; templates under `broken/` must be rejected by the rules they name. */
  fixtures: boolean;
  cfnLint: CfnLintFlavour | 'auto';
  suppressionsFile?: string;
}

export interface FixtureProblem {
  file: string;
  message: string;
}

export interface LintReport {
  templates: number;
  rules: string[];
  cfnLint: CfnLintFlavour;
  /** Findings on templates that must pass. */
  failures: Finding[];
  /** Broken fixtures that were not rejected as they declare. */
  fixtureProblems: FixtureProblem[];
  /** Findings on broken fixtures, by file: what rejected them. */
  rejected: Map<string, Finding[]>;
  waivers: Waiver[];
  suppressed: Suppressed[];
  /** The suppressions file used. */
  suppressionsFile: string;
}

/** Our own checks run per directory: the templates of one directory deploy together. */
function ownChecks(files: TemplateFile[], ctx: Parameters<typeof runChecks>[1]): Finding[] {
  const groups = new Map<string, TemplateFile[]>();
  for (const f of files) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  return [...groups.values()].flatMap((g) => runChecks(g, ctx));
}

/** `cfn-lint` expects any cfn-lint finding (the Python and npm flavours name rules differently). */
export function matchesRule(found: string, expected: string): boolean {
  return found === expected || found.startsWith(`${expected}:`);
}

function fixtureProblems(t: TemplateFile, found: Finding[]): FixtureProblem[] {
  if (t.expectRules.length === 0) return [{ file: t.file, message: "a broken fixture must name the rules that reject it (Metadata 'xacct:expect-rules')" }];
  return t.expectRules
    .filter((rule) => !found.some((f) => matchesRule(f.rule, rule)))
    .map((rule) => ({
      file: t.file,
      message: `was not rejected by ${rule}${found.length ? ` (only by ${[...new Set(found.map((f) => f.rule))].join(', ')})` : ''}`,
    }));
}

export async function runLint(o: LintOptions, io?: Pick<Io, 'info'>): Promise<LintReport> {
  const files = findTemplates(o.dir, o.fixtures);
  const found = findSuppressions(o.dir, o.suppressionsFile);
  const suppressions = suppressionsWith(found.file);
  const ownCount = suppressionsWith(builtInSuppressionsFile()).length;
  const entries = (n: number) => `${n} entr${n === 1 ? 'y' : 'ies'}`;
  io?.info(
    resolve(found.file) === resolve(builtInSuppressionsFile())
      ? `suppressions: ${found.file} (${found.how}; ${entries(ownCount)})`
      : `suppressions: xacct's own (${entries(ownCount)}), then ${found.file} (${found.how}; ${entries(suppressions.length - ownCount)})`,
  );
  const spec = loadSpec();
  const iam = await loadActionCatalog(servicesUsed(files));
  const own = ownChecks(files, { spec, iam });
  const [guard, lint] = await Promise.all([runGuard(files), runCfnLint(files, spec, o.cfnLint)]);
  const { failing, suppressed } = applySuppressions(guard, suppressions);
  const all: Finding[] = [...own, ...failing, ...lint.findings];
  const report: LintReport = {
    templates: files.length,
    rules: checks.map((c) => c.rule),
    cfnLint: lint.flavour,
    failures: [],
    fixtureProblems: [],
    rejected: new Map(),
    waivers: lint.waivers,
    suppressed,
    suppressionsFile: found.file,
  };
  for (const t of files) {
    const found = all.filter((f) => f.template === t.name);
    if (t.broken) {
      report.rejected.set(t.file, found);
      report.fixtureProblems.push(...fixtureProblems(t, found));
    } else report.failures.push(...found);
  }
  return report;
}
