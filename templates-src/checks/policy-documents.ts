/**
 * Every IAM policy document a template carries, with what kind of policy it is. The IAM checks and
 * the access-path proofs read policies through this one function.
 */
import type { Json } from '../cfn';
import { resources } from './template-walk';
import { isObject, JsonObject, TemplateUnderCheck } from './types';

/**
 * identity: inline or managed policy granting permissions; boundary: a permissions boundary (a
 * ceiling that grants nothing by itself); trust: a role's trust policy; key, bucket, resource:
 * resource policies.
 */
export type PolicyKind = 'inline' | 'managed' | 'boundary' | 'trust' | 'key' | 'bucket' | 'resource';

export interface FoundPolicy {
  resource: string;
  /** Where in the resource: `Properties.Policies[0].PolicyDocument`. */
  path: string;
  kind: PolicyKind;
  document: JsonObject;
}

export const BOUNDARY_PURPOSE = 'permissions-boundary';

function isBoundary(r: JsonObject): boolean {
  return isObject(r.Metadata) && r.Metadata['xacct:purpose'] === BOUNDARY_PURPOSE;
}

/** Resource types whose PolicyDocument (or similar) property is a resource policy. */
const RESOURCE_POLICY_PROPERTY: Record<string, { property: string; kind: PolicyKind }> = {
  'AWS::KMS::Key': { property: 'KeyPolicy', kind: 'key' },
  'AWS::KMS::ReplicaKey': { property: 'KeyPolicy', kind: 'key' },
  'AWS::S3::BucketPolicy': { property: 'PolicyDocument', kind: 'bucket' },
  'AWS::SQS::QueuePolicy': { property: 'PolicyDocument', kind: 'resource' },
  'AWS::SNS::TopicPolicy': { property: 'PolicyDocument', kind: 'resource' },
  'AWS::ECR::Repository': { property: 'RepositoryPolicyText', kind: 'resource' },
  'AWS::CodeArtifact::Domain': { property: 'PermissionsPolicyDocument', kind: 'resource' },
  'AWS::CodeArtifact::Repository': { property: 'PermissionsPolicyDocument', kind: 'resource' },
  'AWS::IAM::Policy': { property: 'PolicyDocument', kind: 'inline' },
  'AWS::IAM::RolePolicy': { property: 'PolicyDocument', kind: 'inline' },
};

function rolePolicies(id: string, props: JsonObject): FoundPolicy[] {
  const out: FoundPolicy[] = [];
  if (isObject(props.AssumeRolePolicyDocument)) {
    out.push({ resource: id, path: 'Properties.AssumeRolePolicyDocument', kind: 'trust', document: props.AssumeRolePolicyDocument });
  }
  const inline: Json[] = Array.isArray(props.Policies) ? props.Policies : [];
  inline.forEach((p, i) => {
    if (isObject(p) && isObject(p.PolicyDocument)) {
      out.push({ resource: id, path: `Properties.Policies[${i}].PolicyDocument`, kind: 'inline', document: p.PolicyDocument });
    }
  });
  return out;
}

export function policyDocuments(t: TemplateUnderCheck): FoundPolicy[] {
  return resources(t).flatMap(([id, r]) => {
    const props = isObject(r.Properties) ? r.Properties : {};
    if (r.Type === 'AWS::IAM::Role') return rolePolicies(id, props);
    if (r.Type === 'AWS::IAM::ManagedPolicy' && isObject(props.PolicyDocument)) {
      return [{ resource: id, path: 'Properties.PolicyDocument', kind: isBoundary(r) ? 'boundary' : 'managed', document: props.PolicyDocument } as FoundPolicy];
    }
    if (r.Type === 'AWS::Events::EventBusPolicy' && isObject(props.Statement)) {
      // One statement per resource; the bus's policy is the sum of them.
      return [
        { resource: id, path: 'Properties.Statement', kind: 'resource', document: { Version: '2012-10-17', Statement: [props.Statement] } } as FoundPolicy,
      ];
    }
    const known = RESOURCE_POLICY_PROPERTY[String(r.Type)];
    const doc = known ? props[known.property] : undefined;
    return known && isObject(doc) ? [{ resource: id, path: `Properties.${known.property}`, kind: known.kind, document: doc }] : [];
  });
}

export interface StatementAt {
  policy: FoundPolicy;
  index: number;
  statement: JsonObject;
}

export function statements(policy: FoundPolicy): StatementAt[] {
  const s = policy.document.Statement;
  const list: Json[] = Array.isArray(s) ? s : s === undefined ? [] : [s];
  return list.flatMap((statement, index) => (isObject(statement) ? [{ policy, index, statement }] : []));
}

export function allStatements(t: TemplateUnderCheck): StatementAt[] {
  return policyDocuments(t).flatMap(statements);
}

/** `Action` / `NotAction` as a list of strings (intrinsics dropped). */
export function actionList(value: Json | undefined): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((a): a is string => typeof a === 'string');
}

/** Statement label for messages: `Properties.Policies[0].PolicyDocument statement 2 (Sid ReadArtifacts)`. */
export function where(s: StatementAt): string {
  const sid = typeof s.statement.Sid === 'string' ? ` (Sid ${s.statement.Sid})` : '';
  return `${s.policy.path} statement ${s.index}${sid}`;
}
