/**
 * `xacct deploy`: target StackSets, then source StackSets, then the central stacks, then whatever
 * the config no longer deploys is removed. StackSets of the same placement and order run side by
 * side, and so do central stacks of the same order (the regional stores and the buckets, once the
 * key exists). A failure stops before the next wave: the pipeline needs the roles in the target
 * accounts, and removals wait until nothing uses what they remove.
 */
import type { Config } from '../templates-src/config';
import { combine, XacctError } from './errors';
import { CommandDeps, Confirm, confirmed } from './deps';
import { orphans, readInventory, removedBeforeSources } from './inventory';
import { prepare, Prepared, StackItem, stackWaves, StackSetItem, withOutputs } from './prepare';
import { progressView, ProgressView, stackOptions, stackSetOptions } from './progress';
import { deployStackSet, StackSetOutcome } from './stackset/lifecycle';
import { removeStackSet } from './stackset/remove';
import { deleteStack, deployStack, settle, StackOutcome } from './stack/lifecycle';
import { describeStack, readStack } from './stack/read';
import { describeMembership, StageMembership, stageMembership } from './membership';
import { stageTargets } from './org-tree';
import { blockedAdvice, where } from './stack/spec';
import { isStackInProgress, isStackRollbackComplete, isStackUpdatable } from './statuses';
import { ensureObject, templateUploader } from './upload';

export interface DeployDeps extends CommandDeps {
  /** Asked before anything is deleted (a ROLLBACK_COMPLETE stack, what left the config). */
  confirm: Confirm;
  /** Each wave's items one after another instead of side by side: what the waves save (bench/first-deploy.ts). */
  oneAtATime?: boolean;
}

export interface DeployResult {
  noChanges: boolean;
  account: string;
  callAs: string;
  stackSets: Array<{
    name: string;
    created: boolean;
    changed: boolean;
    operations: Array<{ kind: string; operationId: string; status: string }>;
    warnings: string[];
    waitedFor: string[];
  }>;
  stacks: Array<{ name: string; region: string; action: string; status?: string }>;
  /** What was no longer in the config and has been removed. */
  removed: { stackSets: string[]; stacks: Array<{ name: string; region: string }> };
}

/** Groups of StackSets that may run together: consecutive items with the same placement and order. */
export function stackSetWaves(items: StackSetItem[]): StackSetItem[][] {
  const out: StackSetItem[][] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (last && last[0].entry.placement === item.entry.placement && last[0].entry.order === item.entry.order) last.push(item);
    else out.push([item]);
  }
  return out;
}

/** Run one wave side by side (or one item after another); every failure of the wave is reported, each with its own cause. */
async function wave<T, R>(items: T[], run: (item: T) => Promise<R>, noun: string, oneAtATime = false): Promise<R[]> {
  const settled: PromiseSettledResult<R>[] = [];
  if (oneAtATime) for (const item of items) settled.push(...(await Promise.allSettled([run(item)])));
  else settled.push(...(await Promise.allSettled(items.map(run))));
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  if (errors.length > 0) throw combine(errors, noun);
  return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
}

export function summarize(r: DeployResult): string {
  const lines: string[] = [];
  for (const s of r.stackSets) {
    const waited = s.waitedFor.length > 0 ? ` (after waiting for running ${s.waitedFor.join(', ')})` : '';
    const what =
      (s.changed ? `${s.created ? 'created' : 'updated'}: ${s.operations.map((o) => `${o.kind} ${o.operationId}`).join(', ')}` : 'no changes') + waited;
    lines.push(`  StackSet ${s.name.padEnd(32)} ${what}`);
  }
  for (const s of r.stacks)
    lines.push(`  stack    ${`${s.name} (${s.region})`.padEnd(32)} ${s.action === 'none' ? 'no changes' : `${s.action} ${s.status ?? ''}`.trim()}`);
  for (const name of r.removed.stackSets) lines.push(`  StackSet ${name.padEnd(32)} removed (no longer in the config)`);
  for (const s of r.removed.stacks) lines.push(`  stack    ${`${s.name} (${s.region})`.padEnd(32)} removed (no longer in the config)`);
  const waited = r.stackSets.filter((s) => s.waitedFor.length > 0).length;
  // Finishing an operation an interrupted deploy left running is a change reaching the accounts.
  const head = r.noChanges
    ? waited > 0
      ? `no further changes; ${waited} StackSet${waited === 1 ? '' : 's'} finished an operation already running`
      : 'no changes'
    : 'deployed';
  return `${head} (account ${r.account}, StackSets as ${r.callAs})\n${lines.join('\n')}`;
}

