/**
 * Removing a StackSet: every instance (full concurrency, every failure tolerated, so one stuck
 * account does not hold the others back), then the StackSet itself. Used by `destroy` and by
 * `deploy` for StackSets no longer in the config. Re-running resumes where an interrupted run
 * stopped: it attaches to the running delete and plans from what is left.
 */
import { CloudFormationClient, DeleteStackInstancesCommand, DeleteStackSetCommand, DeploymentTargets } from '@aws-sdk/client-cloudformation';
import { awsFailure, XacctError } from '../errors';
import { isNamed } from '../aws-error';
import type { CallAs } from '../preflight';
import { isInoperable } from '../statuses';
import { attachToRunning, backOffBusy, StackSetOptions, startAndWait } from './lifecycle';
import { readStackSet } from './read';
import { canonical, DELETE_PREFERENCES, ExistingStackSet, InstanceInfo, MAX_OUS_PER_CALL, sha256, stateFingerprint } from './spec';

/** One DeleteStackInstances call: whole OUs, or single accounts of one OU (StackSets aimed at accounts). */
export interface DeleteTarget {
  ouIds: string[];
  accounts?: string[];
  regions: string[];
}

/**
 * Pure: the calls that remove every instance. OUs the StackSet targets are deleted whole (at most
 * 50 per call); an instance in any other OU (a StackSet aimed at single accounts) is deleted with an
 * INTERSECTION filter so nothing else in its OU is touched.
 */
export function deleteTargets(state: ExistingStackSet): DeleteTarget[] {
  const regions = [...new Set([...state.regions, ...state.instances.map((i) => i.region)])].sort();
  const whole = state.ouIds.filter((ou) => !state.complete || state.instances.some((i) => i.ouId === ou));
  const out: DeleteTarget[] = [];
  if (regions.length > 0) for (let i = 0; i < whole.length; i += MAX_OUS_PER_CALL) out.push({ ouIds: whole.slice(i, i + MAX_OUS_PER_CALL), regions });
  const byOu = new Map<string, { accounts: Set<string>; regions: Set<string> }>();
  for (const i of state.instances) {
    if (!i.ouId || whole.includes(i.ouId)) continue;
    const e = byOu.get(i.ouId) ?? { accounts: new Set(), regions: new Set() };
    e.accounts.add(i.account);
    e.regions.add(i.region);
    byOu.set(i.ouId, e);
  }
  for (const [ouId, e] of [...byOu].sort(([a], [b]) => a.localeCompare(b)))
    out.push({ ouIds: [ouId], accounts: [...e.accounts].sort(), regions: [...e.regions].sort() });
  return out;
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
  lines.push(
    'What to do: fix the cause above in that account (often a resource changed or protected by hand), then take the instance out of the StackSet while keeping its stack:',
  );
  for (const i of instances) {
    lines.push(
      `  aws cloudformation delete-stack-instances --stack-set-name ${name} --deployment-targets OrganizationalUnitIds=${i.ouId ?? '<ou-id>'},Accounts=${i.account},AccountFilterType=INTERSECTION --regions ${i.region} --retain-stacks --call-as ${callAs} --region ${region}`,
    );
  }
  lines.push(`then delete the stack named StackSet-${name}-<id> in each of those accounts yourself, and run xacct again.`);
  return lines.join('\n');
}

export interface Removal {
  name: string;
  instancesDeleted: number;
  operations: string[];
}

async function deleteInstances(
  cfn: CloudFormationClient,
  state: ExistingStackSet,
  t: DeleteTarget,
  o: StackSetOptions & { region: string },
  collided: Set<string>,
): Promise<string | 'busy'> {
  const plain = `xacct-remove-${sha256(canonical({ name: state.name, t, state: stateFingerprint(state) })).slice(0, 32)}`;
  const id = collided.has(plain) ? `xacct-remove-${sha256(`${plain}/again`).slice(0, 32)}` : plain;
  const who = t.accounts
    ? `account${t.accounts.length === 1 ? '' : 's'} ${t.accounts.join(', ')} in ${t.ouIds.join(', ')}`
    : `OU${t.ouIds.length === 1 ? '' : 's'} ${t.ouIds.join(', ')}`;
  o.onStep?.({ stackSet: state.name, operationId: id, note: `deleting instances of ${who} in ${t.regions.join(', ')}` });
  const send = () =>
    cfn.send(
      new DeleteStackInstancesCommand({
        StackSetName: state.name,
        CallAs: o.callAs,
        OperationId: id,
        DeploymentTargets: deploymentTargets(t),
        Regions: t.regions,
        RetainStacks: false,
        OperationPreferences: DELETE_PREFERENCES,
      }),
    );
  try {
    const started = await startAndWait(cfn, { stackSetName: state.name, operationId: id, callAs: o.callAs, action: 'DELETE' }, 'DeleteStackInstances', send, o);
    if (started.busy && started.replan) collided.add(id);
    return started.busy ? 'busy' : id;
  } catch (err) {
    const after = await readStackSet(cfn, state.name, o.callAs, { instances: 'all' });
    const stuck = after.exists ? after.instances.filter((i) => isInoperable(i.status)) : [];
    if (stuck.length > 0 && err instanceof XacctError && err.code === 'DEPLOY_FAILED') {
      throw new XacctError('DEPLOY_FAILED', `${err.message}\n${explainInoperable(state.name, stuck, o.callAs, o.region)}`, { cause: err });
    }
    throw err;
  }
}

/** Delete every instance, then the StackSet. Undefined when it does not exist. */
export async function removeStackSet(cfn: CloudFormationClient, name: string, o: StackSetOptions & { region: string }): Promise<Removal | undefined> {
  const operations: string[] = [];
  let deleted = 0;
  const rounds = o.maxRounds ?? 6;
  let busy = false;
  const collided = new Set<string>();
  for (let r = 0; r <= rounds; r++) {
    const waited = await attachToRunning(cfn, name, o);
    if (busy && waited.length === 0) await backOffBusy(name, r - 1, o);
    busy = false;
    const state = await readStackSet(cfn, name, o.callAs, { instances: 'all' });
    if (!state.exists) return r === 0 ? undefined : { name, instancesDeleted: deleted, operations };
    if (state.instances.length === 0) {
      o.onStep?.({ stackSet: name, note: 'deleting the StackSet' });
      try {
        await cfn.send(new DeleteStackSetCommand({ StackSetName: name, CallAs: o.callAs }));
        return { name, instancesDeleted: deleted, operations };
      } catch (err) {
        if (isNamed(err, 'OperationInProgressException', 'StackSetNotEmptyException')) {
          busy = true;
          continue;
        }
        if (isNamed(err, 'StackSetNotFoundException')) return { name, instancesDeleted: deleted, operations };
        throw awsFailure(`StackSet '${name}'`, 'DeleteStackSet', err);
      }
    }
    const stuck = state.instances.filter((i) => isInoperable(i.status));
    if (stuck.length > 0 && stuck.length === state.instances.length) throw new XacctError('DEPLOY_FAILED', explainInoperable(name, stuck, o.callAs, o.region));
    for (const t of deleteTargets(state)) {
      const result = await deleteInstances(cfn, state, t, o, collided);
      if (result === 'busy') {
        busy = true;
        break;
      }
      operations.push(result);
    }
    if (!busy) deleted += state.instances.length;
  }
  throw new XacctError(
    'DEPLOY_FAILED',
    `StackSet '${name}' still has instances after ${rounds + 1} attempts; run again, or see: aws cloudformation list-stack-instances --stack-set-name ${name} --call-as ${o.callAs}`,
  );
}
