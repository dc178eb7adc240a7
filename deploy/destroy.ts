/**
 * `xacct destroy`: stack instances first (by the OU targets ListStackInstances reports, waiting on
 * each operation with the deploy waiter), then the StackSets, then the central stacks in reverse
 * deploy order with termination protection switched off first. Resources with DeletionPolicy
 * Retain (the artifact key, the buckets, build log groups) outlive their stacks on purpose; they
 * are listed at the end with the commands that remove them.
 *
 * Nothing is deleted without a yes: `--yes`, or an answer on a terminal. Without a terminal and
 * without --yes it refuses (exit 2) after showing what it would delete.
 */
import { createHash } from 'node:crypto';
import {
  CloudFormationClient,
  DeleteStackCommand,
  DeleteStackInstancesCommand,
  DeleteStackSetCommand,
  DeploymentTargets,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  Stack,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import type { Config } from '../templates-src/config';
import type { Clock } from './clock';
import { XacctError } from './errors';
import type { Io } from './io';
import { awsMessage, isNamed } from './aws-error';
import type { Activity } from './interrupt';
import { waitForOperation, WaitOptions } from './operation';
import { CallAs, preflight } from './organizations';
import type { AwsClients } from './plan';
import { centralStacks, knownStackSets } from './inventory';
import { InstanceInfo, readStackSet, StackSetState, waitForOthers } from './stackset';
import { failureReasons, readStack, StackState } from './stack';
import { DEFAULT_POLL, pollUntil, PollTimeout } from './poll';
import { progressView, ProgressView, waitOptions } from './progress';
import { isInoperable, isStackGone, isStackInProgress } from './status';

export interface RetainedResource {
  stack: string;
  region: string;
  logicalId: string;
  type: string;
  physicalId: string;
  /** How to remove it by hand. */
  remove: string;
}

export interface DestroyResult {
  account: string;
  callAs: string;
  /** Nothing of xacct's was found. */
  nothing: boolean;
  stackSets: Array<{ name: string; instancesDeleted: number; operations: string[] }>;
  stacks: Array<{ name: string; region: string }>;
  retained: RetainedResource[];
}

export interface DestroyConfirm {
  /** --yes. */
  yes: boolean;
  /** Someone can answer (stdin is a terminal). */
  interactive: boolean;
  ask(question: string): Promise<boolean>;
}

export interface DestroyDeps {
  clients: AwsClients;
  io: Io;
  clock: Clock;
  confirm: DestroyConfirm;
  activity?: Activity;
  timeouts?: { operationMs?: number; stackMs?: number; initialDelayMs?: number; maxDelayMs?: number; progressEveryMs?: number };
}

type Existing = Extract<StackSetState, { exists: true }>;

/** One DeleteStackInstances call: whole OUs, or single accounts of one OU (StackSets aimed at accounts). */
interface DeleteTarget {
  ouIds: string[];
  accounts?: string[];
  regions: string[];
}

/**
 * Pure: the calls that remove every instance. OUs the StackSet targets are deleted whole; an
 * instance in any other OU (a StackSet aimed at single accounts) is deleted with an INTERSECTION
 * filter so nothing else in its OU is touched.
 */
export function deleteTargets(state: Existing): DeleteTarget[] {
  const regions = [...new Set([...state.regions, ...state.instances.map((i) => i.region)])].sort();
  const whole = state.ouIds.filter((ou) => state.instances.some((i) => i.ouId === ou) || state.instances.length === 0);
  const out: DeleteTarget[] = whole.length > 0 && state.instances.length > 0 ? [{ ouIds: whole, regions }] : [];
  const byOu = new Map<string, { accounts: Set<string>; regions: Set<string> }>();
  for (const i of state.instances) {
    if (!i.ouId || whole.includes(i.ouId)) continue;
    const e = byOu.get(i.ouId) ?? { accounts: new Set(), regions: new Set() };
    e.accounts.add(i.account);
    e.regions.add(i.region);
    byOu.set(i.ouId, e);
  }
  for (const [ouId, e] of [...byOu].sort(([a], [b]) => a.localeCompare(b))) out.push({ ouIds: [ouId], accounts: [...e.accounts].sort(), regions: [...e.regions].sort() });
  return out;
}

function operationIdFor(name: string, t: DeleteTarget, instances: InstanceInfo[]): string {
  const payload = JSON.stringify({ name, t, instances: instances.map((i) => `${i.account}/${i.region}/${i.status}`).sort() });
  return `xacct-destroy-${createHash('sha256').update(payload).digest('hex').slice(0, 32)}`;
}

function deploymentTargets(t: DeleteTarget): DeploymentTargets {
  return t.accounts ? { OrganizationalUnitIds: t.ouIds, Accounts: t.accounts, AccountFilterType: 'INTERSECTION' } : { OrganizationalUnitIds: t.ouIds };
}

/** What INOPERABLE means and the way out: AWS will not touch those instances again until they are removed with RetainStacks. */
export function explainInoperable(name: string, instances: InstanceInfo[], callAs: CallAs, region: string): string {
  const lines = [
    `StackSet '${name}': ${instances.length} instance${instances.length === 1 ? ' is' : 's are'} INOPERABLE: a delete failed there and StackSets will not touch ${instances.length === 1 ? 'it' : 'them'} again:`,
  ];
  for (const i of instances) lines.push(`  ${i.account} ${i.region}: ${i.reason ?? '(no reason given)'}`);
  lines.push('What to do: fix the cause above in that account (often a resource changed or protected by hand), then take the instance out of the StackSet while keeping its stack:');
  for (const i of instances) {
    lines.push(
      `  aws cloudformation delete-stack-instances --stack-set-name ${name} --deployment-targets OrganizationalUnitIds=${i.ouId ?? '<ou-id>'},Accounts=${i.account},AccountFilterType=INTERSECTION --regions ${i.region} --retain-stacks --call-as ${callAs} --region ${region}`,
    );
  }
  lines.push(`then delete the stack named StackSet-${name}-<id> in each of those accounts yourself, and run xacct destroy again.`);
  return lines.join('\n');
}

interface StackSetDeps {
  callAs: CallAs;
  region: string;
  wait: WaitOptions;
  view: ProgressView;
}

async function send<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof XacctError) throw err;
    throw new XacctError('DEPLOY_FAILED', `${what} failed: ${awsMessage(err)}`, { cause: err });
  }
}