/** What left the config, found before anything changes; removing it needs a yes, asked up front. */
async function removalsAgreed(config: Config, deps: DeployDeps, prepared: Prepared) {
  const inventory = await readInventory(deps.clients, config, prepared.identity);
  const gone = orphans(inventory, config);
  if (gone.stackSets.length === 0 && gone.stacks.length === 0) return gone;
  const first = removedBeforeSources(gone.stackSets, config);
  const list = [
    ...gone.stackSets.map(
      (n) => `  StackSet ${n}: every instance, then the StackSet${first.includes(n) ? ' (before the source StackSets, which create the same roles)' : ''}`,
    ),
    ...gone.stacks.map((s) => `  stack ${s.name} (${s.region})`),
  ].join('\n');
  const question = `No longer in the config, deploy removes (after everything else is deployed, unless said otherwise):\n${list}\nRemove them?`;
  if (!deps.confirm.yes && !deps.confirm.interactive) {
    throw new XacctError(
      'PRECONDITION',
      `${question.replace(/\nRemove them\?$/, '')}\nrefusing to remove without confirmation: no terminal to ask on; run it on a terminal or pass --yes. Nothing was changed.`,
    );
  }
  if (!(await confirmed(deps.confirm, question))) throw new XacctError('PRECONDITION', 'deploy cancelled: the removals were not agreed; nothing was changed');
  return gone;
}

async function deployStacks(config: Config, deps: DeployDeps, prepared: Prepared, view: ProgressView): Promise<StackOutcome[]> {
  const outputs = new Map<string, Record<string, string>>();
  const keyIn = (region: string) => outputs.get('kms-key')?.ArtifactKeyArn?.replace(`:kms:${config.homeRegion}:`, `:kms:${region}:`);
  // Large templates go through the templates bucket, encrypted with that region's artifact key
  // (a replica outside the home region shares the key ID).
  const uploader = templateUploader((r) => deps.clients.s3(r), keyIn);
  const options = { ...stackOptions(deps, view, (q: string) => confirmed(deps.confirm, q)), uploadTemplate: uploader };
  const outcomes: StackOutcome[] = [];
  for (const items of stackWaves(prepared.stacks)) {
    // The pipeline's CodeBuild actions install xacct's engine from the templates bucket: it is there first.
    if (items.some((i) => i.entry.name === 'pipeline')) await ensureUploads(config, deps, prepared, keyIn(config.homeRegion), view);
    const done = await wave(
      items,
      async (item: StackItem) => {
        const outcome = await deployStack(deps.clients.cfn(item.spec.region), withOutputs(item, outputs), options);
        if (item.spec.region === config.homeRegion) outputs.set(item.entry.name, outcome.outputs);
        return outcome;
      },
      'stacks',
      deps.oneAtATime,
    );
    outcomes.push(...done);
  }
  return outcomes;
}

/** Accounts that joined or left the per-account stages' targets since the pipeline stack was deployed (one read of its template). */
async function membershipChanges(config: Config, deps: DeployDeps, prepared: Prepared): Promise<StageMembership[]> {
  if (stageTargets(config).size === 0) return [];
  const pipeline = prepared.stacks.find((s) => s.entry.name === 'pipeline' && s.spec.region === config.homeRegion);
  if (!pipeline) return [];
  const state = await readStack(deps.clients.cfn(config.homeRegion), pipeline.spec.name, config.homeRegion);
  return state.exists ? stageMembership(config, state.templateBody, prepared.context.targets) : [];
}

/** Content-hashed objects the pipeline reads (engine, resolved config): put when missing, so an unchanged deploy puts nothing. */
async function ensureUploads(config: Config, deps: DeployDeps, prepared: Prepared, kmsKey: string | undefined, view: ProgressView): Promise<void> {
  for (const o of prepared.uploads) {
    if (await ensureObject(deps.clients.s3(config.homeRegion), o, kmsKey)) view.note(`${o.what}: uploaded to s3://${o.bucket}/${o.key}`);
  }
}

/**
 * Central stacks CloudFormation will not take a change set for (UPDATE_ROLLBACK_FAILED, DELETE_FAILED,
 * ...), and ROLLBACK_COMPLETE ones nobody agreed to recreate: refused before the first StackSet
 * operation, so a deploy that cannot finish changes nothing. One DescribeStacks per stack.
 */
