/**
 * Which findings of the npm cfn-lint (whose resource specification dates from 2019) the current
 * registry data proves wrong. Four kinds only, each checked against the current schema:
 * - "X is not a valid property of Y", when the schema defines that very property at that path;
 * - "Expecting an ARN, got 'arn:${aws}:...'" (its own Fn::Sub substitution left placeholders), when
 *   the value is an Fn::Sub and the schema types the property as a string;
 * - "No such resource T" (it then cannot parse the template at all), or "Resource X has an invalid
 *   Type of T" (it skips that resource), when T exists in the schema;
 * - "No such attribute A on T", when the value there is an Fn::GetAtt of a resource of type T and the
 *   schema gives T that attribute (AWS::ECR::Repository's RepositoryUri is newer than 2019).
 */
import type { SpecLookup, SpecType } from '../../templates-src/checks/spec';
import { isObject, JsonObject } from '../../templates-src/checks/types';

const UNKNOWN_PROPERTY = /^(\S+) is not a valid property of (\S+)$/;
const UNRESOLVED_ARN = /^Expecting an ARN, got '.*\$\{[^}]+\}.*'$/;
const UNKNOWN_TYPE = /^Resource (\S+) has an invalid Type of (\S+?)\.?$/;
const UNKNOWN_ATTRIBUTE = /^No such attribute (\S+) on (\S+)$/;

function knownBelow(spec: SpecLookup, type: SpecType, segments: string[]): boolean {
  if (segments.length === 0) return true;
  const [head, ...rest] = segments;
  switch (type.type) {
    case 'union':
      return type.types.some((member) => knownBelow(spec, member, segments));
    case 'array':
      return /^\d+$/.test(head) && knownBelow(spec, type.element, rest);
    case 'map':
      return knownBelow(spec, type.element, rest);
    case 'ref': {
      const prop = spec.typeDefinition(type.reference.$ref)?.properties[head];
      return prop !== undefined && knownBelow(spec, prop.type, rest);
    }
    default:
      return false;
  }
}

/** Does the current schema define the property at `Resources > Id > Properties > A > 0 > B`? */
export function schemaDefines(spec: SpecLookup, template: JsonObject, path: string[]): boolean {
  const [section, id, properties, first, ...rest] = path;
  if (section !== 'Resources' || properties !== 'Properties' || first === undefined) return false;
  const resources = isObject(template.Resources) ? template.Resources : {};
  const resource = resources[id];
  if (!isObject(resource) || typeof resource.Type !== 'string') return false;
  const prop = spec.resource(resource.Type)?.properties[first];
  return prop !== undefined && knownBelow(spec, prop.type, rest);
}

function valueAt(template: JsonObject, path: string[]): unknown {
  let v: unknown = template;
  for (const seg of path) v = Array.isArray(v) ? v[Number(seg)] : isObject(v) ? v[seg] : undefined;
  return v;
}

function typeAt(spec: SpecLookup, template: JsonObject, path: string[]): SpecType | undefined {
  const resource = valueAt(template, path.slice(0, 2));
  if (!isObject(resource) || typeof resource.Type !== 'string' || path[2] !== 'Properties') return undefined;
  let type: SpecType | undefined = spec.resource(resource.Type)?.properties[path[3]]?.type;
  for (const seg of path.slice(4)) {
    if (!type) return undefined;
    if (type.type === 'array' && /^\d+$/.test(seg)) type = type.element;
    else if (type.type === 'ref') type = spec.typeDefinition(type.reference.$ref)?.properties[seg]?.type;
    else return undefined;
  }
  return type;
}

/** `value` is `Fn::GetAtt [id, attribute]` of a resource of `type`, and the schema gives that type the attribute. */
function knownAttribute(spec: SpecLookup, template: JsonObject, value: unknown, attribute: string, type: string): boolean {
  const getAtt = isObject(value) ? value['Fn::GetAtt'] : undefined;
  if (!Array.isArray(getAtt) || getAtt[1] !== attribute) return false;
  const resource = isObject(template.Resources) ? template.Resources[String(getAtt[0])] : undefined;
  return isObject(resource) && resource.Type === type && attribute in (spec.resource(type)?.attributes ?? {});
}

/** The reason to waive a finding, or undefined when it must stand. */
export function waiverReason(spec: SpecLookup, template: JsonObject, resourcePath: string, message: string): string | undefined {
  const path = resourcePath.split('>').map((s) => s.trim());
  const m = UNKNOWN_PROPERTY.exec(message.trim());
  if (m && path[path.length - 1] === m[1] && schemaDefines(spec, template, path)) {
    const resource = (template.Resources as JsonObject)[path[1]] as JsonObject;
    return `the current CloudFormation schema defines ${resource.Type} ${path.slice(2).join('.')}`;
  }
  if (UNRESOLVED_ARN.test(message.trim())) {
    const value = valueAt(template, path);
    if (isObject(value) && 'Fn::Sub' in value && typeAt(spec, template, path)?.type === 'string') {
      return 'the value is an Fn::Sub that npm cfn-lint failed to substitute; the current schema types it as a string and the sub-variables check resolves every variable';
    }
  }
  const a = UNKNOWN_ATTRIBUTE.exec(message.trim());
  if (a && knownAttribute(spec, template, valueAt(template, path), a[1], a[2])) {
    return `the current CloudFormation schema gives ${a[2]} the attribute ${a[1]}`;
  }
  const t = UNKNOWN_TYPE.exec(message.trim());
  if (t && path[0] === 'Resources' && path[1] === t[1]) {
    const resource = isObject(template.Resources) ? template.Resources[t[1]] : undefined;
    if (isObject(resource) && resource.Type === t[2] && spec.resource(t[2])) {
      return `npm cfn-lint does not know ${t[2]}, which the current CloudFormation schema defines; the resource is covered by the schema check, not by npm cfn-lint`;
    }
  }
  return undefined;
}

/** A template npm cfn-lint cannot parse because a resource type is newer than its spec. */
export function unknownTypeWaiver(spec: SpecLookup, output: string): string | undefined {
  const m = /No such resource (\S+?)\]?$/m.exec(output);
  if (!m || !spec.resource(m[1])) return undefined;
  return `npm cfn-lint cannot parse a template with ${m[1]}, which the current CloudFormation schema defines; the template is covered by the schema check, not by npm cfn-lint`;
}
