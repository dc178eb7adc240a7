/**
 * What deploy would do now, as data, reading only: every StackSet and stack read and planned
 * exactly as deploy plans it, plus what the config no longer deploys.
 */
import type { Config } from '../../templates-src/config';
import type { CommandDeps } from '../deps';
import { Inventory, orphans, readInventory } from '../inventory';
import { prepare, Prepared, withOutputs } from '../prepare';
import type { CallAs } from '../preflight';
import type { StackSetOptions } from '../stackset/lifecycle';
import { pollOperation } from '../stackset/operation';
import { activeOperations, readStackSet } from '../stackset/read';
import { planStackSet, StackSetPlan, StackSetSpec, StackSetState } from '../stackset/spec';
import { readStack } from '../stack/read';
import { planStack, StackPlan, StackSpec, StackState } from '../stack/spec';

export interface DeploymentPlan extends Prepared {
  stackSetPlans: Array<StackSetPlan & { runningOperations: string[] }>;
  stackPlans: StackPlan[];
  /** What each plan was made from, in the same order as the plans. */
  stackSetStates: Array<{ spec: StackSetSpec; state: StackSetState }>;
  stackStates: Array<{ spec: StackSpec; state: StackState }>;
  /** Running operations waited for before planning (attach), by StackSet. */
  attached: Array<{ stackSet: string; operationId: string }>;
  /** Deployed by xacct, no longer in the config: deploy removes them (after a yes). */
  removals: ReturnType<typeof orphans>;
  inventory: Inventory;
  /** True when deploy would make no mutating call. */
  noop: boolean;
}

export interface PlanModelDeps extends Pick<CommandDeps, 'clients' | 'io' | 'engine'> {
  /**
   * Given: a StackSet operation still running (an interrupted deploy) is waited for, read-only,
   * and the plan is made against what it leaves. Absent: the plan lists it as running.
   */
  attach?: (callAs: CallAs) => StackSetOptions;
}

async function readStackSetPlan(config: Config, prepared: Prepared, spec: StackSetSpec, deps: PlanModelDeps, attached: DeploymentPlan['attached']) {
  const home = deps.clients.cfn(config.homeRegion);
  const callAs = prepared.identity.callAs;
  const mode = { instances: spec.targets.kind === 'accounts' ? ('all' as const) : ('problems' as const) };
  let state = await readStackSet(home, spec.name, callAs, mode);
  let running = state.exists ? (await activeOperations(home, spec.name, callAs)).map((o) => o.OperationId ?? '') : [];
  if (running.length > 0 && deps.attach) {
    for (const operationId of running) {
      attached.push({ stackSet: spec.name, operationId });
      deps.io.info(`${spec.name}: attaching to running operation ${operationId}; the plan waits for it`);
      await pollOperation(home, { stackSetName: spec.name, operationId, callAs }, deps.attach(callAs));
    }
    state = await readStackSet(home, spec.name, callAs, mode);
    running = (await activeOperations(home, spec.name, callAs)).map((o) => o.OperationId ?? '');
  }
  return { spec, state, running };
}

/** Read-only: what `deploy` would do now. */
export async function planDeployment(config: Config, deps: PlanModelDeps): Promise<DeploymentPlan> {
  const prepared = await prepare(config, { clients: deps.clients, io: deps.io, readOnly: true, engine: deps.engine });
  const attached: DeploymentPlan['attached'] = [];
  const [stackSetStates, inventory] = await Promise.all([
    Promise.all(prepared.stackSets.map(({ spec }) => readStackSetPlan(config, prepared, spec, deps, attached))),
    readInventory(deps.clients, config, prepared.identity),
  ]);
  const stackSetPlans = stackSetStates.map(({ spec, state, running }) => ({ ...planStackSet(spec, state), runningOperations: running }));
  const outputs = new Map<string, Record<string, string>>();
  const stackPlans: StackPlan[] = [];
  const stackStates: DeploymentPlan['stackStates'] = [];
  for (const item of prepared.stacks) {
    const spec = withOutputs(item, outputs);
    const state = await readStack(deps.clients.cfn(spec.region), spec.name, spec.region);
    if (state.exists && spec.region === config.homeRegion) outputs.set(item.entry.name, state.outputs);
    stackPlans.push(planStack(spec, state));
    stackStates.push({ spec, state });
  }
  const removals = orphans(inventory, config);
  const noop =
    stackSetPlans.every((p) => p.noop && p.runningOperations.length === 0) &&
    stackPlans.every((p) => p.action === 'none') &&
    removals.stackSets.length === 0 &&
    removals.stacks.length === 0;
  return {
    ...prepared,
    stackSetPlans,
    stackPlans,
    stackSetStates: stackSetStates.map(({ spec, state }) => ({ spec, state })),
    stackStates,
    attached,
    removals,
    inventory,
    noop,
  };
}
