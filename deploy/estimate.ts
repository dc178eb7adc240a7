/**
 * Rollout arithmetic: how many waves a StackSet operation takes and roughly how long, under given
 * operation preferences. Pure; used by `xacct plan` and the benchmarks.
 */
export interface Preferences {
  /** Percentage of accounts per region deployed at once (MaxConcurrentPercentage), or a count. */
  maxConcurrent: { percentage: number } | { count: number };
  regionConcurrency: 'SEQUENTIAL' | 'PARALLEL';
}

/** xacct's defaults: every account of a region at once, regions one after another. */
export const XACCT_DEFAULTS: Preferences = { maxConcurrent: { percentage: 100 }, regionConcurrency: 'SEQUENTIAL' };
/** What StackSets does when no preferences are given: one account at a time (MaxConcurrentCount 1). */
export const AWS_DEFAULTS: Preferences = { maxConcurrent: { count: 1 }, regionConcurrency: 'SEQUENTIAL' };

export interface RolloutEstimate {
  accounts: number;
  regions: number;
  instances: number;
  /** Accounts deployed at once in one region. */
  concurrency: number;
  waves: number;
  seconds: number;
}

/**
 * StackSets rounds a percentage down to a whole number of accounts, and never below one.
 * Waves per region = ceil(accounts / concurrency); sequential regions add up, parallel ones overlap.
 */
export function estimateRollout(accounts: number, regions: number, prefs: Preferences, secondsPerWave: number): RolloutEstimate {
  const concurrency =
    'count' in prefs.maxConcurrent
      ? Math.max(1, Math.min(accounts, prefs.maxConcurrent.count))
      : Math.max(1, Math.floor((accounts * prefs.maxConcurrent.percentage) / 100));
  const perRegion = accounts === 0 ? 0 : Math.ceil(accounts / concurrency);
  const waves = prefs.regionConcurrency === 'SEQUENTIAL' ? perRegion * regions : perRegion;
  return { accounts, regions, instances: accounts * regions, concurrency, waves, seconds: waves * secondsPerWave };
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
