/**
 * Every template invariant xacct holds, one file each. `runChecks` applies them all to a set of
 * templates that deploy together; it is pure, the registry data arrives in the context.
 */
import { codepipelineLimits } from './codepipeline-limits';
import { conditionNames } from './condition-names';
import { dependsOnTargets } from './depends-on-targets';
import { getAttTargets } from './getatt-targets';
import { iamActionsExist } from './iam-actions-exist';
import { iamNoOpenPrincipal } from './iam-no-open-principal';
import { iamNoWildcardAllow } from './iam-no-wildcard-allow';
import { iamPolicySize } from './iam-policy-size';
import { refTargets } from './ref-targets';
import { resourceSchema } from './resource-schema';
import { subVariablesCheck } from './sub-variables';
import { uniqueExports } from './unique-exports';
import type { Check, CheckContext, Finding, TemplateUnderCheck } from './types';

export type { Check, CheckContext, Finding, TemplateUnderCheck } from './types';
export { formatFinding } from './types';

export const checks: readonly Check[] = [
  resourceSchema,
  getAttTargets,
  refTargets,
  subVariablesCheck,
  conditionNames,
  dependsOnTargets,
  uniqueExports,
  iamActionsExist,
  iamNoWildcardAllow,
  iamNoOpenPrincipal,
  iamPolicySize,
  codepipelineLimits,
];

/**
 * The checks that need no registry data (resource-schema needs the CloudFormation registry,
 * iam-actions-exist the IAM action catalogue): what `deploy` runs on every body it sends.
 */
export const selfContainedChecks: readonly Check[] = checks.filter((c) => c.rule !== 'resource-schema' && c.rule !== 'iam-actions-exist');

export function runChecks(templates: readonly TemplateUnderCheck[], ctx: Omit<CheckContext, 'all'>, only: readonly Check[] = checks): Finding[] {
  const full: CheckContext = { ...ctx, all: templates };
  return templates.flatMap((t) => only.flatMap((c) => c.run(t, full)));
}
