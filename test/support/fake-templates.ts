/**
 * Templates as CloudFormation reads them for CreateChangeSet, CreateStackSet and UpdateStackSet:
 * where the body comes from (TemplateBody, TemplateURL through the in-memory S3, or the previous
 * template), and which parameter values a stack or StackSet ends up with. Only the Parameters,
 * Resources and Outputs sections are read; resources are not validated.
 */
import { parse as parseYaml } from 'yaml';
import { FakeFault } from './fake-wire';
import type { FakeS3 } from './fake-s3';
import type { Json } from './json';

type Input = Record<string, Json>;

const fault = (name: string, message: string) => new FakeFault(name, message);

export interface TemplateParameter {
  Type?: string;
  Default?: unknown;
  AllowedPattern?: string;
  AllowedValues?: unknown[];
  ConstraintDescription?: string;
  MinLength?: number;
  MaxLength?: number;
}

export interface Template {
  Parameters?: Record<string, TemplateParameter>;
  Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;
  Outputs?: Record<string, { Value?: unknown; Export?: { Name?: unknown } }>;
}

/** The inline limit of TemplateBody (CreateChangeSet, CreateStackSet, UpdateStackSet: TemplateBody). */
const MAX_TEMPLATE_BODY = 51_200;

export function parseTemplate(body: string): Template {
  try {
    return JSON.parse(body) as Template;
  } catch {
    try {
      const t = parseYaml(body, { logLevel: 'silent' }) as unknown;
      if (t && typeof t === 'object') return t as Template;
    } catch {
      // fall through to CloudFormation's complaint
    }
    throw fault('ValidationError', 'Template format error: JSON not well-formed. (line 1, column 1)');
  }
}

/**
 * The template a request names: exactly one of TemplateBody (at most 51,200 bytes), TemplateURL (an
 * S3 object CloudFormation can read) or UsePreviousTemplate (CreateChangeSet / UpdateStackSet: TemplateBody, TemplateURL).
 */
export function templateOf(s3: FakeS3, i: Input, previous: string | undefined): string {
  const given = [i.TemplateBody !== undefined, i.TemplateURL !== undefined, Boolean(i.UsePreviousTemplate)].filter(Boolean).length;
  if (given !== 1) throw fault('ValidationError', 'Specify exactly one of TemplateBody, TemplateURL or UsePreviousTemplate');
  let body: string;
  if (i.TemplateBody !== undefined) {
    if (Buffer.byteLength(i.TemplateBody) > MAX_TEMPLATE_BODY) {
      throw fault(
        'ValidationError',
        `1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY}`,
      );
    }
    body = i.TemplateBody;
  } else if (i.TemplateURL !== undefined) {
    body = s3.templateAt(i.TemplateURL);
  } else {
    if (previous === undefined) throw fault('ValidationError', 'UsePreviousTemplate: there is no previous template');
    body = previous;
  }
  parseTemplate(body);
  return body;
}

/** One value against the parameter's constraints ("Parameters" section of a template: AllowedPattern, AllowedValues, MinLength, MaxLength). */
function checkConstraints(key: string, value: string, p: TemplateParameter): void {
  const fail = (why: string) => {
    throw fault('ValidationError', p.ConstraintDescription ? `Parameter ${key} failed to satisfy constraint: ${p.ConstraintDescription}` : why);
  };
  const items = p.Type === 'CommaDelimitedList' || p.Type?.startsWith('List<') ? value.split(',') : [value];
  for (const item of items) {
    if (p.AllowedPattern !== undefined && !new RegExp(`^(?:${p.AllowedPattern})$`).test(item))
      fail(`Parameter '${key}' must match pattern ${p.AllowedPattern}`);
    if (p.AllowedValues !== undefined && !p.AllowedValues.map(String).includes(item)) fail(`Parameter '${key}' must be one of AllowedValues`);
  }
  if (p.MinLength !== undefined && value.length < Number(p.MinLength)) fail(`Parameter '${key}' must contain at least ${p.MinLength} characters`);
  if (p.MaxLength !== undefined && value.length > Number(p.MaxLength)) fail(`Parameter '${key}' must contain at most ${p.MaxLength} characters`);
}

/**
 * The parameter values a stack or StackSet ends up with: given values, UsePreviousValue, then
 * Defaults. Unknown keys and declared parameters left without a value are refused as
 * CloudFormation refuses them (ValidationError "Parameters: [X] do not exist in the template",
 * "Parameters: [Y] must have values"; Parameter: UsePreviousValue).
 */
export function parametersFor(body: string, given: Input[] | undefined, previous: Record<string, string> | undefined): Record<string, string> {
  const declared = parseTemplate(body).Parameters ?? {};
  const list = given ?? [];
  const unknown = list.map((p) => String(p.ParameterKey)).filter((k) => !(k in declared));
  if (unknown.length > 0) {
    if (Object.keys(declared).length === 0) throw fault('ValidationError', 'Parameter values specified for a template which does not require them.');
    throw fault('ValidationError', `Parameters: [${unknown.join(', ')}] do not exist in the template`);
  }
  const values: Record<string, string> = {};
  for (const p of list) {
    if (p.UsePreviousValue) {
      if (previous && p.ParameterKey in previous) values[p.ParameterKey] = previous[p.ParameterKey];
    } else {
      values[p.ParameterKey] = String(p.ParameterValue ?? '');
    }
  }
  for (const [k, p] of Object.entries(declared))
    if (!(k in values) && p.Default !== undefined) values[k] = Array.isArray(p.Default) ? p.Default.join(',') : String(p.Default);
  const missing = Object.keys(declared).filter((k) => !(k in values));
  if (missing.length > 0) throw fault('ValidationError', `Parameters: [${missing.join(', ')}] must have values`);
  for (const [k, v] of Object.entries(values)) checkConstraints(k, v, declared[k]);
  return Object.fromEntries(Object.keys(declared).map((k) => [k, values[k]]));
}
