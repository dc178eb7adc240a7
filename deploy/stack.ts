/**
 * Ordinary stacks in the CI account through change sets. "No changes" is success and costs no
 * mutating call at all (template and parameters are compared first); a first create that rolled
 * back (ROLLBACK_COMPLETE) is deleted and created again only when the operator agrees; every
 * stack ends with termination protection on; a failure names the failed resources with the reasons
 * from the stack events.
 */
import { createHash } from 'node:crypto';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  Stack,
  StackEvent,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import type { Clock } from './clock';
import { XacctError } from './errors';
import { awsMessage, isNamed } from './aws-error';
import { DEFAULT_POLL, pollUntil, PollTimeout } from './poll';
import { canonical, sameTemplate } from './stackset';
import {
  isChangeSetTerminal,
  isNoChangesReason,
  isResourceFailure,
  isStackDeployed,
  isStackGone,
  isStackInProgress,
  isStackInReview,
  isStackRollbackComplete,
  isStackUpdatable,
} from './status';

export interface StackSpec {
  name: string;
  region: string;
  templateBody: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Record<string, string>;
  /** Set when the body is over CloudFormation's inline limit: upload here and pass TemplateURL. */
  upload?: { bucket: string; key: string };
}

export type StackState =
  | { exists: false; name: string; region: string }
  | { exists: true; name: string; region: string; stackId: string; status: string; reason?: string; parameters: Record<string, string>; terminationProtection: boolean; templateBody: string; outputs: Record<string, string> };

export type StackAction = 'create' | 'update' | 'recreate' | 'protect' | 'none' | 'wait';

export interface StackPlan {
  name: string;
  region: string;
  action: StackAction;
  reasons: string[];
}

export interface StackOptions {
  clock: Clock;
  timeoutMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Asked before deleting a ROLLBACK_COMPLETE stack; false stops the deploy with exit 2. */
  confirm: (question: string) => Promise<boolean>;
  onEvent?: (message: string) => void;
  /** Puts a spec's body at spec.upload and returns its URL; needed only for specs with `upload`. */
  uploadTemplate?: (spec: StackSpec) => Promise<string>;
}

export const DEFAULT_STACK_TIMEOUT_MS = 60 * 60 * 1000;

function where(spec: { name: string; region: string }): string {
  return `stack '${spec.name}' (${spec.region})`;
}

async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (err) {
    // DescribeStacks has no "not found" exception: a ValidationError saying the stack does not exist.
    if (isNamed(err, 'ValidationError') && /does not exist/i.test(awsMessage(err))) return undefined;
    throw err;
  }
}