async function centralStacksDeployable(deps: DeployDeps, prepared: Prepared): Promise<void> {
  const problems: string[] = [];
  await Promise.all(
    prepared.stacks.map(async ({ spec }) => {
      const s = await describeStack(deps.clients.cfn(spec.region), spec.name, spec.region);
      const status = s?.StackStatus;
      if (!s || status === 'DELETE_COMPLETE' || status === 'REVIEW_IN_PROGRESS' || isStackInProgress(status) || isStackUpdatable(status)) return;
      if (isStackRollbackComplete(status)) {
        if (!deps.confirm.yes && !deps.confirm.interactive)
          problems.push(
            `${where(spec)} is ROLLBACK_COMPLETE (its first create failed${s.StackStatusReason ? `: ${s.StackStatusReason}` : ''}); re-run with --yes to delete and recreate it, or delete it yourself`,
          );
        return;
      }
      const state = {
        exists: true as const,
        name: spec.name,
        region: spec.region,
        stackId: s.StackId ?? spec.name,
        status: status ?? '?',
        parameters: {},
        terminationProtection: false,
        templateBody: '',
        outputs: {},
        tags: {},
      };
      problems.push(`${where(spec)} is ${status}${s.StackStatusReason ? ` (${s.StackStatusReason})` : ''}; ${blockedAdvice(state)}`);
    }),
  );
  if (problems.length > 0) throw new XacctError('PRECONDITION', `${problems.join('\n')}\nNothing was changed.`);
}

export async function runDeploy(config: Config, deps: DeployDeps): Promise<DeployResult> {
  const { io } = deps;
  const prepared = await prepare(config, { clients: deps.clients, io, engine: deps.engine });
  const { identity } = prepared;
  await centralStacksDeployable(deps, prepared);
  const gone = await removalsAgreed(config, deps, prepared);
  io.info(`deploying as ${identity.arn} (${identity.callAs === 'SELF' ? 'management account' : 'delegated administrator'}) in ${identity.organizationId}`);
  for (const w of prepared.warnings) io.warn(w);
  for (const m of await membershipChanges(config, deps, prepared)) io.info(`${describeMembership(m)}; updating the pipeline`);
  const view = progressView(io);
  try {
    const home = deps.clients.cfn(config.homeRegion);
    const setOptions = stackSetOptions(deps, view, identity.callAs);
    const stackSetOutcomes: StackSetOutcome[] = [];
    const removeSet = (name: string) => removeStackSet(home, name, { ...setOptions, region: config.homeRegion });
    // Source StackSets that left the config hold the roles the new ones create: they go first.
    const first = removedBeforeSources(gone.stackSets, config);
    for (const items of stackSetWaves(prepared.stackSets)) {
      if (items[0].entry.placement === 'source' && first.length > 0) await wave(first.splice(0), removeSet, 'StackSets');
      stackSetOutcomes.push(...(await wave(items, (i) => deployStackSet(home, i.spec, setOptions), 'StackSets', deps.oneAtATime)));
    }
    for (const o of stackSetOutcomes) for (const w of o.warnings) io.warn(`StackSet '${o.name}': ${w}`);
    const stackOutcomes = await deployStacks(config, deps, prepared, view);

    // Removals last, stacks first (the pipeline no longer uses a dropped region), then StackSets.
    const sOptions = stackOptions(deps, view, (q: string) => confirmed(deps.confirm, q));
    await wave(
      gone.stacks,
      async (s) => {
        const state = await settle(deps.clients.cfn(s.region), s, sOptions);
        if (state.exists) await deleteStack(deps.clients.cfn(s.region), state, sOptions);
      },
      'stacks',
    );
    const early = removedBeforeSources(gone.stackSets, config);
    await wave(
      gone.stackSets.filter((n) => !early.includes(n)),
      removeSet,
      'StackSets',
    );

    const result: DeployResult = {
      noChanges: stackSetOutcomes.every((o) => o.noop) && stackOutcomes.every((o) => !o.changed) && gone.stackSets.length === 0 && gone.stacks.length === 0,
      account: identity.accountId,
      callAs: identity.callAs,
      stackSets: stackSetOutcomes.map((o) => ({
        name: o.name,
        created: o.created,
        changed: !o.noop,
        operations: o.steps.map((s) => ({ kind: s.step.kind, operationId: s.operationId, status: s.status })),
        warnings: o.warnings,
        waitedFor: o.waitedFor,
      })),
      stacks: stackOutcomes.map((o) => ({ name: o.name, region: o.region, action: o.action, status: o.status })),
      removed: { stackSets: gone.stackSets, stacks: gone.stacks.map((s) => ({ name: s.name, region: s.region })) },
    };
    io.result(summarize(result), result);
    return result;
  } finally {
    view.done();
  }
}
