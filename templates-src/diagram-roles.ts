/**
 * What the diagram shows of a template, read from the template itself: its roles and managed
 * policies, the CI-account roles each role trusts, the roles it may pass, and whether it reaches
 * the artifact bucket. A template added to the registry appears without touching the diagram.
 */
import type { Json } from './cfn';
import { policyDocuments, statements } from './checks/policy-documents';
import { resources, subParts } from './checks/template-walk';
import { isObject, JsonObject, TemplateUnderCheck } from './checks/types';
import { names } from './names';

/** names.ts functions of one argument (the prefix): the fixed role and policy names. */
type NameKey = keyof typeof names;
const PREFIX = '${Prefix}';

/** `${Prefix}-cross-account` -> 'crossAccountRole', for every one-argument name function. */
const BY_PLACEHOLDER: Map<string, NameKey> = new Map(
  (Object.entries(names) as Array<[NameKey, (...a: string[]) => string]>).filter(([, fn]) => fn.length === 1).map(([key, fn]) => [fn(PREFIX), key]),
);

export interface RoleFact {
  /** The names.ts function that names it, when one does. */
  nameKey?: NameKey;
  /** The name with `${Prefix}` in place of the prefix (`${Prefix}-cfn-exec`), or the logical ID. */
  placeholder: string;
  kind: 'role' | 'policy';
  /** CI-account roles (names.ts keys) its trust policy admits through aws:PrincipalArn. */
  trustedCiRoles: NameKey[];
  /** Roles of its own account it may pass, with the services they may be passed to. */
  passes: Array<{ placeholder: string; services: string[] }>;
  /** Its own policies name the artifact bucket. */
  usesArtifacts: boolean;
}

function subText(value: Json | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? value : subParts(isObject(value) && 'Fn::Sub' in value ? value['Fn::Sub'] : null)?.text;
}

function strings(value: Json | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(strings);
  const s = subText(value);
  return s === undefined ? [] : [s];
}

/** `arn:${AWS::Partition}:iam::${CiAccountId}:role/${Prefix}-pipeline` -> `${Prefix}-pipeline`. */
function roleNameOf(arn: string): string | undefined {
  return /:role\/(.+)$/.exec(arn)?.[1];
}

function trustedCiRoles(trust: JsonObject): NameKey[] {
  const out: NameKey[] = [];
  for (const s of Array.isArray(trust.Statement) ? trust.Statement : []) {
    const arnEquals = isObject(s) && isObject(s.Condition) && isObject(s.Condition.ArnEquals) ? s.Condition.ArnEquals['aws:PrincipalArn'] : undefined;
    for (const arn of strings(arnEquals)) {
      const key = BY_PLACEHOLDER.get(roleNameOf(arn) ?? '');
      if (key && arn.includes('${CiAccountId}')) out.push(key);
    }
  }
  return out;
}

function roleFact(t: TemplateUnderCheck, id: string, r: JsonObject): RoleFact {
  const props = isObject(r.Properties) ? r.Properties : {};
  const placeholder = subText(props.RoleName ?? props.ManagedPolicyName) ?? id;
  const own = policyDocuments(t).filter((p) => p.resource === id);
  const fact: RoleFact = {
    nameKey: BY_PLACEHOLDER.get(placeholder),
    placeholder,
    kind: r.Type === 'AWS::IAM::Role' ? 'role' : 'policy',
    trustedCiRoles: [],
    passes: [],
    usesArtifacts: false,
  };
  for (const p of own) {
    if (p.kind === 'trust') fact.trustedCiRoles.push(...trustedCiRoles(p.document));
    if (p.kind !== 'inline' && p.kind !== 'managed') continue;
    for (const { statement: s } of statements(p)) {
      const targets = strings(s.Resource);
      if (targets.some((x) => x.includes(`${PREFIX}-artifacts-`))) fact.usesArtifacts = true;
      if (s.Effect !== 'Allow' || !strings(s.Action).includes('iam:PassRole')) continue;
      const services = isObject(s.Condition) && isObject(s.Condition.StringEquals) ? strings(s.Condition.StringEquals['iam:PassedToService']) : [];
      for (const arn of targets) {
        const role = roleNameOf(arn);
        if (role && arn.includes('${AWS::AccountId}')) fact.passes.push({ placeholder: role, services });
      }
    }
  }
  return fact;
}

/** Roles and standalone managed policies of a template (permissions boundaries are part of their role). */
export function roleFacts(t: TemplateUnderCheck): RoleFact[] {
  const boundaries = new Set(
    policyDocuments(t)
      .filter((p) => p.kind === 'boundary')
      .map((p) => p.resource),
  );
  return resources(t)
    .filter(([id, r]) => r.Type === 'AWS::IAM::Role' || (r.Type === 'AWS::IAM::ManagedPolicy' && !boundaries.has(id)))
    .map(([id, r]) => roleFact(t, id, r));
}

/** Whether the template forwards events (an EventBridge rule). */
export function hasEventRule(t: TemplateUnderCheck): boolean {
  return resources(t).some(([, r]) => r.Type === 'AWS::Events::Rule');
}

/** The concrete name: `${Prefix}` replaced by the prefix. */
export function concreteName(placeholder: string, prefix: string): string {
  return placeholder.split(PREFIX).join(prefix);
}
