/**
 * Config problems in xacct's own words. The schema library finds what is wrong; this module says it:
 * every problem names its field path and what was expected there, unknown keys come with the
 * nearest known key, a union (a source, an approval) is reported by the branch the input was
 * meant to be, and an account ID that YAML read as a number is told to be quoted. No text of the
 * schema library reaches the operator (test/config/fuzz.test.ts holds every message to that).
 */
import type { z } from 'zod';
import { didYouMean } from './suggest';

/** One problem found in a config: where, and what was expected. */
export interface ConfigProblem {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `targets.prod.ous[0]` from `['targets', 'prod', 'ous', 0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

type Schema = z.core.$ZodType;
type Def = { type: string; [key: string]: unknown };
const def = (s: Schema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema itself, without optional/default/nullable wrappers. */
export function unwrap(s: Schema): Schema {
  let current = s;
  for (let i = 0; i < 10; i++) {
    const d = def(current);
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional', 'catch'].includes(d.type)) current = d.innerType as Schema;
    else if (d.type === 'pipe') current = d.in as Schema;
    else break;
  }
  return current;
}

function objectKeys(s: Schema): string[] {
  const u = unwrap(s);
  const d = def(u);
  if (d.type === 'object') return Object.keys(d.shape as object);
  if (d.type === 'union') return (d.options as Schema[]).flatMap(objectKeys);
  return [];
}

/** The schema at `path` inside `root` (following objects, arrays, records and the union branch holding the key). */
export function schemaAt(root: Schema, path: ReadonlyArray<PropertyKey>): Schema | undefined {
  let current: Schema | undefined = root;
  for (const part of path) {
    if (!current) return undefined;
    const d = def(unwrap(current));
    if (d.type === 'object') current = (d.shape as Record<string, Schema>)[String(part)];
    else if (d.type === 'array') current = d.element as Schema;
    else if (d.type === 'record') current = d.valueType as Schema;
    else if (d.type === 'union') current = (d.options as Schema[]).map((o) => schemaAt(o, [part])).find(Boolean);
    else return undefined;
  }
  return current;
}

const describe = (s: Schema | undefined): string | undefined => (s ? ((s as { description?: string }).description ?? undefined) : undefined);

/** What a value is, in words: `the number 12345`, `a list`, `nothing`. */
export function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null (an empty value)';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return `the text ${JSON.stringify(input)}`;
  return `the ${typeof input} ${String(input)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

/** YAML 1.2 (what the loader speaks) reads yes/no/on/off as text, unlike YAML 1.1. */
function yamlBooleanHint(input: unknown): string {
  return typeof input === 'string' && /^(yes|no|on|off|y|n)$/i.test(input) ? ` (YAML 1.2 reads ${input} as text: write true or false)` : '';
}

function sizeText(origin: string, n: number | bigint, side: 'least' | 'most'): string {
  const count = Number(n);
  if (origin === 'array' || origin === 'set') return `at ${side} ${count} item${count === 1 ? '' : 's'}`;
  if (origin === 'string') return `at ${side} ${count} character${count === 1 ? '' : 's'}`;
  return side === 'least' ? `${count} or more` : `${count} or less`;
}

function sizeProblem(issue: RawIssue, side: 'least' | 'most'): string {
  const limit = side === 'least' ? issue.minimum : issue.maximum;
  const input = issue.input;
  const got = Array.isArray(input)
    ? `${input.length} item${input.length === 1 ? '' : 's'}`
    : typeof input === 'string'
      ? `${input.length} character${input.length === 1 ? '' : 's'}`
      : String(input);
  if (issue.origin === 'string' && side === 'least' && Number(limit) === 1) return 'must not be empty';
  if (Array.isArray(input) && input.length === 0) return `must not be empty: expected ${sizeText('array', limit ?? 0, side)}`;
  return `expected ${sizeText(issue.origin ?? '', limit ?? 0, side)}, got ${got}`;
}

type RawIssue = z.core.$ZodRawIssue & {
  input?: unknown;
  inst?: Schema;
  expected?: string;
  values?: unknown[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
};

/**
 * The message for one issue, passed to zod as its error map: every issue code gets xacct's wording,
 * with the field's own description when it has one.
 */
export function issueMessage(issue: RawIssue): string {
  const expects = describe(issue.inst);
  switch (issue.code) {
    case 'invalid_type': {
      const wanted = TYPE_WORDS[issue.expected ?? ''] ?? issue.expected ?? 'another value';
      if (issue.input === undefined) return `missing; expected ${wanted}${expects ? ` (${expects})` : ''}`;
      return `expected ${wanted}, got ${describeInput(issue.input)}${issue.expected === 'boolean' ? yamlBooleanHint(issue.input) : ''}`;
    }
    case 'too_small':
      return sizeProblem(issue, 'least');
    case 'too_big':
      return sizeProblem(issue, 'most');
    case 'invalid_value': {
      const values = (issue.values ?? []).map(String);
      return `${describeInput(issue.input)} is not one of ${values.join(', ')}${typeof issue.input === 'string' ? didYouMean(issue.input, values) : ''}`;
    }
    case 'invalid_format':
      return `${describeInput(issue.input)} is not valid here${expects ? `: expected ${expects}` : ''}`;
    case 'invalid_union':
      return `expected ${expects ?? 'another shape'}, got ${describeInput(issue.input)}${yamlBooleanHint(issue.input)}`;
    case 'invalid_key':
      return `the name ${JSON.stringify(issue.input)} is not valid here`;
    case 'unrecognized_keys':
      return 'unknown key';
    case 'custom':
      return issue.message ?? 'invalid value';
    default:
      return `${describeInput(issue.input)} is not valid here`;
  }
}

type Issue = z.core.$ZodIssue & { input?: unknown };

function unknownKeys(root: Schema, issue: Issue & { keys: string[] }, base: PropertyKey[]): ConfigProblem[] {
  const path = [...base, ...issue.path];
  const known = objectKeys(schemaAt(root, path) ?? root).filter((k) => k !== '$schema');
  return issue.keys.map((key) => ({
    path: formatPath([...path, key]),
    message: `unknown key${didYouMean(key, known)}${didYouMean(key, known) ? '' : ` (known here: ${known.join(', ')})`}`,
  }));
}

/**
 * A union reported by the branch the input meant: the object branch that knows most of the input's
 * keys gets its own problems (with their own paths); otherwise the union's expected shapes.
 */
function unionProblems(root: Schema, issue: Issue & { errors: Issue[][] }, base: PropertyKey[]): ConfigProblem[] {
  const path = [...base, ...issue.path];
  const union = schemaAt(root, path);
  const options = union ? ((def(unwrap(union)).options as Schema[] | undefined) ?? []) : [];
  const input = issue.input;
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const keys = Object.keys(input);
    const scores = options.map((o) => (def(unwrap(o)).type === 'object' ? keys.filter((k) => objectKeys(o).includes(k)).length : -1));
    const best = Math.max(-1, ...scores);
    const choices = options
      .map((o) => objectKeys(o))
      .filter((k) => k.length === 1)
      .map((k) => k[0]);
    const found = keys.filter((k) => choices.includes(k));
    if (found.length > 1) return [{ path: formatPath(path), message: `has ${found.join(' and ')}; keep exactly one of ${choices.join(', ')}` }];
    if (best > 0 && scores.filter((s) => s === best).length === 1) {
      return (issue.errors[scores.indexOf(best)] ?? []).flatMap((nested) => problemsOf(root, [nested], path));
    }
    if (choices.length === options.length && keys.length > 0) {
      return keys.map((k) => ({
        path: formatPath([...path, k]),
        message: `unknown key; expected exactly one of ${choices.join(', ')}${didYouMean(k, choices)}`,
      }));
    }
  }
  return [{ path: formatPath(path), message: issue.message }];
}

/** Every issue as problems with paths, descending into unions and record keys. */
export function problemsOf(root: Schema, issues: Issue[], base: PropertyKey[] = []): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') problems.push(...unknownKeys(root, issue, base));
    else if (issue.code === 'invalid_union') problems.push(...unionProblems(root, issue as Issue & { errors: Issue[][] }, base));
    else if (issue.code === 'invalid_key') {
      const path = [...base, ...issue.path];
      const inner = (issue.issues as Issue[]).map((i) => i.message).join('; ');
      problems.push({ path: formatPath(path), message: `the name ${JSON.stringify(path[path.length - 1])} is not valid: ${inner}` });
    } else problems.push({ path: formatPath([...base, ...issue.path]), message: issue.message });
  }
  return problems;
}
