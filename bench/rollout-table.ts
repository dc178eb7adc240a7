/** Rollout time per organization size: xacct's default preferences against StackSets' defaults. */
import { AWS_DEFAULTS, estimateRollout, formatDuration, XACCT_DEFAULTS } from '../deploy/estimate';

export const SECONDS_PER_WAVE = 60;
export const SIZES = [10, 100, 1000, 5000];
export const REGION_COUNTS = [1, 3];

export function rolloutTable(): string {
  const rows = ['| accounts | regions | instances | xacct waves | xacct time | AWS-default waves | AWS-default time |', '|---:|---:|---:|---:|---:|---:|---:|'];
  for (const accounts of SIZES) {
    for (const regions of REGION_COUNTS) {
      const x = estimateRollout(accounts, regions, XACCT_DEFAULTS, SECONDS_PER_WAVE);
      const a = estimateRollout(accounts, regions, AWS_DEFAULTS, SECONDS_PER_WAVE);
      rows.push(`| ${accounts} | ${regions} | ${x.instances} | ${x.waves} | ${formatDuration(x.seconds)} | ${a.waves} | ${formatDuration(a.seconds)} |`);
    }
  }
  return rows.join('\n');
}