/** Delete one batch of instances and wait; OperationInProgress waits for the other operation first. */
async function deleteBatch(cfn: CloudFormationClient, name: string, t: DeleteTarget, state: Existing, d: StackSetDeps): Promise<string> {
  const id = operationIdFor(name, t, state.instances);
  for (let attempt = 0; ; attempt++) {
    d.view.note(`${name}: deleting instances of ${t.accounts ? `account${t.accounts.length === 1 ? '' : 's'} ${t.accounts.join(', ')} in ` : ''}${t.ouIds.join(', ')} in ${t.regions.join(', ')} [${id}]`);
    try {
      await cfn.send(new DeleteStackInstancesCommand({ StackSetName: name, CallAs: d.callAs, OperationId: id, DeploymentTargets: deploymentTargets(t), Regions: t.regions, RetainStacks: false, OperationPreferences: { MaxConcurrentPercentage: 100, FailureTolerancePercentage: 0, RegionConcurrencyType: 'PARALLEL' } }));
    } catch (err) {
      if (isNamed(err, 'OperationInProgressException') && attempt < 5) {
        await waitForOthers(cfn, { name }, { ...d.wait, callAs: d.callAs, onStep: (e) => d.view.note(`${e.stackSet}: ${e.note}`) });
        continue;
      }
      // Our own earlier call from the same state (an interrupted destroy): wait on it.
      if (!isNamed(err, 'OperationIdAlreadyExistsException')) throw new XacctError('DEPLOY_FAILED', `StackSet '${name}': DeleteStackInstances failed: ${awsMessage(err)}`, { cause: err });
    }
    await waitForOperation(cfn, { stackSetName: name, operationId: id, callAs: d.callAs }, d.wait, 'DELETE');
    return id;
  }
}

