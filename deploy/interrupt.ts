/**
 * Ctrl-C during a wait. StackSet operations and stack updates run in AWS, not in this process: an
 * interrupt stops the watching, never the work. So the interrupt names every operation still in
 * flight, says that AWS carries on with it, and the command exits 1; the next deploy or plan
 * attaches to those operations (stackset.ts waits for running operations before planning).
 *
 * Library code never subscribes to signals itself. A command wraps its work in `withInterrupts`,
 * which hands the work a clock whose sleeps end at the interrupt and an Activity to record waits in.
 */
import type { Clock } from './clock';
import { XacctError } from './errors';
import type { OperationRef } from './operation';

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

/** What is being waited on right now. */
export class Activity {
  private readonly operations = new Map<string, OperationRef>();
  private readonly stacks = new Map<string, { name: string; region: string }>();

  operation(ref: OperationRef, waiting: boolean): void {
    const key = `${ref.stackSetName}/${ref.operationId}`;
    if (waiting) this.operations.set(key, ref);
    else this.operations.delete(key);
  }

  stack(name: string, region: string, busy: boolean): void {
    const key = `${region}/${name}`;
    if (busy) this.stacks.set(key, { name, region });
    else this.stacks.delete(key);
  }

  running(): { operations: OperationRef[]; stacks: Array<{ name: string; region: string }> } {
    return { operations: [...this.operations.values()], stacks: [...this.stacks.values()] };
  }
}

/** The message an interrupt prints: every operation ID, and how to watch it without xacct. */
export function interruptMessage(activity: Activity, region: string): string {
  const { operations, stacks } = activity.running();
  if (operations.length === 0 && stacks.length === 0) return 'interrupted; no StackSet operation or stack change was in progress';
  const lines = ['interrupted; AWS carries on with what was started:'];
  for (const op of operations) {
    lines.push(`  StackSet '${op.stackSetName}' operation ${op.operationId}`);
    lines.push(`    watch: aws cloudformation describe-stack-set-operation --stack-set-name ${op.stackSetName} --operation-id ${op.operationId} --call-as ${op.callAs} --region ${region}`);
  }
  for (const s of stacks) {
    lines.push(`  stack '${s.name}' (${s.region})`);
    lines.push(`    watch: aws cloudformation describe-stacks --stack-name ${s.name} --region ${s.region}`);
  }
  lines.push('The next `xacct deploy` or `xacct plan` attaches to running StackSet operations instead of starting others.');
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
  /** Region the StackSets are administered from, for the "watch" commands. */
  region: string;
}

/**
 * Run `work`; on an interrupt reject at once with XacctError INTERRUPTED (exit 1) naming what AWS
 * carries on with. The abandoned work stops at its next sleep or AWS call.
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
  let unsubscribe = () => {};
  const interrupted = new Promise<never>((_, reject) => {
    unsubscribe = o.source!.onInterrupt(() => {
      // The message first: once aborted, waits unwind and leave the Activity.
      const message = interruptMessage(activity, o.region);
      controller.abort();
      reject(new XacctError('INTERRUPTED', message));
    });
  });
  // The abandoned work ends in an INTERRUPTED error of its own; nobody is listening for it any more.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, interrupted]);
  } finally {
    unsubscribe();
  }
}
