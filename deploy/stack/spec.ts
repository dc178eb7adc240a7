/**
 * Ordinary stacks in the CI account as data: what the config wants (StackSpec), what CloudFormation
 * has (StackState), and the pure plan between them.
 */
import { sameTemplate } from '../stackset/spec';
import { isStackInProgress, isStackInReview, isStackRollbackComplete, isStackUpdatable } from '../statuses';

export interface StackSpec {
  name: string;
  region: string;
  templateBody: string;
  parameters: Record<string, string>;
  capabilities: string[];
  /** Always carries `xacct:prefix`: how inventory finds what xacct deployed. */
  tags: Record<string, string>;
  /** Set when the body is over CloudFormation's inline limit: upload here and pass TemplateURL. */
  upload?: { bucket: string; key: string };
}

export type StackState =
  | { exists: false; name: string; region: string }
  | {
      exists: true;
      name: string;
      region: string;
      stackId: string;
      status: string;
      reason?: string;
      parameters: Record<string, string>;
      terminationProtection: boolean;
      templateBody: string;
      outputs: Record<string, string>;
      tags: Record<string, string>;
    };

export type ExistingStack = Extract<StackState, { exists: true }>;

export type StackAction = 'create' | 'update' | 'recreate' | 'protect' | 'none' | 'wait' | 'blocked';

export interface StackPlan {
  name: string;
  region: string;
  action: StackAction;
  reasons: string[];
}

export function where(spec: { name: string; region: string }): string {
  return `stack '${spec.name}' (${spec.region})`;
}

/** Pure: what deploy would do to this stack. */
export function planStack(spec: StackSpec, state: StackState): StackPlan {
  const base = { name: spec.name, region: spec.region };
  if (!state.exists || isStackInReview(state.status)) return { ...base, action: 'create', reasons: ['new stack'] };
  if (isStackInProgress(state.status)) return { ...base, action: 'wait', reasons: [`${state.status}: deploy waits for it, then plans again`] };
  if (isStackRollbackComplete(state.status))
    return { ...base, action: 'recreate', reasons: ['ROLLBACK_COMPLETE: its first create failed; it must be deleted and created again'] };
  if (!isStackUpdatable(state.status))
    return {
      ...base,
      action: 'blocked',
      reasons: [`${state.status}: CloudFormation accepts no update in this state${state.reason ? ` (${state.reason})` : ''}`],
    };
  const reasons: string[] = [];
  if (!sameTemplate(spec.templateBody, state.templateBody)) reasons.push('template changed');
  // DescribeStacks lists every Parameter, defaults included: only the values deploy sends are compared
  // (a Parameter the template dropped is a template change).
  const changed = Object.keys(spec.parameters).filter((k) => state.parameters[k] !== spec.parameters[k]);
  if (changed.length > 0) reasons.push(`parameters changed: ${changed.sort().join(', ')}`);
  const tagChanges = Object.keys(spec.tags).filter((k) => state.tags[k] !== spec.tags[k]);
  if (tagChanges.length > 0) reasons.push(`tags changed: ${tagChanges.sort().join(', ')}`);
  if (state.status === 'UPDATE_ROLLBACK_COMPLETE') reasons.push('last update rolled back');
  if (reasons.length > 0) return { ...base, action: 'update', reasons };
  if (!state.terminationProtection) return { ...base, action: 'protect', reasons: ['termination protection off'] };
  return { ...base, action: 'none', reasons: [] };
}

/**
 * What to do about a stack CloudFormation will not update as it is (UPDATE_ROLLBACK_FAILED,
 * DELETE_FAILED, ...): the operator's way out, in CloudFormation's own terms.
 */
export function blockedAdvice(state: ExistingStack): string {
  if (state.status === 'UPDATE_ROLLBACK_FAILED') {
    return `continue the rollback (aws cloudformation continue-update-rollback --stack-name ${state.name} --region ${state.region}, skipping resources that cannot roll back), then deploy again`;
  }
  if (state.status === 'DELETE_FAILED')
    return `finish deleting it (aws cloudformation delete-stack --stack-name ${state.name} --region ${state.region}, retaining resources that cannot be deleted), then deploy again`;
  return 'fix it in CloudFormation, then deploy again';
}