async function destroyStackSet(cfn: CloudFormationClient, name: string, d: StackSetDeps): Promise<DestroyResult['stackSets'][number] | undefined> {
  await waitForOthers(cfn, { name }, { ...d.wait, callAs: d.callAs, onStep: (e) => d.view.note(`${e.stackSet}: ${e.note}`) });
  let state = await readStackSet(cfn, name, d.callAs);
  if (!state.exists) return undefined;
  const operations: string[] = [];
  const before = state.instances.length;
  // Two passes: an account that auto-deployment added while the first ran is caught by the second.
  for (let pass = 0; pass < 2 && state.exists && state.instances.length > 0; pass++) {
    for (const t of deleteTargets(state)) {
      try {
        operations.push(await deleteBatch(cfn, name, t, state, d));
      } catch (err) {
        const after = await readStackSet(cfn, name, d.callAs);
        const stuck = after.exists ? after.instances.filter((i) => isInoperable(i.status)) : [];
        if (stuck.length > 0 && err instanceof XacctError && err.code === 'DEPLOY_FAILED') {
          throw new XacctError('DEPLOY_FAILED', `${err.message}\n${explainInoperable(name, stuck, d.callAs, d.region)}`, { cause: err });
        }
        throw err;
      }
    }
    state = await readStackSet(cfn, name, d.callAs);
  }
  if (state.exists && state.instances.length > 0) {
    const stuck = state.instances.filter((i) => isInoperable(i.status));
    if (stuck.length > 0) throw new XacctError('DEPLOY_FAILED', explainInoperable(name, stuck, d.callAs, d.region));
    throw new XacctError('DEPLOY_FAILED', `StackSet '${name}' still has ${state.instances.length} instances after deleting: ${state.instances.slice(0, 5).map((i) => `${i.account} ${i.region} ${i.status}`).join(', ')}`);
  }
  d.view.note(`${name}: deleting the StackSet`);
  await send(`DeleteStackSet '${name}'`, () => cfn.send(new DeleteStackSetCommand({ StackSetName: name, CallAs: d.callAs })));
  return { name, instancesDeleted: before, operations };
}

/** How to remove a retained resource by hand; order matters (buckets before the key that encrypts them). */
export function removalHint(type: string, id: string, region: string): string {
  switch (type) {
    case 'AWS::S3::Bucket':
      return `empty it (every object version and delete marker: the S3 console's Empty, or a lifecycle rule that expires them), then: aws s3api delete-bucket --bucket ${id} --region ${region}`;
    case 'AWS::KMS::Key':
    case 'AWS::KMS::ReplicaKey':
      return `once the buckets are gone (what it encrypted becomes unreadable): aws kms schedule-key-deletion --key-id ${id} --pending-window-in-days 30 --region ${region}`;
    case 'AWS::Logs::LogGroup':
      return `aws logs delete-log-group --log-group-name ${id} --region ${region}`;
    default:
      return `delete ${id} with the console or the service's CLI in ${region}`;
  }
}

const REMOVAL_ORDER: Record<string, number> = { 'AWS::Logs::LogGroup': 0, 'AWS::S3::Bucket': 1, 'AWS::KMS::ReplicaKey': 2, 'AWS::KMS::Key': 3 };

/** Resources the deployed template marks DeletionPolicy Retain, with their physical IDs (read before the stack goes). */
async function retainedResources(cfn: CloudFormationClient, state: Extract<StackState, { exists: true }>): Promise<RetainedResource[]> {
  let resources: Record<string, { Type?: string; DeletionPolicy?: string }> = {};
  try {
    resources = (JSON.parse(state.templateBody || '{}') as { Resources?: typeof resources }).Resources ?? {};
  } catch {
    resources = {};
  }
  const retained = Object.entries(resources).filter(([, r]) => r.DeletionPolicy === 'Retain');
  if (retained.length === 0) return [];
  const physical = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: state.stackId, NextToken: token }));
    for (const r of page.StackResourceSummaries ?? []) if (r.LogicalResourceId && r.PhysicalResourceId) physical.set(r.LogicalResourceId, r.PhysicalResourceId);
    token = page.NextToken;
  } while (token);
  return retained
    .filter(([logicalId]) => physical.has(logicalId))
    .map(([logicalId, r]) => {
      const id = physical.get(logicalId)!;
      const type = r.Type ?? '?';
      return { stack: state.name, region: state.region, logicalId, type, physicalId: id, remove: removalHint(type, id, state.region) };
    });
}

