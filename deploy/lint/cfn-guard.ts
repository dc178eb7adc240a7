/**
 * AWS Control Tower proactive controls, run by the cfn-guard binary that
 * `@cdklabs/cdk-validator-cfnguard` ships, over every template in one process.
 */
import { arch, platform } from 'node:os';
import { join, resolve } from 'node:path';
import type { Finding } from '../../templates-src/checks/types';
import { XacctError } from '../errors';
import type { TemplateFile } from './files';
import { lintPackageDir } from './packages';
import { runProcess } from './run-process';

export const GUARD_RULE_PREFIX = 'cfn-guard';

function packageDir(): string {
  return lintPackageDir('@cdklabs/cdk-validator-cfnguard');
}

export function guardBinary(): string {
  const os = platform() === 'darwin' ? 'macos' : 'ubuntu';
  const cpu = arch() === 'arm64' ? 'aarch64' : 'x86_64';
  return join(packageDir(), 'bin', os, cpu, 'cfn-guard');
}

export function controlTowerRules(): string {
  return join(packageDir(), 'rules', 'control-tower', 'cfn-guard');
}

type Tree = { [key: string]: unknown } | unknown[];

function walk(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Tree)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}

/** Logical IDs a failed rule points at, and its control's first message line (`[CT.S3.PR.2]: ...`). */
function describeFailure(rule: unknown): { resources: string[]; control: string } {
  const resources = new Set<string>();
  let control = '';
  walk(rule, (key, value) => {
    if (typeof value !== 'string') return;
    for (const m of value.matchAll(/\/Resources\/([^/\s[\]]+)/g)) resources.add(m[1]);
    if (key === 'custom_message' && !control) control = value.trim().split('\n')[0].trim();
  });
  return { resources: [...resources].sort(), control };
}

interface GuardFileReport {
  name: string;
  not_compliant?: Array<{ Rule?: { name?: string } }>;
}

/** Findings from cfn-guard's structured JSON output, one per failed rule and resource. */
export function parseGuardReport(stdout: string, byFile: Map<string, TemplateFile>): Finding[] {
  const reports = JSON.parse(stdout) as GuardFileReport[];
  return reports.flatMap((r) => {
    const t = byFile.get(r.name);
    return (r.not_compliant ?? []).flatMap((nc) => {
      const rule = `${GUARD_RULE_PREFIX}:${nc.Rule?.name ?? 'unknown'}`;
      const { resources, control } = describeFailure(nc);
      return (resources.length > 0 ? resources : ['(template)']).map((resource) => ({
        template: t?.name ?? r.name,
        resource,
        rule,
        message: control || 'not compliant',
      }));
    });
  });
}

export async function runGuard(templates: TemplateFile[]): Promise<Finding[]> {
  const args = ['validate', '--rules', controlTowerRules(), '--output-format', 'json', '--show-summary', 'none', '--structured'];
  // cfn-guard names each file by its absolute path in the report.
  for (const t of templates) args.push('--data', resolve(t.file));
  const result = await runProcess(guardBinary(), args);
  // 0: all compliant; 19: some rule failed. Anything else is cfn-guard itself failing.
  if (result.code !== 0 && result.code !== 19) {
    throw new XacctError('INTERNAL', `cfn-guard exited ${result.code}: ${result.stderr.trim() || result.stdout.slice(0, 500)}`);
  }
  return parseGuardReport(result.stdout, new Map(templates.map((t) => [resolve(t.file), t])));
}
