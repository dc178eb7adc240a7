/**
 * Security-rule findings xacct accepts on purpose. Each entry names the rule, the resources it
 * applies to and the reason; `xacct lint` prints every suppression it applies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Finding } from '../../templates-src/checks/types';
import { XacctError } from '../errors';

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

export function loadSuppressions(file = SUPPRESSIONS_FILE): Suppression[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return parseSuppressions(text, file);
}

/** The directory of xacct's own package.json: the repository root, or where npm installed xacct. */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The suppressions shipped with xacct: its own templates fail these rules on purpose, in any folder. */
export function builtInSuppressionsFile(): string {
  return join(packageRoot(), SUPPRESSIONS_FILE);
}

/**
 * xacct's own suppressions, then the ones in `file` (default: `.lint-suppressions.yaml` of the
 * working directory) when that is another file. A template built by an installed xacct passes lint
 * in an empty folder; a project adds its own reasons beside them.
 */
export function suppressionsFor(file = SUPPRESSIONS_FILE): Suppression[] {
  const builtIn = builtInSuppressionsFile();
  const own = loadSuppressions(builtIn);
  return resolve(file) === resolve(builtIn) ? own : [...own, ...loadSuppressions(file)];
}

export interface Suppressed {
  finding: Finding;
  reason: string;
}

/** A logical ID, or a pattern with `*` for IDs derived from config names (`*BuildLogs`). */
export function matchesId(pattern: string, id: string): boolean {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[A-Za-z0-9]*')}$`).test(id);
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
