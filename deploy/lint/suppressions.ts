/**
 * Security-rule findings xacct accepts on purpose. Each entry names the rule, the resources it
 * applies to and the reason; `xacct lint` prints every suppression it applies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Finding } from '../../templates-src/checks/types';
import { XacctError } from '../errors';
import { packageRoot } from '../package-info';

export const SUPPRESSIONS_FILE = '.lint-suppressions.yaml';

export interface Suppression {
  rule: string;
  resources: string[];
  reason: string;
}

function invalid(file: string, i: number, what: string): never {
  throw new XacctError('BAD_INPUT', `${file}: suppressions[${i}]: ${what}`);
}

export function parseSuppressions(text: string, file = SUPPRESSIONS_FILE): Suppression[] {
  const doc = parse(text) as { suppressions?: unknown } | null;
  const list = doc?.suppressions ?? [];
  if (!Array.isArray(list)) throw new XacctError('BAD_INPUT', `${file}: 'suppressions' must be a list`);
  return list.map((entry: Record<string, unknown>, i) => {
    if (typeof entry?.rule !== 'string') invalid(file, i, 'needs a rule');
    if (!Array.isArray(entry.resources) || entry.resources.length === 0) invalid(file, i, 'needs the logical IDs it applies to (resources)');
    if (typeof entry.reason !== 'string' || entry.reason.trim().length < 20) invalid(file, i, 'needs a written reason');
    return { rule: entry.rule as string, resources: (entry.resources as unknown[]).map(String), reason: (entry.reason as string).trim() };
  });
}

/** Read a suppressions file; a file that cannot be read is bad input (a typo must not pass silently). */
export function loadSuppressions(file = SUPPRESSIONS_FILE): Suppression[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new XacctError('BAD_INPUT', `suppressions file ${file}: cannot read: ${reason}`);
  }
  return parseSuppressions(text, file);
}

/**
 * The suppressions a lint run uses, independent of the current directory: `--suppressions FILE`,
 * else .lint-suppressions.yaml beside the templates (in DIR), else the file xacct ships, which
 * accepts the findings on xacct's own templates with their reasons.
 */
export function findSuppressions(dir: string, explicit?: string): { file: string; how: string } {
  if (explicit !== undefined) return { file: explicit, how: '--suppressions' };
  const beside = join(dir, SUPPRESSIONS_FILE);
  if (existsSync(beside)) return { file: beside, how: `found in ${dir}` };
  return { file: join(packageRoot(), SUPPRESSIONS_FILE), how: "xacct's own, for its templates" };
}

export interface Suppressed {
  finding: Finding;
  reason: string;
}

/** A logical ID, or a pattern with `*` for IDs derived from config names (`*BuildLogs`). */
export function matchesId(pattern: string, id: string): boolean {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[A-Za-z0-9]*')}$`,
  ).test(id);
}

/** Split findings into those still failing and those a suppression covers (with its reason). */
export function applySuppressions(findings: Finding[], suppressions: Suppression[]): { failing: Finding[]; suppressed: Suppressed[] } {
  const failing: Finding[] = [];
  const suppressed: Suppressed[] = [];
  for (const f of findings) {
    const s = suppressions.find((x) => x.rule === f.rule && x.resources.some((r) => matchesId(r, f.resource)));
    if (s) suppressed.push({ finding: f, reason: s.reason });
    else failing.push(f);
  }
  return { failing, suppressed };
}

/** The suppressions file xacct ships for its own templates, at the package root. */
export function builtInSuppressionsFile(): string {
  return join(packageRoot(), SUPPRESSIONS_FILE);
}

/**
 * The suppressions to apply: xacct's own (the reasons it accepts for its own templates, shipped with
 * the package) and, when another file was found or named, that one's too.
 */
export function suppressionsWith(file: string): Suppression[] {
  const builtIn = builtInSuppressionsFile();
  const own = loadSuppressions(builtIn);
  return resolve(file) === resolve(builtIn) ? own : [...own, ...loadSuppressions(file)];
}
