/**
 * Ordinary stacks in the CI account through change sets. "No changes" is success and costs no
 * mutating call at all (template, parameters and tags are compared first); a stack already in
 * progress is waited for; a first create that rolled back (ROLLBACK_COMPLETE) is deleted and created
 * again only when the operator agrees; every stack ends with termination protection on; a failure
 * names the failed resources with the reasons from the stack events.
 */
import { randomUUID } from 'node:crypto';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeChangeSetOutput,
  ExecuteChangeSetCommand,
  Stack,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import type { Clock } from '../clock';
import { formatDuration } from '../clock';
import { awsFailure, call, XacctError } from '../errors';
import { isNamed } from '../aws-error';
import type { Activity } from '../interrupt';
import { DEFAULT_POLL, pollUntil, PollTimeout } from '../poll';
import { canonical, sha256 } from '../stackset/spec';
import { isChangeSetTerminal, isNoChangesReason, isStackDeployed, isStackGone, isStackInProgress, isStackInReview } from '../statuses';
import { describeStack, failureReasons, outputsOf, readStack } from './read';
import { blockedAdvice, ExistingStack, planStack, StackAction, StackSpec, StackState, where } from './spec';

export interface StackOptions {
  clock: Clock;
  /** One create, update or delete (default one hour). */
  timeoutMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Asked before deleting a ROLLBACK_COMPLETE stack; false stops the deploy with exit 2. */
  confirm: (question: string) => Promise<boolean>;
  onEvent?: (message: string) => void;
  /** Puts a spec's body at spec.upload and returns its URL; needed only for specs with `upload`. */
  uploadTemplate?: (spec: StackSpec) => Promise<string>;
  activity?: Activity;
}

export const DEFAULT_STACK_TIMEOUT_MS = 60 * 60 * 1000;

export interface StackOutcome {
  name: string;
  region: string;
  action: StackAction;
  status?: string;
  changed: boolean;
  outputs: Record<string, string>;
}

function pollOptions(o: StackOptions) {
  return {
    clock: o.clock,
    timeoutMs: o.timeoutMs ?? DEFAULT_STACK_TIMEOUT_MS,
    initialDelayMs: o.initialDelayMs ?? DEFAULT_POLL.initialDelayMs,
    maxDelayMs: o.maxDelayMs ?? DEFAULT_POLL.maxDelayMs,
  };
}

/**
 * Wait until the stack is no longer in progress (or gone). The one stack waiter every command uses;
 * its time limit is named in the error.
 */
