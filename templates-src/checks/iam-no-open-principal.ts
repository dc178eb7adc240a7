/**
 * iam-no-open-principal: a resource policy that Allows `Principal: "*"` (or `{"AWS": "*"}`) must
 * hold it to the organization with a positive `aws:PrincipalOrgID` or `aws:PrincipalOrgPaths`
 * condition; otherwise any AWS account could use the grant.
 */
import type { Json } from '../cfn';
import { allStatements, where } from './policy-documents';
import { Check, isObject, reporter } from './types';

const ORG_KEYS = new Set(['aws:principalorgid', 'aws:principalorgpaths']);

function isOpen(principal: Json | undefined): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  const aws = principal.AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}

/** A positive operator (not StringNotEquals, not IfExists) on an organization key, with values that are not a bare `*`. */
function hasOrgCondition(condition: Json | undefined): boolean {
  if (!isObject(condition)) return false;
  return Object.entries(condition).some(([operator, block]) => {
    if (/Not|IfExists$/.test(operator) || operator === 'Null' || !isObject(block)) return false;
    return Object.entries(block).some(([key, value]) => ORG_KEYS.has(key.toLowerCase()) && value !== '*' && !(Array.isArray(value) && value.includes('*')));
  });
}

export const iamNoOpenPrincipal: Check = {
  rule: 'iam-no-open-principal',
  summary: 'Every Allow to Principal "*" is limited to the organization (aws:PrincipalOrgID or aws:PrincipalOrgPaths).',
  run(t) {
    const report = reporter(t, this.rule);
    return allStatements(t)
      .filter((s) => s.statement.Effect === 'Allow' && isOpen(s.statement.Principal) && !hasOrgCondition(s.statement.Condition))
      .map((s) => report(s.policy.resource, `${where(s)}: Allow to Principal "*" without an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition`));
  },
};
