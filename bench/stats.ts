/** Median and spread of repeated measurements. */
export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  p90: number;
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
  return { runs: s.length, median: at(0.5), min: s[0], max: s[s.length - 1], p90: at(0.9) };
}

export const ms = (n: number) => `${n.toFixed(0)} ms`;
export const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
