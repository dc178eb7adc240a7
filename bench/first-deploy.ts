/**
 * First-deploy wall time on the in-memory organization with a latency model: the deploy as it runs
 * (StackSets of one wave and central stacks of one registry order side by side) against the same
 * deploy with every wave item one at a time. Time is virtual (bench/virtual-time.ts), so the figures
 * are what the latency model implies, not what this machine takes.
 */
import { NEVER_CONFIRM } from '../deploy/deps';
import { runDeploy, DeployResult } from '../deploy/deploy';
import { FakeAws, LatencyModel } from '../test/support/fake-aws';
import { MemoryIo } from '../test/support/io';
import { buildOrg, Shape } from './api-cost';
import { SECONDS_PER_WAVE } from './rollout-table';
import { VirtualTime } from './virtual-time';

/**
 * AWS documents no durations for these, so each is an assumption, stated in bench/results.md:
 * - a request answers in 100 ms;
 * - a stack instance of a role StackSet takes 60 s (the figure plan's estimate uses per wave);
 * - an operation deploys at most 100 instances at once: "The maximum speed of deployment is 100
 *   concurrent stack instances per stack set" (StackSets concepts, archived CloudFormation User
 *   Guide; three role StackSets side by side stay under the 3,500 concurrent instance operations
 *   per Region of the archived quotas page);
 * - a change set is ready after 10 s; stacks take as long as STACK_SECONDS says.
 */
export const REQUEST_MS = 100;
export const CHANGE_SET_SECONDS = 10;
export const MAX_CONCURRENT_INSTANCES = 100;
export const STACK_SECONDS: Record<string, number> = { 'kms-key': 90, buckets: 60, 'regional-store': 120, pipeline: 90 };

function latency(time: VirtualTime): LatencyModel {
  return {
    now: () => time.now(),
    sleep: (ms) => time.sleep(ms),
    requestMs: REQUEST_MS,
    instanceMs: SECONDS_PER_WAVE * 1000,
    maxConcurrentInstances: MAX_CONCURRENT_INSTANCES,
    changeSetMs: CHANGE_SET_SECONDS * 1000,
    // Stack names are `<prefix>-<template>` (and `-<region>` for regional stores): matched by template name.
    stackMs: (name) => 1000 * (Object.entries(STACK_SECONDS).find(([t]) => name.includes(t))?.[1] ?? 60),
  };
}

export interface FirstDeployRun {
  seconds: number;
  calls: number;
  result: DeployResult;
}

async function timedDeploy(shape: Shape, oneAtATime: boolean): Promise<FirstDeployRun> {
  const model = buildOrg(shape)!;
  const time = new VirtualTime();
  const fake: FakeAws = model.fake;
  fake.latency = latency(time);
  const clients = fake.clients({ region: model.config.homeRegion });
  const result = await time.run(() => runDeploy(model.config, { clients, io: new MemoryIo(), clock: time, confirm: NEVER_CONFIRM, oneAtATime }));
  return { seconds: time.now() / 1000, calls: fake.calls.length, result };
}

export interface FirstDeployRow {
  accounts: number;
  stackSets: number;
  stacks: number;
  parallel: FirstDeployRun;
  sequential: FirstDeployRun;
}

export async function firstDeployRow(accounts: number): Promise<FirstDeployRow> {
  const shape: Shape = { accounts, depth: 2, variant: 'pipelines' };
  const parallel = await timedDeploy(shape, false);
  const sequential = await timedDeploy(shape, true);
  return { accounts, stackSets: parallel.result.stackSets.length, stacks: parallel.result.stacks.length, parallel, sequential };
}
