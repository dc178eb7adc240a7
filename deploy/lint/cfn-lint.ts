/**
 * cfn-lint: the Python `cfn-lint` when it is on PATH (current schemas, configured by `.cfnlintrc`),
 * otherwise the npm `cfn-lint` through npx. The npm package's 2019 specification rejects properties
 * CloudFormation has since gained; such a finding is waived only when the current registry data
 * defines the property, and every waiver is returned so the caller prints it.
 */
import { resolve } from 'node:path';
import type { SpecLookup } from '../../templates-src/checks/spec';
import type { Finding } from '../../templates-src/checks/types';
import { XacctError } from '../errors';
import type { TemplateFile } from './files';
import { findOnPath, ProcessResult, runProcess } from './run-process';
import { unknownTypeWaiver, waiverReason } from './cfn-lint-waivers';
import { lintPackageDir } from './packages';

export type CfnLintFlavour = 'python' | 'npm';

export interface Waiver {
  finding: Finding;
  reason: string;
}

export interface CfnLintResult {
  flavour: CfnLintFlavour;
  findings: Finding[];
  waivers: Waiver[];
}

interface PythonMatch {
  Filename: string;
  Level: string;
  Message: string;
  Location?: { Path?: Array<string | number> };
  Rule: { Id: string };
}

function resourceOf(path: Array<string | number> | undefined): string {
  if (!path || path.length === 0) return '(template)';
  return path[0] === 'Resources' && path.length > 1 ? String(path[1]) : path.slice(0, 2).join('.');
}

/** Errors and warnings of the Python cfn-lint's JSON output; informational matches are dropped. */
export function parsePythonOutput(stdout: string, byFile: Map<string, TemplateFile>): Finding[] {
  const matches = JSON.parse(stdout || '[]') as PythonMatch[];
  return matches
    .filter((m) => m.Level === 'Error' || m.Level === 'Warning')
    .map((m) => ({
      template: byFile.get(m.Filename)?.name ?? m.Filename,
      resource: resourceOf(m.Location?.Path),
      rule: `cfn-lint:${m.Rule.Id}`,
      message: m.Message,
    }));
}

/** The Python cfn-lint prints `cfn-lint 1.x.y`; the npm one prints only its version. */
const PYTHON_SIGNATURE = /^cfn-lint \d/m;

async function runPython(templates: TemplateFile[]): Promise<Finding[]> {
  const command = await findOnPath('cfn-lint', PYTHON_SIGNATURE);
  if (!command) throw new XacctError('PRECONDITION', 'the Python cfn-lint is not on PATH (pip install cfn-lint)');
  const result = await runProcess(command, ['--format', 'json', '--', ...templates.map((t) => t.file)]);
  // Exit codes are a bit mask of error (2), warning (4) and informational (8) matches; 1 is a crash.
  if (result.code === 1 || result.code > 15) throw new XacctError('INTERNAL', `cfn-lint failed (${result.code}): ${result.stderr.trim()}`);
  return parsePythonOutput(result.stdout, new Map(templates.map((t) => [t.file, t])));
}

/** `N crit` / `Resource: ...` / `Message: ...` blocks of the npm cfn-lint's text output. */
export function parseNpmOutput(stdout: string): Array<{ level: string; resource: string; message: string }> {
  const out: Array<{ level: string; resource: string; message: string }> = [];
  let level = '';
  let resource = '';
  for (const raw of stdout.split('\n')) {
    // eslint-disable-next-line no-control-regex -- cfn-lint colours its output with ANSI escapes; they are stripped before parsing
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trim();
    const header = /^\d+ (infos|warn|crit)$/.exec(line);
    if (header) level = header[1];
    else if (line.startsWith('Resource: ')) resource = line.slice('Resource: '.length);
    else if (line.startsWith('Message: ')) out.push({ level, resource, message: line.slice('Message: '.length) });
  }
  return out;
}

function unparsed(t: TemplateFile, r: ProcessResult, spec: SpecLookup): { findings: Finding[]; waivers: Waiver[] } {
  const finding = {
    template: t.name,
    resource: '(template)',
    rule: 'cfn-lint:npm',
    message: `${r.stdout.trim()} ${r.stderr.split('\n')[0]}`.trim() || `exited ${r.code}`,
  };
  const reason = unknownTypeWaiver(spec, `${r.stdout}\n${r.stderr}`);
  return reason ? { findings: [], waivers: [{ finding, reason }] } : { findings: [finding], waivers: [] };
}

function npmFindings(t: TemplateFile, r: ProcessResult, spec: SpecLookup): { findings: Finding[]; waivers: Waiver[] } {
  const findings: Finding[] = [];
  const waivers: Waiver[] = [];
  const blocks = parseNpmOutput(r.stdout).filter((b) => b.level !== 'infos');
  if (r.code !== 0 && blocks.length === 0) return unparsed(t, r, spec);
  for (const b of blocks) {
    const path = b.resource.split('>').map((s) => s.trim());
    const finding = {
      template: t.name,
      resource: path[0] === 'Resources' && path[1] ? path[1] : b.resource,
      rule: `cfn-lint:npm-${b.level}`,
      message: `${b.resource}: ${b.message}`,
    };
    const reason = waiverReason(spec, t.template, b.resource, b.message);
    if (reason) waivers.push({ finding, reason });
    else findings.push(finding);
  }
  return { findings, waivers };
}

/** Where the npm cfn-lint is installed, so npx finds it wherever xacct runs from. */
function npmProjectDir(): string {
  return resolve(lintPackageDir('cfn-lint'), '..', '..');
}

async function runNpm(templates: TemplateFile[], spec: SpecLookup): Promise<{ findings: Finding[]; waivers: Waiver[] }> {
  const cwd = npmProjectDir();
  const results = await Promise.all(
    templates.map(async (t) => {
      const r = await runProcess('npx', ['--no-install', 'cfn-lint', 'validate', '--verbose', resolve(t.file)], cwd);
      return npmFindings(t, r, spec);
    }),
  );
  return { findings: results.flatMap((r) => r.findings), waivers: results.flatMap((r) => r.waivers) };
}

export async function chooseFlavour(requested: CfnLintFlavour | 'auto'): Promise<CfnLintFlavour> {
  if (requested !== 'auto') return requested;
  return (await findOnPath('cfn-lint', PYTHON_SIGNATURE)) ? 'python' : 'npm';
}

export async function runCfnLint(templates: TemplateFile[], spec: SpecLookup, requested: CfnLintFlavour | 'auto' = 'auto'): Promise<CfnLintResult> {
  const flavour = await chooseFlavour(requested);
  if (flavour === 'python') return { flavour, findings: await runPython(templates), waivers: [] };
  return { flavour, ...(await runNpm(templates, spec)) };
}
