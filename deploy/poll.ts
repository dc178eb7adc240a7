/**
 * Polling with exponential backoff, jitter and an overall deadline. It only fetches; whoever calls
 * it decides what to show. Throttling during a poll is not fatal: a long wait outlasts a burst of
 * rate limiting, so the poll tries again at its next tick.
 */
import type { Clock } from './clock';
import { awsCause, isThrottling } from './aws-error';

export interface PollOptions {
  clock: Clock;
  /** Overall limit from the first fetch. */
  timeoutMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export const DEFAULT_POLL = { initialDelayMs: 2_000, maxDelayMs: 30_000 } as const;

export class PollTimeout extends Error {
  constructor(readonly elapsedMs: number) {
    super(`still waiting after ${elapsedMs} ms`);
    this.name = 'PollTimeout';
  }
}

/** Delay before poll number `attempt` (0-based): exponential, capped, then "equal jitter" (half fixed, half random). */
export function backoffDelay(
  attempt: number,
  random: number,
  initialDelayMs: number = DEFAULT_POLL.initialDelayMs,
  maxDelayMs: number = DEFAULT_POLL.maxDelayMs,
): number {
  const base = Math.min(maxDelayMs, initialDelayMs * Math.pow(1.5, attempt));
  return Math.round(base / 2 + (base / 2) * random);
}

/**
 * Fetch until `done` says so. `onTick` sees every fetched value (for progress). Throws PollTimeout
 * when the next sleep would pass the deadline.
 */
export async function pollUntil<T>(
  fetch: () => Promise<T>,
  done: (value: T) => boolean,
  o: PollOptions,
  onTick?: (value: T) => void | Promise<void>,
): Promise<T> {
  const start = o.clock.now();
  for (let attempt = 0; ; attempt++) {
    let value: T | undefined;
    let fetched = false;
    try {
      value = await fetch();
      fetched = true;
    } catch (err) {
      if (!isThrottling(awsCause(err))) throw err;
    }
    if (fetched) {
      if (onTick) await onTick(value as T);
      if (done(value as T)) return value as T;
    }
    const delay = backoffDelay(attempt, o.clock.random(), o.initialDelayMs, o.maxDelayMs);
    const elapsed = o.clock.now() - start;
    if (elapsed + delay > o.timeoutMs) throw new PollTimeout(elapsed);
    await o.clock.sleep(delay);
  }
}