export function outputsOf(s: Stack | undefined): Record<string, string> {
  return Object.fromEntries((s?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

export async function readStack(cfn: CloudFormationClient, name: string, region: string): Promise<StackState> {
  const s = await describeStack(cfn, name);
  if (!s || isStackGone(s.StackStatus)) return { exists: false, name, region };
  let templateBody = '';
  if (!isStackInReview(s.StackStatus)) {
    templateBody = (await cfn.send(new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' }))).TemplateBody ?? '';
  }
  return {
    exists: true,
    name,
    region,
    stackId: s.StackId ?? name,
    status: s.StackStatus ?? 'UNKNOWN',
    reason: s.StackStatusReason,
    parameters: Object.fromEntries((s.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? ''])),
    terminationProtection: s.EnableTerminationProtection ?? false,
    templateBody,
    outputs: outputsOf(s),
  };
}

/** Pure: what deploy would do to this stack. */
export function planStack(spec: StackSpec, state: StackState): StackPlan {
  const base = { name: spec.name, region: spec.region };
  if (!state.exists || isStackInReview(state.status)) return { ...base, action: 'create', reasons: ['new stack'] };
  if (isStackInProgress(state.status)) return { ...base, action: 'wait', reasons: [`${state.status}: waits for it, then plans again`] };
  if (isStackRollbackComplete(state.status)) return { ...base, action: 'recreate', reasons: ['ROLLBACK_COMPLETE: its first create failed; it must be deleted and created again'] };
  if (!isStackUpdatable(state.status)) return { ...base, action: 'none', reasons: [`${state.status}: cannot be updated as it is`] };
  const reasons: string[] = [];
  if (!sameTemplate(spec.templateBody, state.templateBody)) reasons.push('template changed');
  const changed = Object.keys(spec.parameters).filter((k) => state.parameters[k] !== spec.parameters[k]);
  if (changed.length > 0) reasons.push(`parameters changed: ${changed.sort().join(', ')}`);
  if (state.status === 'UPDATE_ROLLBACK_COMPLETE') reasons.push('last update rolled back');
  if (reasons.length > 0) return { ...base, action: 'update', reasons };
  if (!state.terminationProtection) return { ...base, action: 'protect', reasons: ['termination protection off'] };
  return { ...base, action: 'none', reasons: [] };
}

async function waitStack(cfn: CloudFormationClient, stackId: string, spec: { name: string; region: string }, o: StackOptions): Promise<Stack | undefined> {
  try {
    return await pollUntil(
      () => describeStack(cfn, stackId),
      (s) => !s || !isStackInProgress(s.StackStatus),
      { clock: o.clock, timeoutMs: o.timeoutMs ?? DEFAULT_STACK_TIMEOUT_MS, initialDelayMs: o.initialDelayMs ?? DEFAULT_POLL.initialDelayMs, maxDelayMs: o.maxDelayMs ?? DEFAULT_POLL.maxDelayMs },
    );
  } catch (err) {
    if (err instanceof PollTimeout) throw new XacctError('DEPLOY_FAILED', `${where(spec)} still in progress after the deploy's time limit; CloudFormation carries on`, { cause: err });
    throw err;
  }
}

/**
 * The failed resources of one stack operation, first failure first, with CloudFormation's reasons.
 * Events carry the ClientRequestToken of the call that caused them, which picks out this operation
 * without trusting the local clock.
 */
export async function failureReasons(cfn: CloudFormationClient, stackId: string, token: string): Promise<string[]> {
  const failed: StackEvent[] = [];
  let next: string | undefined;
  let seen = false;
  let older = false;
  do {
    const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: next }));
    for (const e of page.StackEvents ?? []) {
      if (e.ClientRequestToken !== token) {
        if (seen) {
          older = true;
          break;
        }
        continue;
      }
      seen = true;
      if (isResourceFailure(e.ResourceStatus) && e.LogicalResourceId !== undefined) failed.push(e);
    }
    next = page.NextToken;
  } while (next && !older);
  // Events come newest first; the resource that failed first explains the rest ("Resource creation cancelled").
  return failed.reverse().map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}: ${e.ResourceStatusReason ?? '(no reason given)'}`);
}

function changeSetName(spec: StackSpec): string {
  const hash = createHash('sha256').update(canonical({ body: spec.templateBody, parameters: spec.parameters, capabilities: spec.capabilities })).digest('hex');
  return `xacct-${hash.slice(0, 24)}`;
}

async function templateSource(spec: StackSpec, o: StackOptions): Promise<{ TemplateBody: string } | { TemplateURL: string }> {
  if (!spec.upload) return { TemplateBody: spec.templateBody };
  if (!o.uploadTemplate) throw new XacctError('INTERNAL', `${where(spec)}: its template must go through s3://${spec.upload.bucket}, but no uploader was given`);
  o.onEvent?.(`${where(spec)}: template is ${Buffer.byteLength(spec.templateBody)} bytes; uploading to s3://${spec.upload.bucket}/${spec.upload.key}`);
  return { TemplateURL: await o.uploadTemplate(spec) };
}

