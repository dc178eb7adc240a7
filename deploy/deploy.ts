/**
 * `xacct deploy`: target StackSets, then the source StackSet, then the central stacks. StackSets of
 * the same placement and order run side by side; a failure stops before the central stacks, since
 * the pipeline needs the roles in the target accounts.
 */
import type { Config } from '../templates-src/config';
import type { Clock } from './clock';
import { XacctError } from './errors';
import type { Io } from './io';
import type { Activity } from './interrupt';
import { AwsClients, centralSpecs, learnFromOutputs, prepare, Prepared, StackSetItem } from './plan';
import { progressView, ProgressView, waitOptions } from './progress';
import { deployStackSet, StackSetOutcome } from './stackset';
import { deployStack, StackOutcome } from './stack';
import { templateUploader } from './upload';

export interface DeployDeps {
  clients: AwsClients;
  io: Io;
  clock: Clock;
  /** Asked before anything destructive (deleting a ROLLBACK_COMPLETE stack). */
  confirm: (question: string) => Promise<boolean>;
  /** Records what is being waited on, for the message an interrupt prints (interrupt.ts). */
  activity?: Activity;
  /** Waiting limits; defaults suit real AWS. */
  timeouts?: { operationMs?: number; stackMs?: number; initialDelayMs?: number; maxDelayMs?: number; progressEveryMs?: number };
}

export interface DeployResult {
  noChanges: boolean;
  account: string;
  callAs: string;
  stackSets: Array<{ name: string; created: boolean; changed: boolean; operations: Array<{ kind: string; operationId: string; status: string }>; warnings: string[]; waitedFor: string[] }>;
  stacks: Array<{ name: string; region: string; action: string; status?: string }>;
}


/** Groups of StackSets that may run together: consecutive items with the same placement and order. */
function waves(items: StackSetItem[]): StackSetItem[][] {
  const out: StackSetItem[][] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (last && last[0].entry.placement === item.entry.placement && last[0].entry.order === item.entry.order) last.push(item);
    else out.push([item]);
  }
  return out;
}

function combine(errors: unknown[]): unknown {
  if (errors.length === 1) return errors[0];
  const all = errors.map((e) => (e instanceof Error ? e.message : String(e)));
  const precondition = errors.every((e) => e instanceof XacctError && e.exitCode === 2);
  return new XacctError(precondition ? 'PRECONDITION' : 'DEPLOY_FAILED', `${errors.length} StackSets failed:\n${all.join('\n')}`);
}

export function summarize(r: DeployResult): string {
  const lines: string[] = [];
  for (const s of r.stackSets) {
    const waited = s.waitedFor.length > 0 ? ` (after waiting for running ${s.waitedFor.join(', ')})` : '';
    const what = (s.changed ? `${s.created ? 'created' : 'updated'}: ${s.operations.map((o) => `${o.kind} ${o.operationId}`).join(', ')}` : 'no changes') + waited;
    lines.push(`  StackSet ${s.name.padEnd(32)} ${what}`);
  }
  for (const s of r.stacks) lines.push(`  stack    ${`${s.name} (${s.region})`.padEnd(32)} ${s.action === 'none' ? 'no changes' : `${s.action} ${s.status ?? ''}`.trim()}`);
  const waited = r.stackSets.filter((s) => s.waitedFor.length > 0).length;
  // Finishing an operation an interrupted deploy left running is a change reaching the accounts.
  const head = r.noChanges ? (waited > 0 ? `no further changes; ${waited} StackSet${waited === 1 ? '' : 's'} finished an operation already running` : 'no changes') : 'deployed';
  return `${head} (account ${r.account}, StackSets as ${r.callAs})\n${lines.join('\n')}`;
}

export async function runDeploy(config: Config, deps: DeployDeps): Promise<DeployResult> {
  const { io } = deps;
  const prepared = await prepare(config, { clients: deps.clients, io });
  const { identity } = prepared;
  io.info(`deploying as ${identity.arn} (${identity.callAs === 'SELF' ? 'management account' : 'delegated administrator'}) in ${identity.organizationId}`);

  const view = progressView(io);
  try {
    return await deployAll(config, deps, prepared, view);
  } finally {
    view.done();
  }
}

async function deployAll(config: Config, deps: DeployDeps, prepared: Prepared, view: ProgressView): Promise<DeployResult> {
  const { io, clock } = deps;
  const t = deps.timeouts ?? {};
  const { identity } = prepared;
  const home = deps.clients.cfn(config.homeRegion);
  const stackSetOutcomes: StackSetOutcome[] = [];
  for (const wave of waves(prepared.stackSets)) {
    const settled = await Promise.allSettled(
      wave.map(({ spec }) =>
        deployStackSet(home, spec, {
          ...waitOptions(deps, view),
          callAs: identity.callAs,
          onStep: (e) => view.note(`${e.stackSet}: ${e.note} [${e.operationId}]`),
        }),
      ),
    );
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    for (const s of settled) if (s.status === 'fulfilled') stackSetOutcomes.push(s.value);
    if (errors.length > 0) throw combine(errors);
  }
  for (const o of stackSetOutcomes) for (const w of o.warnings) io.warn(`StackSet '${o.name}': ${w}`);

  // Large templates go through the templates bucket, encrypted with that region's artifact key
  // (a replica outside the home region shares the key ID).
  const keyIn = (region: string) => prepared.context.artifactKeyArn?.replace(`:kms:${config.homeRegion}:`, `:kms:${region}:`);
  const s3 = deps.clients.s3;
  const uploader = s3 ? templateUploader((r) => s3(r), keyIn) : undefined;

  // Central entries one at a time: a later builder may need an earlier stack's outputs (the key ARN).
  const stackOutcomes: StackOutcome[] = [];
  for (const entry of prepared.central) {
    for (const spec of centralSpecs(entry, config, prepared.context)) {
      deps.activity?.stack(spec.name, spec.region, true);
      const outcome = await deployStack(deps.clients.cfn(spec.region), spec, {
        clock,
        confirm: deps.confirm,
        timeoutMs: t.stackMs,
        initialDelayMs: t.initialDelayMs,
        maxDelayMs: t.maxDelayMs,
        onEvent: (m) => view.note(m),
        uploadTemplate: uploader,
      });
      deps.activity?.stack(spec.name, spec.region, false);
      learnFromOutputs(prepared.context, config, spec, outcome.outputs);
      stackOutcomes.push(outcome);
    }
  }

  const result: DeployResult = {
    noChanges: stackSetOutcomes.every((o) => o.noop) && stackOutcomes.every((o) => !o.changed),
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
  };
  io.result(summarize(result), result);
  return result;
}
