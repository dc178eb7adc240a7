/**
 * Finding and reading the templates `xacct lint` checks: `*.template.json` in a directory, or in a
 * whole tree of fixtures, grouped by the directory they sit in (templates that deploy together).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { isObject, TemplateUnderCheck } from '../../templates-src/checks/types';
import { XacctError } from '../errors';

export const TEMPLATE_SUFFIX = '.template.json';
/** Fixtures under a directory of this name must be rejected, each by the rules it names. */
export const BROKEN_DIR = 'broken';

export interface TemplateFile extends TemplateUnderCheck {
  /** The name findings use: file name without `.template.json`, prefixed by its directory below the root. */
  name: string;
  file: string;
  /** Directory relative to the linted root ('' for the root itself). */
  group: string;
  /** Under a `broken/` directory: a fixture that must be rejected. */
  broken: boolean;
  /** Rules a broken fixture must trigger (Metadata `xacct:expect-rules`). */
  expectRules: string[];
}

function templateFiles(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (recursive && statSync(path).isDirectory()) out.push(...templateFiles(path, true));
    else if (entry.endsWith(TEMPLATE_SUFFIX)) out.push(path);
  }
  return out;
}

function expectRules(template: Record<string, unknown>): string[] {
  const meta = template.Metadata;
  const rules = isObject(meta) ? meta['xacct:expect-rules'] : undefined;
  return Array.isArray(rules) ? rules.filter((r): r is string => typeof r === 'string') : [];
}

export function readTemplate(root: string, file: string): TemplateFile {
  let template: unknown;
  try {
    template = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new XacctError('BAD_INPUT', `${file}: not a JSON template: ${(err as Error).message}`);
  }
  if (!isObject(template)) throw new XacctError('BAD_INPUT', `${file}: a template must be a JSON object`);
  const group = relative(root, join(file, '..'));
  const broken = group.split(/[\\/]/).includes(BROKEN_DIR);
  const name = basename(file, TEMPLATE_SUFFIX);
  return { name: group ? `${group}/${name}` : name, file, group, broken, template, expectRules: expectRules(template) };
}

export function findTemplates(root: string, recursive: boolean): TemplateFile[] {
  let files: string[];
  try {
    files = templateFiles(root, recursive);
  } catch (err) {
    throw new XacctError('BAD_INPUT', `cannot read ${root}: ${(err as Error).message}`);
  }
  if (files.length === 0) throw new XacctError('BAD_INPUT', `no *${TEMPLATE_SUFFIX} files in ${root}${recursive ? ' or below' : ''} (run make build first?)`);
  return files.map((f) => readTemplate(root, f));
}
