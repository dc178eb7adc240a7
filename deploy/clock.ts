/**
 * Time as a dependency. Every wait in deploy/ goes through a Clock, so tests run a two-hour rollout
 * in milliseconds and the jitter is reproducible.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early once `signal` aborts (the caller then decides what an abort means). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** In [0, 1): the source of jitter. */
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      // Cleared on abort, so an interrupted process does not linger for the rest of a 30 s backoff.
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
  random: () => Math.random(),
};

/** `1h02m`, `3m05s`, `12s`: elapsed time for progress lines. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}