async function waitGone(cfn: CloudFormationClient, stackId: string, name: string, region: string, deps: DestroyDeps, clock: Clock): Promise<Stack | undefined> {
  const t = deps.timeouts ?? {};
  const describe = async () => {
    try {
      return (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0];
    } catch (err) {
      if (isNamed(err, 'ValidationError') && /does not exist/i.test(awsMessage(err))) return undefined;
      throw err;
    }
  };
  try {
    return await pollUntil(describe, (s) => !s || !isStackInProgress(s.StackStatus), {
      clock,
      timeoutMs: t.stackMs ?? 60 * 60 * 1000,
      initialDelayMs: t.initialDelayMs ?? DEFAULT_POLL.initialDelayMs,
      maxDelayMs: t.maxDelayMs ?? DEFAULT_POLL.maxDelayMs,
    });
  } catch (err) {
    if (err instanceof PollTimeout) throw new XacctError('DEPLOY_FAILED', `stack '${name}' (${region}) still deleting after the time limit; CloudFormation carries on`, { cause: err });
    throw err;
  }
}

async function destroyStack(cfn: CloudFormationClient, state: Extract<StackState, { exists: true }>, deps: DestroyDeps, view: ProgressView): Promise<RetainedResource[]> {
  const where = `stack '${state.name}' (${state.region})`;
  const retained = await retainedResources(cfn, state);
  if (state.terminationProtection) {
    view.note(`${where}: turning termination protection off`);
    await send(`${where}: UpdateTerminationProtection`, () => cfn.send(new UpdateTerminationProtectionCommand({ StackName: state.stackId, EnableTerminationProtection: false })));
  }
  const token = `xacct-destroy-${createHash('sha256').update(state.stackId).digest('hex').slice(0, 24)}`;
  view.note(`${where}: deleting`);
  deps.activity?.stack(state.name, state.region, true);
  await send(`${where}: DeleteStack`, () => cfn.send(new DeleteStackCommand({ StackName: state.stackId, ClientRequestToken: token })));
  const after = await waitGone(cfn, state.stackId, state.name, state.region, deps, deps.clock);
  deps.activity?.stack(state.name, state.region, false);
  if (after && !isStackGone(after.StackStatus)) {
    const reasons = await failureReasons(cfn, state.stackId, token);
    throw new XacctError('DEPLOY_FAILED', `${where}: delete ended ${after.StackStatus}${reasons.length > 0 ? `:\n${reasons.map((r) => `  ${r}`).join('\n')}` : after.StackStatusReason ? `: ${after.StackStatusReason}` : ''}`);
  }
  return retained;
}

function describeTargets(sets: Existing[], stacks: Array<Extract<StackState, { exists: true }>>, account: string): string {
  const lines = [`xacct destroy deletes, from account ${account}:`];
  for (const s of sets) {
    const accounts = new Set(s.instances.map((i) => i.account)).size;
    lines.push(`  StackSet ${s.name}: ${s.instances.length} instance${s.instances.length === 1 ? '' : 's'} in ${accounts} account${accounts === 1 ? '' : 's'}, then the StackSet`);
  }
  for (const s of stacks) lines.push(`  stack ${s.name} (${s.region})${s.terminationProtection ? ', termination protection switched off first' : ''}`);
  lines.push('Resources with DeletionPolicy Retain (key, buckets, log groups) stay and are listed at the end.');
  return lines.join('\n');
}