export async function waitStack(
  cfn: CloudFormationClient,
  stackId: string,
  spec: { name: string; region: string },
  o: StackOptions,
  doing: string,
): Promise<Stack | undefined> {
  o.activity?.stack(spec.name, spec.region, true, doing);
  try {
    const done = await pollUntil(
      () => describeStack(cfn, stackId, spec.region),
      (s) => !s || !isStackInProgress(s.StackStatus),
      pollOptions(o),
    );
    o.activity?.stack(spec.name, spec.region, false);
    return done;
  } catch (err) {
    if (err instanceof PollTimeout) {
      throw new XacctError(
        'DEPLOY_FAILED',
        `${where(spec)} still ${doing} after ${formatDuration(err.elapsedMs)} (the stack time limit is ${formatDuration(pollOptions(o).timeoutMs)}); CloudFormation carries on`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The stack as it stands once nothing is in progress on it. */
export async function settle(cfn: CloudFormationClient, spec: { name: string; region: string }, o: StackOptions): Promise<StackState> {
  const state = await readStack(cfn, spec.name, spec.region);
  if (!state.exists || !isStackInProgress(state.status)) return state;
  o.onEvent?.(`${where(spec)} is ${state.status}; waiting for it`);
  await waitStack(cfn, state.stackId, spec, o, state.status);
  return readStack(cfn, spec.name, spec.region);
}

/** Change sets are named by their content: the same template, parameters and tags, the same name. */
export function changeSetName(spec: StackSpec): string {
  return `xacct-${sha256(canonical({ body: spec.templateBody, parameters: spec.parameters, capabilities: spec.capabilities, tags: spec.tags })).slice(0, 24)}`;
}

async function templateSource(spec: StackSpec, o: StackOptions): Promise<{ TemplateBody: string } | { TemplateURL: string }> {
  if (!spec.upload) return { TemplateBody: spec.templateBody };
  if (!o.uploadTemplate) throw new XacctError('INTERNAL', `${where(spec)}: its template must go through s3://${spec.upload.bucket}, but no uploader was given`);
  o.onEvent?.(`${where(spec)}: template is ${Buffer.byteLength(spec.templateBody)} bytes; uploading to s3://${spec.upload.bucket}/${spec.upload.key}`);
  return { TemplateURL: await o.uploadTemplate(spec) };
}

async function describeChangeSet(cfn: CloudFormationClient, spec: StackSpec, name: string): Promise<DescribeChangeSetOutput> {
  return call(where(spec), 'DescribeChangeSet', () => cfn.send(new DescribeChangeSetCommand({ StackName: spec.name, ChangeSetName: name })));
}

async function deleteChangeSet(cfn: CloudFormationClient, spec: StackSpec, name: string): Promise<void> {
  await call(where(spec), 'DeleteChangeSet', () => cfn.send(new DeleteChangeSetCommand({ StackName: spec.name, ChangeSetName: name })));
}

/**
 * Create the change set, or reuse one of the same name (same content) left by an interrupted run
 * when it can still be executed; one that cannot is replaced.
 */
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
    return;
  } catch (err) {
    if (!isNamed(err, 'AlreadyExistsException')) throw awsFailure(where(spec), 'CreateChangeSet', err);
  }
  const existing = await describeChangeSet(cfn, spec, name);
  const usable = existing.ExecutionStatus === 'AVAILABLE' || existing.Status === 'CREATE_PENDING' || existing.Status === 'CREATE_IN_PROGRESS';
  if (usable) {
    o.onEvent?.(`${where(spec)}: change set ${name} is left from an earlier run with the same content; using it`);
    return;
  }
  o.onEvent?.(`${where(spec)}: change set ${name} is left from an earlier run (${existing.Status}/${existing.ExecutionStatus}); replacing it`);
  await deleteChangeSet(cfn, spec, name);
  await call(where(spec), 'CreateChangeSet', () => cfn.send(new CreateChangeSetCommand(input)));
}

async function waitChangeSet(cfn: CloudFormationClient, spec: StackSpec, name: string, o: StackOptions): Promise<DescribeChangeSetOutput> {
  try {
    return await pollUntil(
      () => describeChangeSet(cfn, spec, name),
      (c) => isChangeSetTerminal(c.Status),
      pollOptions(o),
    );
  } catch (err) {
    if (err instanceof PollTimeout)
      throw new XacctError('DEPLOY_FAILED', `${where(spec)}: change set ${name} not ready after ${formatDuration(err.elapsedMs)}`, { cause: err });
    throw err;
  }
}

async function protect(cfn: CloudFormationClient, stack: { name: string; region: string; stackId: string }, on: boolean): Promise<void> {
  await call(where(stack), 'UpdateTerminationProtection', () =>
    cfn.send(new UpdateTerminationProtectionCommand({ StackName: stack.stackId, EnableTerminationProtection: on })),
  );
}

/** Delete a stack and wait until it is gone; a failed delete names the resources with their reasons. */
export async function deleteStack(cfn: CloudFormationClient, state: ExistingStack, o: StackOptions): Promise<void> {
  if (state.terminationProtection) {
    o.onEvent?.(`${where(state)}: turning termination protection off`);
    await protect(cfn, state, false);
  }
  // A fresh token per attempt: the events of two attempts never mix in the failure report.
  const token = `xacct-delete-${randomUUID()}`;
  o.onEvent?.(`${where(state)}: deleting`);
  await call(where(state), 'DeleteStack', () => cfn.send(new DeleteStackCommand({ StackName: state.stackId, ClientRequestToken: token })));
  const after = await waitStack(cfn, state.stackId, state, o, 'DELETE_IN_PROGRESS');
  if (after && !isStackGone(after.StackStatus)) {
    const reasons = await failureReasons(cfn, state.stackId, token, state.region);
    throw new XacctError(
      'DEPLOY_FAILED',
      `${where(state)}: delete ended ${after.StackStatus}${reasons.length > 0 ? `:\n${reasons.map((r) => `  ${r}`).join('\n')}` : after.StackStatusReason ? `: ${after.StackStatusReason}` : ''}`,
    );
  }
}

async function recreateAfterRollback(cfn: CloudFormationClient, spec: StackSpec, state: ExistingStack, o: StackOptions): Promise<void> {
  const question = `${where(spec)} is ROLLBACK_COMPLETE (its first create failed${state.reason ? `: ${state.reason}` : ''}). Delete it and create it again?`;
  if (!(await o.confirm(question))) {
    throw new XacctError('PRECONDITION', `${where(spec)} is ROLLBACK_COMPLETE; re-run with --yes to delete and recreate it, or delete it yourself`);
  }
  await deleteStack(cfn, state, o);
}

/** Execute a ready change set and wait for the stack; a failure names the failed resources. */
async function execute(cfn: CloudFormationClient, spec: StackSpec, cs: DescribeChangeSetOutput, o: StackOptions): Promise<Stack> {
  const name = cs.ChangeSetName ?? '';
  const token = `${name}-${randomUUID()}`;
  await call(where(spec), 'ExecuteChangeSet', () =>
    cfn.send(new ExecuteChangeSetCommand({ StackName: spec.name, ChangeSetName: name, ClientRequestToken: token })),
  );
  const stackId = cs.StackId ?? spec.name;
  const done = await waitStack(cfn, stackId, spec, o, `executing change set ${name}`);
  if (!done || !isStackDeployed(done.StackStatus)) {
    const reasons = await failureReasons(cfn, stackId, token, spec.region);
    const status = done?.StackStatus ?? 'DELETED';
    throw new XacctError(
      'DEPLOY_FAILED',
      `${where(spec)} ended ${status}${reasons.length > 0 ? `:\n${reasons.map((r) => `  ${r}`).join('\n')}` : done?.StackStatusReason ? `: ${done.StackStatusReason}` : ''}`,
    );
  }
  return done;
}

/** Bring one stack to `spec`. Throws XacctError DEPLOY_FAILED with the failed resources' reasons. */
export async function deployStack(cfn: CloudFormationClient, spec: StackSpec, o: StackOptions): Promise<StackOutcome> {
  let state = await settle(cfn, spec, o);
  const plan = planStack(spec, state);
  const outcome = (action: StackAction, changed: boolean, status?: string, outputs = state.exists ? state.outputs : {}): StackOutcome => ({
    name: spec.name,
    region: spec.region,
    action,
    status,
    changed,
    outputs,
  });
  if (plan.action === 'blocked' && state.exists) {
    throw new XacctError('PRECONDITION', `${where(spec)} is ${state.status}${state.reason ? ` (${state.reason})` : ''}; ${blockedAdvice(state)}`);
  }
  if (plan.action === 'none') return outcome('none', false, state.exists ? state.status : undefined);
  if (plan.action === 'protect' && state.exists) {
    await protect(cfn, state, true);
    return outcome('protect', true, state.status);
  }
  if (plan.action === 'recreate' && state.exists) {
    await recreateAfterRollback(cfn, spec, state, o);
    state = { exists: false, name: spec.name, region: spec.region };
  }
  const type = state.exists && !isStackInReview(state.status) ? 'UPDATE' : 'CREATE';
  const csName = changeSetName(spec);
  o.onEvent?.(`${where(spec)}: ${type === 'CREATE' ? 'creating' : `updating (${plan.reasons.join('; ')})`}`);
  await createChangeSet(cfn, spec, type, csName, o);
  const cs = await waitChangeSet(cfn, spec, csName, o);
  if (cs.Status !== 'CREATE_COMPLETE') {
    if (!isNoChangesReason(cs.StatusReason))
      throw new XacctError('DEPLOY_FAILED', `${where(spec)}: change set ${csName} ${cs.Status}: ${cs.StatusReason ?? '(no reason given)'}`);
    // Only tags or parameter formatting differed: nothing for CloudFormation to do.
    await deleteChangeSet(cfn, spec, csName);
    if (state.exists && !state.terminationProtection) await protect(cfn, state, true);
    return outcome('none', false, state.exists ? state.status : undefined);
  }
  const done = await execute(cfn, spec, cs, o);
  if (!done.EnableTerminationProtection) await protect(cfn, { name: spec.name, region: spec.region, stackId: done.StackId ?? spec.name }, true);
  return outcome(plan.action === 'recreate' ? 'recreate' : type === 'CREATE' ? 'create' : 'update', true, done.StackStatus, outputsOf(done));
}