async function createChangeSet(cfn: CloudFormationClient, spec: StackSpec, type: 'CREATE' | 'UPDATE', name: string, o: StackOptions): Promise<void> {
  const input = {
    StackName: spec.name,
    ChangeSetName: name,
    ChangeSetType: type,
    ...(await templateSource(spec, o)),
    Parameters: Object.entries(spec.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    Capabilities: spec.capabilities as CreateChangeSetCommand['input']['Capabilities'],
    Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
  };
  try {
    await cfn.send(new CreateChangeSetCommand(input));
  } catch (err) {
    if (!isNamed(err, 'AlreadyExistsException')) throw new XacctError('DEPLOY_FAILED', `${where(spec)}: CreateChangeSet failed: ${awsMessage(err)}`, { cause: err });
    // Left over from an interrupted run with the same content: replace it, its state is unknown.
    await cfn.send(new DeleteChangeSetCommand({ StackName: spec.name, ChangeSetName: name }));
    await cfn.send(new CreateChangeSetCommand(input));
  }
}

export interface StackOutcome {
  name: string;
  region: string;
  action: StackAction;
  status?: string;
  changed: boolean;
  outputs: Record<string, string>;
}

async function deleteForRecreate(cfn: CloudFormationClient, spec: StackSpec, state: Extract<StackState, { exists: true }>, o: StackOptions): Promise<void> {
  const question = `${where(spec)} is ROLLBACK_COMPLETE (its first create failed${state.reason ? `: ${state.reason}` : ''}). Delete it and create it again?`;
  if (!(await o.confirm(question))) {
    throw new XacctError('PRECONDITION', `${where(spec)} is ROLLBACK_COMPLETE; re-run with --yes to delete and recreate it, or delete it yourself`);
  }
  o.onEvent?.(`${where(spec)}: deleting the rolled-back stack`);
  if (state.terminationProtection) await cfn.send(new UpdateTerminationProtectionCommand({ StackName: state.stackId, EnableTerminationProtection: false }));
  await cfn.send(new DeleteStackCommand({ StackName: state.stackId }));
  const after = await waitStack(cfn, state.stackId, spec, o);
  if (after && !isStackGone(after.StackStatus)) {
    throw new XacctError('DEPLOY_FAILED', `${where(spec)}: delete ended ${after.StackStatus}: ${after.StackStatusReason ?? ''}`.trim());
  }
}

/** Bring one stack to `spec`. Throws XacctError DEPLOY_FAILED with the failed resources' reasons. */
export async function deployStack(cfn: CloudFormationClient, spec: StackSpec, o: StackOptions): Promise<StackOutcome> {
  let state = await readStack(cfn, spec.name, spec.region);
  let plan = planStack(spec, state);
  if (plan.action === 'wait' && state.exists) {
    o.onEvent?.(`${where(spec)} is ${state.status}; waiting for it`);
    await waitStack(cfn, state.stackId, spec, o);
    state = await readStack(cfn, spec.name, spec.region);
    plan = planStack(spec, state);
  }
  if (plan.action === 'none' && state.exists && !isStackUpdatable(state.status)) {
    throw new XacctError('PRECONDITION', `${where(spec)} is ${state.status}${state.reason ? ` (${state.reason})` : ''}; fix it in CloudFormation (e.g. continue-update-rollback) and deploy again`);
  }
  const outputs = state.exists ? state.outputs : {};
  if (plan.action === 'none') return { name: spec.name, region: spec.region, action: 'none', status: state.exists ? state.status : undefined, changed: false, outputs };
  if (plan.action === 'protect' && state.exists) {
    await cfn.send(new UpdateTerminationProtectionCommand({ StackName: state.stackId, EnableTerminationProtection: true }));
    return { name: spec.name, region: spec.region, action: 'protect', status: state.status, changed: true, outputs };
  }
  if (plan.action === 'recreate' && state.exists) {
    await deleteForRecreate(cfn, spec, state, o);
    state = { exists: false, name: spec.name, region: spec.region };
  }
  const type = state.exists && !isStackInReview(state.status) ? 'UPDATE' : 'CREATE';
  const csName = changeSetName(spec);
  o.onEvent?.(`${where(spec)}: ${type === 'CREATE' ? 'creating' : `updating (${plan.reasons.join('; ')})`}`);
  await createChangeSet(cfn, spec, type, csName, o);
  let cs;
  try {
    cs = await pollUntil(
      () => cfn.send(new DescribeChangeSetCommand({ StackName: spec.name, ChangeSetName: csName })),
      (c) => isChangeSetTerminal(c.Status),
      { clock: o.clock, timeoutMs: o.timeoutMs ?? DEFAULT_STACK_TIMEOUT_MS, initialDelayMs: o.initialDelayMs ?? DEFAULT_POLL.initialDelayMs, maxDelayMs: o.maxDelayMs ?? DEFAULT_POLL.maxDelayMs },
    );
  } catch (err) {
    if (err instanceof PollTimeout) throw new XacctError('DEPLOY_FAILED', `${where(spec)}: change set ${csName} not ready in time`, { cause: err });
    throw err;
  }
  if (cs.Status !== 'CREATE_COMPLETE') {
    if (isNoChangesReason(cs.StatusReason)) {
      await cfn.send(new DeleteChangeSetCommand({ StackName: spec.name, ChangeSetName: csName }));
      if (state.exists && !state.terminationProtection) await cfn.send(new UpdateTerminationProtectionCommand({ StackName: spec.name, EnableTerminationProtection: true }));
      return { name: spec.name, region: spec.region, action: 'none', status: state.exists ? state.status : undefined, changed: false, outputs };
    }
    throw new XacctError('DEPLOY_FAILED', `${where(spec)}: change set ${csName} ${cs.Status}: ${cs.StatusReason ?? '(no reason given)'}`);
  }
  const token = `${csName}-execute`;
  await cfn.send(new ExecuteChangeSetCommand({ StackName: spec.name, ChangeSetName: csName, ClientRequestToken: token }));
  const stackId = cs.StackId ?? spec.name;
  const done = await waitStack(cfn, stackId, spec, o);
  if (!done || !isStackDeployed(done.StackStatus)) {
    const reasons = await failureReasons(cfn, stackId, token);
    const status = done?.StackStatus ?? 'DELETED';
    throw new XacctError('DEPLOY_FAILED', `${where(spec)} ended ${status}${reasons.length > 0 ? `:\n${reasons.map((r) => `  ${r}`).join('\n')}` : done?.StackStatusReason ? `: ${done.StackStatusReason}` : ''}`);
  }
  if (!done.EnableTerminationProtection) await cfn.send(new UpdateTerminationProtectionCommand({ StackName: stackId, EnableTerminationProtection: true }));
  return { name: spec.name, region: spec.region, action: plan.action === 'recreate' ? 'recreate' : type === 'CREATE' ? 'create' : 'update', status: done.StackStatus, changed: true, outputs: outputsOf(done) };
}