async function confirmOrRefuse(deps: DestroyDeps, summary: string): Promise<void> {
  if (deps.confirm.yes) return;
  if (!deps.confirm.interactive) {
    throw new XacctError('PRECONDITION', `${summary}\nrefusing to destroy without confirmation: no terminal to ask on; run it on a terminal or pass --yes. Nothing was deleted.`);
  }
  deps.io.info(summary);
  if (!(await deps.confirm.ask('Delete all of this?'))) throw new XacctError('PRECONDITION', 'destroy cancelled; nothing was deleted');
}

export async function runDestroy(config: Config, deps: DestroyDeps): Promise<DestroyResult> {
  const { io } = deps;
  const home = deps.clients.cfn(config.homeRegion);
  const identity = await preflight({ sts: deps.clients.sts, org: deps.clients.org, cfn: home }, io, { readOnly: true });
  const callAs = identity.callAs;
  const sets = (await Promise.all((await knownStackSets(home, config, callAs)).map((name) => readStackSet(home, name, callAs)))).filter((s): s is Existing => s.exists);
  const stacks = (await Promise.all(centralStacks(config).map(({ name, region }) => readStack(deps.clients.cfn(region), name, region)))).filter(
    (s): s is Extract<StackState, { exists: true }> => s.exists,
  );
  const result: DestroyResult = { account: identity.accountId, callAs, nothing: sets.length === 0 && stacks.length === 0, stackSets: [], stacks: [], retained: [] };
  if (result.nothing) {
    io.result(`nothing to destroy: no xacct StackSet or stack with prefix '${config.prefix}' in account ${identity.accountId}`, result);
    return result;
  }
  await confirmOrRefuse(deps, describeTargets(sets, stacks, identity.accountId));

  const view = progressView(io);
  try {
    const wait: WaitOptions = waitOptions(deps, view);
    const settled = await Promise.allSettled(sets.map((s) => destroyStackSet(home, s.name, { callAs, region: config.homeRegion, wait, view })));
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    for (const s of settled) if (s.status === 'fulfilled' && s.value) result.stackSets.push(s.value);
    if (errors.length > 0) {
      // The central stacks stay: the pipeline still deploys through roles in the remaining instances.
      const all = errors.map((e) => (e instanceof Error ? e.message : String(e)));
      throw errors.length === 1 ? errors[0] : new XacctError('DEPLOY_FAILED', `${errors.length} StackSets were not deleted:\n${all.join('\n')}`);
    }
    // Reverse deploy order: the pipeline first, the key it and the buckets use last.
    for (const state of [...stacks].reverse()) {
      result.retained.push(...(await destroyStack(deps.clients.cfn(state.region), state, deps, view)));
      result.stacks.push({ name: state.name, region: state.region });
    }
  } finally {
    view.done();
  }
  result.retained.sort((a, b) => (REMOVAL_ORDER[a.type] ?? 9) - (REMOVAL_ORDER[b.type] ?? 9) || a.physicalId.localeCompare(b.physicalId));
  io.result(renderDestroy(result), result);
  return result;
}

export function renderDestroy(r: DestroyResult): string {
  const lines = [`destroyed (account ${r.account}, StackSets as ${r.callAs})`];
  for (const s of r.stackSets) lines.push(`  StackSet ${s.name}: ${s.instancesDeleted} instance${s.instancesDeleted === 1 ? '' : 's'} deleted${s.operations.length > 0 ? ` [${s.operations.join(', ')}]` : ''}, StackSet deleted`);
  for (const s of r.stacks) lines.push(`  stack ${s.name} (${s.region}): deleted`);
  if (r.retained.length > 0) {
    lines.push('', `retained (DeletionPolicy Retain: data outlives the stacks; remove in this order when no longer needed):`);
    for (const x of r.retained) {
      lines.push(`  ${x.type} ${x.physicalId} (${x.region}, was ${x.logicalId} in ${x.stack})`);
      lines.push(`    ${x.remove}`);
    }
    if (r.retained.some((x) => x.type === 'AWS::S3::Bucket')) lines.push('  The access-log bucket receives the other buckets\' logs: remove it last of the buckets.');
  }
  return lines.join('\n');
}
