/**
 * The StackSet lifecycle every command uses: attach to operations already running, start one
 * operation and wait for its verdict (riding out OperationInProgress and recognising a resent call
 * by its OperationId), and bring a StackSet to its spec by re-reading and re-planning whenever
 * another operation got in the way. Nothing is called when nothing differs.
 */
import {
  CloudFormationClient,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DeleteStackInstancesCommand,
  DeploymentTargets,
  UpdateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import { awsFailure, XacctError } from '../errors';
import { isNamed } from '../aws-error';
import { backoffDelay } from '../poll';
import { isOperationTerminal } from '../statuses';
import type { CallAs } from '../preflight';
import { describeOperation, OperationOutcome, OperationRef, pollOperation, waitForOperation, WaitOptions } from './operation';
import { activeOperations, readStackSet } from './read';
import { canonical, describeStep, operationId, planStackSet, sha256, stateFingerprint, STEP_ACTION, StackSetSpec, StackSetStep } from './spec';

export interface StackSetOptions extends WaitOptions {
  callAs: CallAs;
  /** A line for the operator: a step starting, a wait on someone else's operation. */
  onStep?: (e: { stackSet: string; operationId?: string; note: string }) => void;
  /** How many times to re-read and re-plan after another operation got in the way (default 6). */
  maxRounds?: number;
  /**
   * Templates over the inline limit: puts the body where CloudFormation reads it and returns its URL.
   * Called only when a create or an update sends the template, so a run with nothing to change puts nothing.
   */
  templateUrl?: (spec: StackSetSpec) => Promise<string>;
}

export interface StepOutcome extends OperationOutcome {
  step: StackSetStep;
}

export interface StackSetOutcome {
  /** Operation IDs found to belong to finished operations: the same step from the same state gets a salted ID. */
  collided?: Set<string>;
  name: string;
  created: boolean;
  noop: boolean;
  steps: StepOutcome[];
  warnings: string[];
  /** Operations already running (an interrupted deploy, someone else) that this one waited for first. */
  waitedFor: string[];
}

const what = (name: string) => `StackSet '${name}'`;

/** Wait, without judging, for every operation of the StackSet that has not finished. Returns their IDs. */
export async function attachToRunning(cfn: CloudFormationClient, name: string, o: StackSetOptions): Promise<string[]> {
  const ids: string[] = [];
  for (const op of await activeOperations(cfn, name, o.callAs)) {
    const id = op.OperationId ?? '';
    o.onStep?.({
      stackSet: name,
      operationId: id,
      note: `waiting for ${op.Status === 'QUEUED' ? 'queued' : 'running'} ${op.Action ?? ''} operation ${id}`.replace('  ', ' '),
    });
    await pollOperation(cfn, { stackSetName: name, operationId: id, callAs: o.callAs }, o);
    ids.push(id);
  }
  return ids;
}

/** `busy`: another operation is in the way; `replan`: the ID belongs to a finished operation (re-read, and salt the ID if the same step comes back). */
export type Started = { busy: true; replan?: false } | { busy: true; replan: true } | { busy: false; outcome: OperationOutcome };

/**
 * Send one mutating call that starts operation `ref.operationId`, then wait for it and judge it.
 * - OperationIdAlreadyExists: an earlier attempt of this very call reached AWS (the ID is derived
 *   from the spec, the step and the state); checked with DescribeStackSetOperation to be the same
 *   action, then waited on.
 * - OperationInProgress (another operation without managed execution): `{ busy: true }`, so the
 *   caller re-reads and re-plans instead of replaying a plan made from an older state.
 */
export async function startAndWait(
  cfn: CloudFormationClient,
  ref: OperationRef & { action: string; doing?: string },
  api: string,
  send: () => Promise<unknown>,
  o: StackSetOptions,
): Promise<Started> {
  try {
    await send();
  } catch (err) {
    if (isNamed(err, 'OperationInProgressException')) return { busy: true };
    if (!isNamed(err, 'OperationIdAlreadyExistsException')) throw awsFailure(`${what(ref.stackSetName)}${ref.doing ? `, ${ref.doing}` : ''}`, api, err);
    const existing = await describeOperation(cfn, ref);
    if (existing.Action !== ref.action) {
      throw new XacctError(
        'PRECONDITION',
        `${what(ref.stackSetName)}: operation ID ${ref.operationId} already belongs to a ${existing.Action ?? 'different'} operation, not ${ref.action}; it was not started by this xacct`,
        { cause: err },
      );
    }
    // A finished operation with this ID: our own resent call that already ran, or the same step from
    // the same state at some earlier time (a StackSet put back as it was). Reading the state again
    // tells them apart: after our own call the step is no longer needed.
    if (isOperationTerminal(existing.Status)) return { busy: true, replan: true };
    o.onStep?.({
      stackSet: ref.stackSetName,
      operationId: ref.operationId,
      note: `operation ${ref.operationId} was already started by an earlier attempt; waiting on it`,
    });
  }
  return { busy: false, outcome: await waitForOperation(cfn, ref, o, ref.action) };
}

/** After OperationInProgress with nothing listed yet (ListStackSetOperations is eventually consistent): back off with jitter and say so. */
export async function backOffBusy(name: string, round: number, o: StackSetOptions): Promise<void> {
  const delay = backoffDelay(round, o.clock.random(), o.initialDelayMs, o.maxDelayMs);
  o.onStep?.({
    stackSet: name,
    note: `busy with another operation (OperationInProgressException); trying again in ${Math.round(delay / 1000)} s (attempt ${round + 2} of ${(o.maxRounds ?? 6) + 1})`,
  });
  await o.clock.sleep(delay);
}

function deploymentTargets(step: Extract<StackSetStep, { kind: 'add' | 'remove' }>): DeploymentTargets {
  if (step.accounts) return { OrganizationalUnitIds: step.ouIds, Accounts: step.accounts, AccountFilterType: 'INTERSECTION' };
  return { OrganizationalUnitIds: step.ouIds };
}

/** What CreateStackSet and UpdateStackSet both say about a StackSet: body (or its URL), parameters, deployment model, tags. */
function stackSetDefinition(spec: StackSetSpec, templateUrl?: string) {
  return {
    Description: spec.description,
    ...(templateUrl ? { TemplateURL: templateUrl } : { TemplateBody: spec.templateBody }),
    Parameters: Object.entries(spec.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    Capabilities: spec.capabilities as CreateStackSetCommand['input']['Capabilities'],
    PermissionModel: 'SERVICE_MANAGED' as const,
    AutoDeployment: {
      Enabled: spec.autoDeployment.enabled,
      RetainStacksOnAccountRemoval: spec.autoDeployment.enabled ? spec.autoDeployment.retainStacksOnAccountRemoval : undefined,
    },
    ManagedExecution: { Active: true },
    Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

const API: Record<StackSetStep['kind'], string> = { update: 'UpdateStackSet', add: 'CreateStackInstances', remove: 'DeleteStackInstances' };

function stepCommand(spec: StackSetSpec, step: StackSetStep, callAs: CallAs, id: string, templateUrl?: string) {
  const common = { StackSetName: spec.name, CallAs: callAs, OperationId: id, OperationPreferences: spec.preferences };
  switch (step.kind) {
    case 'update':
      return new UpdateStackSetCommand({ ...common, ...stackSetDefinition(spec, templateUrl) });
    case 'add':
      return new CreateStackInstancesCommand({ ...common, DeploymentTargets: deploymentTargets(step), Regions: step.regions });
    case 'remove':
      return new DeleteStackInstancesCommand({ ...common, DeploymentTargets: deploymentTargets(step), Regions: step.regions, RetainStacks: false });
  }
}

/** CreateStackSet; false when it exists already (created meanwhile by someone else: the caller re-plans). */
async function createStackSet(cfn: CloudFormationClient, spec: StackSetSpec, callAs: CallAs, templateUrl?: string): Promise<boolean> {
  try {
    await cfn.send(
      new CreateStackSetCommand({
        StackSetName: spec.name,
        ...stackSetDefinition(spec, templateUrl),
        CallAs: callAs,
        // Lets a resent request be recognised ("CreateStackSet - AWS CloudFormation", ClientRequestToken).
        ClientRequestToken: `xacct-${sha256(canonical({ name: spec.name, body: sha256(spec.templateBody), p: spec.parameters })).slice(0, 32)}`,
      }),
    );
    return true;
  } catch (err) {
    if (isNamed(err, 'NameAlreadyExistsException')) return false;
    throw awsFailure(what(spec.name), 'CreateStackSet', err);
  }
}

/** One round: read, plan, carry the plan out. `busy` when another operation got in the way. */
async function round(cfn: CloudFormationClient, spec: StackSetSpec, o: StackSetOptions, outcome: StackSetOutcome): Promise<'done' | 'busy' | 'replan'> {
  const state = await readStackSet(cfn, spec.name, o.callAs, { instances: spec.targets.kind === 'accounts' ? 'all' : 'problems' });
  const plan = planStackSet(spec, state);
  outcome.warnings.push(...plan.warnings);
  if (plan.noop) return 'done';
  const sendsTemplate = plan.create || plan.steps.some((st) => st.kind === 'update');
  const url = sendsTemplate && o.templateUrl ? await o.templateUrl(spec) : undefined;
  if (plan.create) {
    if (!(await createStackSet(cfn, spec, o.callAs, url))) return 'busy';
    outcome.created = true;
  }
  outcome.noop = false;
  const fingerprint = stateFingerprint(state);
  const collided = (outcome.collided ??= new Set());
  for (const step of plan.steps) {
    const plain = operationId(spec, step, fingerprint);
    // The same step from the same state once more after a collision: a history match, not our call.
    const id = collided.has(plain) ? operationId(spec, step, `${fingerprint}/after/${plain}`) : plain;
    o.onStep?.({ stackSet: spec.name, operationId: id, note: describeStep(step) });
    const ref = { stackSetName: spec.name, operationId: id, callAs: o.callAs, action: STEP_ACTION[step.kind], doing: describeStep(step) };
    const started = await startAndWait(cfn, ref, API[step.kind], () => cfn.send(stepCommand(spec, step, o.callAs, id, url) as UpdateStackSetCommand), o);
    if (started.busy) {
      if (started.replan) {
        collided.add(id);
        o.onStep?.({
          stackSet: spec.name,
          operationId: id,
          note: `operation ID ${id} belongs to a finished operation (the StackSet was in this state before); reading it again`,
        });
      }
      return started.replan ? 'replan' : 'busy';
    }
    outcome.steps.push({ ...started.outcome, step });
  }
  return 'done';
}

/**
 * Bring one StackSet to `spec`: attach to operations already running, plan against what they leave,
 * and run the steps in order. Throws XacctError DEPLOY_FAILED at the first step that does not fully
 * succeed, naming every failed account.
 */
export async function deployStackSet(cfn: CloudFormationClient, spec: StackSetSpec, o: StackSetOptions): Promise<StackSetOutcome> {
  const outcome: StackSetOutcome = { name: spec.name, created: false, noop: true, steps: [], warnings: [], waitedFor: [] };
  const rounds = o.maxRounds ?? 6;
  let last: 'done' | 'busy' | 'replan' | undefined;
  for (let r = 0; r <= rounds; r++) {
    const waited = await attachToRunning(cfn, spec.name, o);
    outcome.waitedFor.push(...waited);
    // Busy last round, yet nothing listed now: the other operation is not visible yet.
    if (last === 'busy' && waited.length === 0) await backOffBusy(spec.name, r - 1, o);
    last = await round(cfn, spec, o, outcome);
    if (last === 'done') {
      const suspended = outcome.steps.flatMap((s) => s.suspended.map((x) => `account ${x.account} ${x.region} skipped: account suspended`));
      outcome.warnings = [...new Set([...outcome.warnings, ...suspended])];
      return outcome;
    }
  }
  throw new XacctError(
    'DEPLOY_FAILED',
    `${what(spec.name)} stayed busy with other operations through ${rounds + 1} attempts; run again once they finish (aws cloudformation list-stack-set-operations --stack-set-name ${spec.name} --call-as ${o.callAs})`,
  );
}
