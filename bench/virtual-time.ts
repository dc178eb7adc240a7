/**
 * Virtual time for whole flows that wait side by side: every `sleep` (xacct's Clock and the in-memory
 * organization's latency model) registers a timer, and `run` moves time to the earliest timer only
 * once every task is blocked on one. Work that runs concurrently overlaps in virtual time exactly as
 * it would in real time, so a deploy's virtual duration is its wall time under the latency model.
 */
import type { Clock } from '../deploy/clock';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Turns without activity before time moves on, and before a flow with no timer left counts as stuck. */
const QUIET_TURNS = 10;
const STUCK_TURNS = 10_000;

export class VirtualTime implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];
  /** Bumped by every sleep and every external signal of progress (`touch`): how `run` knows the flow is still busy. */
  private activity = 0;

  now(): number {
    return this.t;
  }

  random(): number {
    return 0.5;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.activity++;
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => this.timers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, resolve }));
  }

  /**
   * Run `task` to its end. Between timers, the event loop turns until nothing new happens for a few
   * turns (every request to the in-memory organization resolves within a turn); then the earliest
   * timers fire. A flow blocked on anything but a timer is a defect of the benchmark: it throws.
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: unknown } | undefined;
    task().then(
      (value) => (outcome = { value }),
      (error: unknown) => (outcome = { error }),
    );
    let quiet = 0;
    while (!outcome) {
      const before = this.activity;
      await turn();
      if (outcome) break;
      if (this.activity !== before) {
        quiet = 0;
        continue;
      }
      // Some work (the SDK reading a response body) takes a few turns without a request or a sleep.
      if (++quiet < QUIET_TURNS) continue;
      if (this.timers.length === 0) {
        if (quiet < STUCK_TURNS) continue;
        throw new Error('virtual time: the flow waits on something that is not a timer');
      }
      this.fireEarliest();
      quiet = 0;
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  private fireEarliest(): void {
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const at = this.timers[0].at;
    this.t = at;
    const due = this.timers.filter((x) => x.at === at);
    this.timers = this.timers.filter((x) => x.at !== at);
    this.activity++;
    for (const x of due) x.resolve();
  }
}
