/**
 * The README's Config reference, rendered from the JSON Schema (and so from the descriptions in
 * config.ts): one row per field with its default. test/config/reference.test.ts fails when the
 * README's table differs, so the two cannot drift.
 */
import { configJsonSchema } from './config';

interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  required?: string[];
}

export interface ReferenceRow {
  key: string;
  default: string;
  meaning: string;
}

function defaultText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return '';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/** The object shapes a schema holds: itself, or each branch of a one-of. */
function shapes(s: JsonSchema): JsonSchema[] {
  return [s, ...(s.oneOf ?? []), ...(s.anyOf ?? [])].filter((x) => x.properties !== undefined);
}

/** Rows for every field of `schema`; `required` means required within its own parent. */
function rowsOf(schema: JsonSchema, path: string): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  for (const shape of shapes(schema)) {
    for (const [key, child] of Object.entries(shape.properties ?? {})) {
      if (key === '$schema') continue;
      const p = path === '' ? key : `${path}.${key}`;
      const isRequired = (shape.required ?? []).includes(key) && child.default === undefined;
      rows.push({ key: p, default: defaultText(child.default) || (isRequired ? 'required' : ''), meaning: child.description ?? '' });
      rows.push(...childRows(child, p));
    }
  }
  return rows;
}

function childRows(child: JsonSchema, p: string): ReferenceRow[] {
  if (child.items && shapes(child.items).length > 0) return rowsOf(child.items, `${p}[]`);
  if (typeof child.additionalProperties === 'object' && shapes(child.additionalProperties).length > 0) return rowsOf(child.additionalProperties, `${p}.<name>`);
  return rowsOf(child, p);
}

export function configReferenceRows(): ReferenceRow[] {
  return rowsOf(configJsonSchema() as JsonSchema, '');
}

/** Markdown: `<placeholders>` in code so they show, pipes escaped. */
function cell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/(\S*<[a-zA-Z]+>\S*)/g, (m) => (m.startsWith('`') ? m : `\`${m.replace(/[,;:)]+$/, '')}\`${m.match(/[,;:)]+$/)?.[0] ?? ''}`));
}

export function configReferenceTable(): string {
  const lines = ['| key | default | meaning |', '|---|---|---|'];
  for (const r of configReferenceRows()) lines.push(`| \`${r.key}\` | ${r.default || '—'} | ${cell(r.meaning)} |`);
  return lines.join('\n');
}

let schema: JsonSchema | undefined;

/** The schema of one field: properties (of the object or of a one-of branch that has it), items, or additionalProperties. */
function childSchema(s: JsonSchema, key: string | number): JsonSchema | undefined {
  if (typeof key === 'number') return s.items;
  for (const shape of [s, ...(s.oneOf ?? []), ...(s.anyOf ?? [])]) if (shape.properties?.[key]) return shape.properties[key];
  return typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
}

/**
 * The JSON Schema's description of the field at `path` (`['pipelines', 0, 'source']`), in the
 * words the README's Config reference and an editor's hover show; `[]` is the whole config.
 */
export function fieldDescription(path: ReadonlyArray<string | number>): string | undefined {
  schema ??= configJsonSchema() as JsonSchema;
  let s: JsonSchema | undefined = schema;
  for (const key of path) {
    s = s && childSchema(s, key);
    if (!s) return undefined;
  }
  return s.description;
}
