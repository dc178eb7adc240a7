/**
 * Walking a template's JSON: intrinsic functions, where they sit, and the names they may refer to.
 */
import type { Json } from '../cfn';
import { isObject, JsonObject, section, TemplateUnderCheck } from './types';

export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/** `{"Ref": ...}` or `{"Fn::...": ...}`: one key naming an intrinsic function. */
export function intrinsicName(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0];
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

export interface Occurrence {
  /** Logical ID, `Outputs.X` or `Conditions.X`. */
  owner: string;
  fn: string;
  arg: Json;
}

function collect(value: Json, owner: string, out: Occurrence[]): void {
  if (Array.isArray(value)) {
    for (const v of value) collect(v, owner, out);
    return;
  }
  if (!isObject(value)) return;
  const fn = intrinsicName(value);
  if (fn) out.push({ owner, fn, arg: value[fn] });
  for (const v of Object.values(value)) collect(v, owner, out);
}

/** Every intrinsic function in Resources (Properties, Metadata), Outputs and Conditions. */
export function intrinsics(t: TemplateUnderCheck): Occurrence[] {
  const out: Occurrence[] = [];
  for (const [id, r] of Object.entries(section(t, 'Resources'))) {
    if (!isObject(r)) continue;
    if (r.Properties !== undefined) collect(r.Properties, id, out);
    if (r.Metadata !== undefined) collect(r.Metadata, id, out);
  }
  for (const [id, o] of Object.entries(section(t, 'Outputs'))) collect(o, `Outputs.${id}`, out);
  for (const [id, c] of Object.entries(section(t, 'Conditions'))) collect(c, `Conditions.${id}`, out);
  return out;
}

export function resources(t: TemplateUnderCheck): Array<[string, JsonObject]> {
  return Object.entries(section(t, 'Resources')).filter((e): e is [string, JsonObject] => isObject(e[1]));
}

/** Names a `Ref` or a `${Name}` may use: parameters, resources and pseudo parameters. */
export function referenceable(t: TemplateUnderCheck): Set<string> {
  return new Set([...Object.keys(section(t, 'Parameters')), ...Object.keys(section(t, 'Resources')), ...PSEUDO_PARAMETERS]);
}

/** The `${...}` variables of an `Fn::Sub` string; `${!Literal}` is text, not a variable. */
export function subVariables(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\$\{([^}]*)\}/g)) if (!m[1].startsWith('!')) out.push(m[1].trim());
  return out;
}

/** `Fn::Sub` in either form, as its text and its own variable map. */
export function subParts(arg: Json): { text: string; vars: JsonObject } | undefined {
  if (typeof arg === 'string') return { text: arg, vars: {} };
  if (Array.isArray(arg) && typeof arg[0] === 'string') return { text: arg[0], vars: isObject(arg[1]) ? arg[1] : {} };
  return undefined;
}

/** `Fn::GetAtt` in either form, as resource and attribute. */
export function getAttParts(arg: Json): { resource: string; attribute: string } | undefined {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    return dot > 0 ? { resource: arg.slice(0, dot), attribute: arg.slice(dot + 1) } : undefined;
  }
  if (Array.isArray(arg) && typeof arg[0] === 'string' && typeof arg[1] === 'string') return { resource: arg[0], attribute: arg[1] };
  return undefined;
}
