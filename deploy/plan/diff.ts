/**
 * Template and parameter diffs for `plan`, from @aws-cdk/cloudformation-diff's data model
 * (TemplateDiff: resource differences with their impact and property updates, IamChanges with
 * parsed statements), never from its printed text. No change set is created: a plan must be safe
 * to run from a read-only role. The price: replacement is judged from the resource specification,
 * not by CloudFormation, and values that resolve only at deploy time are not resolved.
 */
import { sameTemplate } from '../stackset/spec';

export interface PropertyChange {
  path: string;
  from?: string;
  to?: string;
  /** cloudformation-diff's impact: WILL_UPDATE, WILL_REPLACE, MAY_REPLACE, ... */
  impact?: string;
}

export interface ResourceChange {
  logicalId: string;
  type: string;
  change: 'add' | 'remove' | 'modify';
  /** cloudformation-diff's impact: WILL_CREATE, WILL_UPDATE, WILL_REPLACE, MAY_REPLACE, WILL_DESTROY, WILL_ORPHAN... */
  impact: string;
  properties: PropertyChange[];
}

export interface IamChange {
  change: '+' | '-';
  effect: string;
  actions: string[];
  resources: string[];
  principals: string[];
  condition?: string;
}

export interface TemplateDiffSummary {
  resources: ResourceChange[];
  iam: IamChange[];
  /** Allow statements added, Deny statements removed, or managed policies added. */
  permissionsBroadened: boolean;
  /** Set when the deployed template could not be read as JSON. */
  note?: string;
}

export interface ParameterChange {
  key: string;
  from?: string;
  to?: string;
}

type DiffModule = typeof import('@aws-cdk/cloudformation-diff');
let diffModule: DiffModule | undefined;
/** Loaded on first use: it reads the resource specification, which costs the better part of a second. */
function cfnDiff(): DiffModule {
  diffModule ??= require('@aws-cdk/cloudformation-diff') as DiffModule; // eslint-disable-line @typescript-eslint/no-require-imports -- lazy: keeps `plan` start-up off this module until a diff is needed
  return diffModule;
}

function parseTemplate(body: string): Record<string, unknown> | undefined {
  if (body === '') return {};
  try {
    const t = JSON.parse(body);
    return t && typeof t === 'object' ? (t as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const CHANGE: Record<string, ResourceChange['change']> = { WILL_CREATE: 'add', WILL_DESTROY: 'remove', WILL_ORPHAN: 'remove' };

/** A value as one short line: JSON, cut at 120 characters. */
export function brief(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The leaves where two values differ, as `Path.To[0].Leaf`: a policy change reads as the statement that changed, not the whole list. */
export function leafChanges(path: string, from: unknown, to: unknown, out: PropertyChange[] = [], limit = 20): PropertyChange[] {
  if (out.length >= limit || JSON.stringify(from) === JSON.stringify(to)) return out;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (Array.isArray(from) && Array.isArray(to)) {
    for (let i = 0; i < Math.max(from.length, to.length); i++) leafChanges(`${path}[${i}]`, from[i], to[i], out, limit);
  } else if (isObj(from) && isObj(to) && !Object.keys(from).some((k) => k.startsWith('Fn::') || k === 'Ref')) {
    for (const k of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) leafChanges(`${path}.${k}`, from[k], to[k], out, limit);
  } else {
    out.push({ path, from: brief(from), to: brief(to) });
  }
  return out;
}

function propertyChanges(change: {
  propertyUpdates: Record<string, { oldValue?: unknown; newValue?: unknown; changeImpact?: unknown; isDifferent: boolean }>;
}): PropertyChange[] {
  return Object.entries(change.propertyUpdates)
    .filter(([, d]) => d.isDifferent)
    .flatMap(([path, d]) => {
      const impact = d.changeImpact !== undefined ? { impact: String(d.changeImpact) } : {};
      return leafChanges(path, d.oldValue, d.newValue).map((c) => ({ ...c, ...impact }));
    });
}

/** Undefined when the templates are the same. */
export function diffTemplates(deployed: string, wanted: string): TemplateDiffSummary | undefined {
  if (deployed !== '' && sameTemplate(deployed, wanted)) return undefined;
  const before = parseTemplate(deployed);
  const after = parseTemplate(wanted);
  if (!before || !after) return { resources: [], iam: [], permissionsBroadened: false, note: 'the deployed template is not JSON; no resource-level diff' };
  const diff = cfnDiff().fullDiff(before, after);
  const resources: ResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    if (!change.isDifferent) return;
    const impact = String(change.changeImpact);
    resources.push({
      logicalId,
      type: change.newResourceType ?? change.oldResourceType ?? '?',
      change: CHANGE[impact] ?? 'modify',
      impact,
      properties: change.isUpdate ? propertyChanges(change) : [],
    });
  });
  const statement =
    (change: IamChange['change']) =>
    (s: {
      effect: unknown;
      actions: { values: string[] };
      resources: { values: string[] };
      principals: { values: string[] };
      condition?: unknown;
    }): IamChange => ({
      change,
      effect: String(s.effect),
      actions: s.actions.values,
      resources: s.resources.values,
      principals: s.principals.values,
      ...(s.condition !== undefined ? { condition: JSON.stringify(s.condition) } : {}),
    });
  const iam = [...diff.iamChanges.statements.additions.map(statement('+')), ...diff.iamChanges.statements.removals.map(statement('-'))];
  return { resources, iam, permissionsBroadened: diff.permissionsBroadened };
}

export function diffParameters(deployed: Record<string, string>, wanted: Record<string, string>): ParameterChange[] {
  const keys = [...new Set([...Object.keys(deployed), ...Object.keys(wanted)])].sort();
  return keys
    .filter((k) => deployed[k] !== wanted[k])
    .map((k) => ({ key: k, ...(k in deployed ? { from: deployed[k] } : {}), ...(k in wanted ? { to: wanted[k] } : {}) }));
}
