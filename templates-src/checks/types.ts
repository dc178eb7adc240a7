/**
 * What every template check shares: the template under check, the reference data a check may
 * consult, and the finding it reports. Checks are pure: reference data arrives in the context.
 */
import type { Json } from '../cfn';
import type { SpecLookup } from './spec';

export type JsonObject = { [key: string]: Json };

/** A template read from disk or built in memory: its file-level name and its parsed JSON. */
export interface TemplateUnderCheck {
  /** `cross-account-role` for `cross-account-role.template.json`. */
  name: string;
  template: JsonObject;
}

/** Every action IAM knows for a service (lower case), or undefined for an unknown service. */
export interface ActionCatalog {
  actions(service: string): readonly string[] | undefined;
}

export interface CheckContext {
  /** Every template linted together (for checks across templates, such as export names). */
  all: readonly TemplateUnderCheck[];
  spec?: SpecLookup;
  iam?: ActionCatalog;
}

export interface Finding {
  template: string;
  /** Logical ID, or the section (`Outputs.X`, `Parameters`) when no resource is involved. */
  resource: string;
  rule: string;
  message: string;
}

export interface Check {
  rule: string;
  /** One sentence: the invariant the check holds. */
  summary: string;
  run(t: TemplateUnderCheck, ctx: CheckContext): Finding[];
}

export function formatFinding(f: Finding): string {
  return `${f.template}: ${f.resource}: [${f.rule}] ${f.message}`;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function section(t: TemplateUnderCheck, name: string): JsonObject {
  const s = t.template[name];
  return isObject(s) ? s : {};
}

/** A finding factory bound to one template and rule, so checks stay one line per problem. */
export function reporter(t: TemplateUnderCheck, rule: string): (resource: string, message: string) => Finding {
  return (resource, message) => ({ template: t.name, resource, rule, message });
}
