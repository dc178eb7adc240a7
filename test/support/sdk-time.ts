/**
 * The SDK's own waits run on a virtual clock too. Its retry backoff and the adaptive rate limiter
 * (deploy/aws.ts turns adaptive mode on) wait with setTimeout and measure with Date.now, so a flow
 * that meets throttling against the in-memory organization would otherwise wait seconds of real
 * time. Inside `onSdkTime`, jest's fake timers stand in for both, and whenever the flow is blocked
 * on nothing but a timer, time jumps to that timer. Nothing is skipped: every backoff and every
 * rate-limiter wait still happens, in order, it just takes no real time. `sdkSlept()` says how much
 * virtual time the SDK spent.
 *
 * Not for the CLI over HTTP (ops-harness `cli`): real sockets keep real timers.
 */
let depth = 0;
let slept = 0;

export async function onSdkTime<T>(run: () => Promise<T>): Promise<T> {
  // Nested or parallel harness calls share the outer driver.
  if (depth > 0) return run();
  depth++;
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  const startedAt = Date.now();
  // Settled into a variable at once: a rejection must not sit unhandled while time is driven.
  let outcome: { value: T } | { error: unknown } | undefined;
  run().then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  try {
    while (!outcome) await jest.advanceTimersToNextTimerAsync();
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  } finally {
    slept += Date.now() - startedAt;
    jest.useRealTimers();
    depth--;
  }
}

/** Virtual milliseconds the SDK waited (retry backoff, rate limiter) inside `onSdkTime` since the last reset. */
export function sdkSlept(reset = false): number {
  const value = slept;
  if (reset) slept = 0;
  return value;
}
