/**
 * resource-schema: every resource type exists in the current CloudFormation registry data, and its
 * properties (nested ones too) are known, carry values of the right type, stay within enum values,
 * and include every required property.
 */
import type { Json } from '../cfn';
import type { SpecLookup, SpecProperty, SpecType } from './spec';
import { intrinsicName, resources } from './template-walk';
import { Check, isObject, reporter } from './types';

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'Metadata',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
]);

interface Problem {
  path: string;
  message: string;
}

function isCustom(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

/** A value behind an intrinsic is known only at deploy time; Fn::If is checked branch by branch. */
function checkIntrinsic(spec: SpecLookup, fn: string, arg: Json, type: SpecType, path: string): Problem[] {
  if (fn !== 'Fn::If' || !Array.isArray(arg)) return [];
  return arg.slice(1).flatMap((branch, i) => checkValue(spec, branch, type, `${path}(Fn::If branch ${i + 1})`));
}

function scalarProblem(value: Json, type: SpecType): string | undefined {
  const t = type.type;
  if (t === 'string' || t === 'date-time') {
    if (typeof value === 'object') return `expected a string, got ${describe(value)}`;
    if (t === 'string' && type.allowedValues && typeof value === 'string' && !type.allowedValues.includes(value)) {
      return `"${value}" is not one of ${type.allowedValues.join(', ')}`;
    }
    return undefined;
  }
  if (t === 'integer' || t === 'number') {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || Number.isNaN(n)) return `expected a number, got ${describe(value)}`;
    return t === 'integer' && !Number.isInteger(n) ? `expected an integer, got ${n}` : undefined;
  }
  if (t === 'boolean') return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : `expected a boolean, got ${describe(value)}`;
  if (t === 'json') return typeof value === 'object' || typeof value === 'string' ? undefined : `expected a JSON object, got ${describe(value)}`;
  if (t === 'tag') return isObject(value) && 'Key' in value && 'Value' in value ? undefined : 'expected a tag {Key, Value}';
  return undefined;
}

function describe(value: Json): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}

function checkUnion(spec: SpecLookup, value: Json, types: SpecType[], path: string): Problem[] {
  let best: Problem[] | undefined;
  for (const member of types) {
    const problems = checkValue(spec, value, member, path);
    if (problems.length === 0) return [];
    if (!best || problems.length < best.length) best = problems;
  }
  return best ?? [];
}

function checkValue(spec: SpecLookup, value: Json, type: SpecType, path: string): Problem[] {
  const fn = intrinsicName(value);
  if (fn) return checkIntrinsic(spec, fn, (value as Record<string, Json>)[fn], type, path);
  switch (type.type) {
    case 'union':
      return checkUnion(spec, value, type.types, path);
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => checkValue(spec, v, type.element, `${path}[${i}]`))
        : [{ path, message: `expected a list, got ${describe(value)}` }];
    case 'map':
      return isObject(value)
        ? Object.entries(value).flatMap(([k, v]) => checkValue(spec, v, type.element, `${path}.${k}`))
        : [{ path, message: `expected a map, got ${describe(value)}` }];
    case 'ref': {
      const def = spec.typeDefinition(type.reference.$ref);
      if (!def) return [];
      return isObject(value)
        ? checkProperties(spec, def.properties, value, path)
        : [{ path, message: `expected an object (${def.name}), got ${describe(value)}` }];
    }
    default: {
      const message = scalarProblem(value, type);
      return message ? [{ path, message }] : [];
    }
  }
}

function checkProperties(spec: SpecLookup, known: Record<string, SpecProperty>, given: Record<string, Json>, path: string): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(given)) {
    const prop = known[name];
    if (!prop) problems.push({ path: `${path}.${name}`, message: `unknown property '${name}'; known here: ${Object.keys(known).sort().join(', ')}` });
    else problems.push(...checkValue(spec, value, prop.type, `${path}.${name}`));
  }
  for (const [name, prop] of Object.entries(known)) {
    if (prop.required && !(name in given)) problems.push({ path, message: `missing required property '${name}'` });
  }
  return problems;
}

export const resourceSchema: Check = {
  rule: 'resource-schema',
  summary: 'Resource types, property names (nested too), value types, enum values and required properties match the current CloudFormation registry.',
  run(t, ctx) {
    if (!ctx.spec) throw new Error('resource-schema needs the CloudFormation registry data (ctx.spec)');
    const spec = ctx.spec;
    const report = reporter(t, this.rule);
    return resources(t).flatMap(([id, r]) => {
      const extra = Object.keys(r)
        .filter((k) => !RESOURCE_KEYS.has(k))
        .map((k) => report(id, `unknown resource attribute '${k}'`));
      const type = typeof r.Type === 'string' ? r.Type : '';
      if (isCustom(type)) return extra;
      const found = spec.resource(type);
      if (!found) return [...extra, report(id, `resource type '${type || '(missing)'}' does not exist in the CloudFormation registry`)];
      const props = r.Properties === undefined ? {} : r.Properties;
      if (!isObject(props)) return [...extra, report(id, 'Properties must be an object')];
      return [...extra, ...checkProperties(spec, found.properties, props, 'Properties').map((p) => report(id, `${p.path}: ${p.message}`))];
    });
  },
};
