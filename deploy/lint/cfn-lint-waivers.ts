/**
 * Which findings of the npm cfn-lint (whose resource specification dates from 2019) the current
 * registry data proves wrong. Only "X is not a valid property of Y" is ever waived, and only when
 * the current schema defines that very property at that very path.
 */
import type { SpecLookup, SpecType } from '../../templates-src/checks/spec';
import { isObject, JsonObject } from '../../templates-src/checks/types';

const UNKNOWN_PROPERTY = /^(\S+) is not a valid property of (\S+)$/;

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

/** The reason to waive a finding, or undefined when it must stand. */
export function waiverReason(spec: SpecLookup, template: JsonObject, resourcePath: string, message: string): string | undefined {
  const m = UNKNOWN_PROPERTY.exec(message.trim());
  if (!m) return undefined;
  const path = resourcePath.split('>').map((s) => s.trim());
  if (path[path.length - 1] !== m[1] || !schemaDefines(spec, template, path)) return undefined;
  const resource = (template.Resources as JsonObject)[path[1]] as JsonObject;
  return `the current CloudFormation schema defines ${resource.Type} ${path.slice(2).join('.')}`;
}
