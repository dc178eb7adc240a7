/**
 * iam-policy-size: every policy fits IAM's size limit once its parameters take their longest values
 * (longest prefix, partition and region; a full set of target OU paths and named target accounts). IAM counts characters
 * without whitespace, so the policy is measured as minified JSON.
 */
import type { Json } from '../cfn';
import { LONGEST_REGION_LENGTH, maxPrefixLength } from '../names';
import { MAX_TARGET_ACCOUNTS } from '../targets';
import { FoundPolicy, policyDocuments, PolicyKind } from './policy-documents';
import { intrinsicName, subParts } from './template-walk';
import { Check, isObject, reporter, section, TemplateUnderCheck } from './types';

/** IAM and resource-policy limits in characters. Trust policies: the default quota. */
export const POLICY_LIMITS: Record<PolicyKind, number> = {
  inline: 10_240, // aggregate of a role's inline policies
  managed: 6_144,
  boundary: 6_144,
  trust: 2_048,
  key: 32_768,
  bucket: 20_480,
  resource: 20_480,
};

/** The most target OUs and the deepest OU nesting (AWS allows five levels) the size check assumes. */
export const LARGEST_TARGET_OU_COUNT = 20;
const OU_NESTING = 5;

function orgPath(i: number): string {
  const ou = (n: number) => `ou-ab12-${String(i * 10 + n).padStart(8, '0')}`;
  return ['o-a1b2c3d4e5', 'r-ab12', ...Array.from({ length: OU_NESTING }, (_, n) => ou(n)), '*'].join('/');
}

/** Longest values the shared parameters and pseudo parameters take. */
export function worstCaseValues(): Record<string, string | string[]> {
  const digits = '1'.repeat(12);
  const region = 'r'.repeat(LONGEST_REGION_LENGTH);
  return {
    Prefix: 'p'.repeat(maxPrefixLength()),
    'AWS::Partition': 'aws-us-gov',
    'AWS::AccountId': digits,
    CiAccountId: digits,
    'AWS::Region': region,
    HomeRegion: region,
    'AWS::URLSuffix': 'amazonaws.com.cn',
    OrganizationId: `o-${'o'.repeat(32)}`,
    TargetOrgPaths: Array.from({ length: LARGEST_TARGET_OU_COUNT }, (_, i) => orgPath(i)),
    TargetAccountIds: Array.from({ length: MAX_TARGET_ACCOUNTS }, (_, i) => String(100000000000 + i)),
  };
}

const UNKNOWN_REF = 'x'.repeat(64);
const UNKNOWN_ATTRIBUTE = 'x'.repeat(128);

function worstOf(name: string, t: TemplateUnderCheck, worst: Record<string, string | string[]>): string | string[] {
  if (name in worst) return worst[name];
  const p = section(t, 'Parameters')[name];
  return isObject(p) && typeof p.Default === 'string' && p.Default.length > 64 ? p.Default : UNKNOWN_REF;
}

function resolveSub(arg: Json, t: TemplateUnderCheck, worst: Record<string, string | string[]>): string {
  const parts = subParts(arg);
  if (!parts) return UNKNOWN_ATTRIBUTE;
  return parts.text.replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => {
    if (name in parts.vars) return String(resolve(parts.vars[name], t, worst));
    if (name.includes('.')) return UNKNOWN_ATTRIBUTE;
    const v = worstOf(name, t, worst);
    return Array.isArray(v) ? v.join(',') : v;
  });
}

/** The longest plain JSON a value can become at deploy time. */
export function resolve(value: Json, t: TemplateUnderCheck, worst: Record<string, string | string[]>): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(v, t, worst));
  if (!isObject(value)) return value;
  const fn = intrinsicName(value);
  if (!fn) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, t, worst)]));
  const arg = value[fn];
  if (fn === 'Ref') return typeof arg === 'string' ? worstOf(arg, t, worst) : UNKNOWN_REF;
  if (fn === 'Fn::Sub') return resolveSub(arg, t, worst);
  if (fn === 'Fn::If' && Array.isArray(arg)) {
    const [a, b] = [resolve(arg[1], t, worst), resolve(arg[2], t, worst)];
    return JSON.stringify(a).length >= JSON.stringify(b).length ? a : b;
  }
  if (fn === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) return arg[1].map((v) => String(resolve(v, t, worst))).join(String(arg[0]));
  return UNKNOWN_ATTRIBUTE;
}

/** Characters IAM counts for these documents together (inline policies of one role add up). */
function measured(docs: FoundPolicy[], t: TemplateUnderCheck, worst: Record<string, string | string[]>): number {
  return docs.reduce((n, d) => n + JSON.stringify(resolve(d.document, t, worst)).length, 0);
}

function groups(t: TemplateUnderCheck): FoundPolicy[][] {
  const byKey = new Map<string, FoundPolicy[]>();
  for (const p of policyDocuments(t)) {
    const key = p.kind === 'inline' ? `${p.resource}|inline` : `${p.resource}|${p.path}`;
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  return [...byKey.values()];
}

export const iamPolicySize: Check = {
  rule: 'iam-policy-size',
  summary: 'Every policy fits its IAM size limit with every parameter at its longest value.',
  run(t) {
    const report = reporter(t, this.rule);
    const worst = worstCaseValues();
    return groups(t).flatMap((docs) => {
      const { kind, resource, path } = docs[0];
      const size = measured(docs, t, worst);
      const limit = POLICY_LIMITS[kind];
      const what = kind === 'inline' ? 'inline policies (together)' : `${kind} policy ${path}`;
      return size > limit ? [report(resource, `${what} reach ${size} characters at the longest parameter values; the limit is ${limit}`)] : [];
    });
  },
};
