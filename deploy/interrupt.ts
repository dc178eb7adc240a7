/**
 * Ctrl-C. StackSet operations and stack changes run in AWS, not in this process: an interrupt stops
 * the watching, never the work. So after Ctrl-C nothing more is sent (deploy/aws.ts refuses every
 * call and ends every retry wait), the calls already on the wire are allowed to return (so a
 * CreateStackInstances that AWS accepted is known to have started), the abandoned work unwinds at
 * its next sleep or call, and only then is the message written: exactly the operations and stack
 * changes AWS carries on with. The command exits 1; the next deploy or plan attaches to them.
 *
 * Library code never subscribes to signals itself. A command wraps its work in `withInterrupts`,
 * which hands the work a clock whose sleeps end at the interrupt and an Activity to record in.
 */
import type { CallInFlight, InFlight } from './aws';
import type { Clock } from './clock';
import { XacctError } from './errors';

/** Where interrupts come from: the process's SIGINT, or a test. Returns an unsubscribe. */
export interface SignalSource {
  onInterrupt(handler: () => void): () => void;
}

/** SIGINT, once: a second Ctrl-C gets Node's default and ends the process at once. */
export const processSignals: SignalSource = {
  onInterrupt(handler) {
    const listener = () => handler();
    process.once('SIGINT', listener);
    return () => {
      process.removeListener('SIGINT', listener);
    };
  },
};

export interface RunningOperation {
  stackSetName: string;
  operationId: string;
  callAs: string;
}

/**
 * What AWS is busy with on xacct's behalf: StackSet operations from the moment their start call
 * returned (or xacct attached to them) until a poll saw them finish; stacks from the moment an
 * ExecuteChangeSet or DeleteStack returned (or xacct found them in progress) until a poll saw them
 * settle. A change set that was created but not executed is not here: nothing runs in AWS for it.
 */
export class Activity {
  private readonly operations = new Map<string, RunningOperation>();
  private readonly stacks = new Map<string, { name: string; region: string; doing: string }>();

  operation(ref: RunningOperation, running: boolean): void {
    const key = `${ref.stackSetName}/${ref.operationId}`;
    if (running) this.operations.set(key, ref);
    else this.operations.delete(key);
  }

  stack(name: string, region: string, busy: boolean, doing = 'changing'): void {
    const key = `${region}/${name}`;
    if (busy) this.stacks.set(key, { name, region, doing });
    else this.stacks.delete(key);
  }

  running(): { operations: RunningOperation[]; stacks: Array<{ name: string; region: string; doing: string }> } {
    return { operations: [...this.operations.values()], stacks: [...this.stacks.values()] };
  }
}

/** The message an interrupt prints: every operation ID, and how to watch it without xacct. */
export function interruptMessage(activity: Activity, region: string, stillOut: CallInFlight[] = []): string {
  const { operations, stacks } = activity.running();
  const lines: string[] = [];
  if (operations.length === 0 && stacks.length === 0) lines.push('interrupted; AWS is not running anything xacct started or waited for');
  else lines.push('interrupted; AWS carries on with what was started:');
  for (const op of operations) {
    lines.push(`  StackSet '${op.stackSetName}' operation ${op.operationId}`);
    lines.push(
      `    watch: aws cloudformation describe-stack-set-operation --stack-set-name ${op.stackSetName} --operation-id ${op.operationId} --call-as ${op.callAs} --region ${region}`,
    );
  }
  for (const s of stacks) {
    lines.push(`  stack '${s.name}' (${s.region}): ${s.doing}`);
    lines.push(`    watch: aws cloudformation describe-stacks --stack-name ${s.name} --region ${s.region}`);
  }
  const sent = stillOut.filter((c) => c.sent);
  if (sent.length > 0) {
    lines.push('Calls sent but not answered before xacct stopped (AWS may or may not have acted on them):');
    for (const c of sent) lines.push(`  ${c.operation}${c.subject ? ` for '${c.subject}'` : ''}`);
  }
  if (operations.length > 0 || stacks.length > 0 || sent.length > 0) {
    lines.push('The next `xacct deploy` or `xacct plan` attaches to running StackSet operations instead of starting others.');
  }
  return lines.join('\n');
}

export interface InterruptContext {
  /** Sleeps end early at the interrupt and then throw, so the abandoned work unwinds. */
  clock: Clock;
  activity: Activity;
  signal: AbortSignal;
}

export interface InterruptOptions {
  clock: Clock;
  /** Absent: no interrupt handling (the work runs as it is). */
  source?: SignalSource;
  /** Aborted at the interrupt; pass the one the AWS clients were built with so they stop calling too. */
  controller?: AbortController;
  /** The clients' record of calls not yet returned: awaited before the message is written. */
  inFlight?: InFlight;
  /** Region the StackSets are administered from, for the "watch" commands. */
  region: string;
  /** How long to let calls already sent finish (real time). */
  settleMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Run `work`; on an interrupt, stop every further call, let the work unwind, then reject with
 * XacctError INTERRUPTED (exit 1) naming what AWS carries on with. Nothing the work prints can
 * follow that message: the work has ended (or been given up on after `settleMs`) before it is made.
 */
export async function withInterrupts<T>(o: InterruptOptions, work: (ctx: InterruptContext) => Promise<T>): Promise<T> {
  const controller = o.controller ?? new AbortController();
  const activity = new Activity();
  const signal = controller.signal;
  const clock: Clock = {
    now: () => o.clock.now(),
    random: () => o.clock.random(),
    sleep: async (ms) => {
      if (signal.aborted) throw new XacctError('INTERRUPTED', 'interrupted');
      await o.clock.sleep(ms, signal);
      if (signal.aborted) throw new XacctError('INTERRUPTED', 'interrupted');
    },
  };
  const running = work({ clock, activity, signal });
  if (!o.source) return running;
  const outcome = running.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  let unsubscribe = () => {};
  const fired = new Promise<'fired'>((resolve) => {
    unsubscribe = o.source!.onInterrupt(() => {
      controller.abort();
      resolve('fired');
    });
  });
  try {
    const first = await Promise.race([outcome, fired]);
    if (first !== 'fired') {
      if (first.ok) return first.value;
      throw first.error;
    }
  } finally {
    unsubscribe();
  }
  // Interrupted: the work ends at its next sleep or call; a call on the wire ends when AWS answers.
  await Promise.race([outcome, realSleep(o.settleMs ?? 15_000)]);
  const stillOut = o.inFlight?.list() ?? [];
  throw new XacctError('INTERRUPTED', interruptMessage(activity, o.region, stillOut));
}
