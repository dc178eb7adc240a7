import { AWS_DEFAULTS, estimateRollout, formatDuration, XACCT_DEFAULTS } from '../../deploy/estimate';

describe('rollout arithmetic', () => {
  test("AWS's defaults deploy one account at a time: 500 accounts x 3 regions at 60 s is 25 hours", () => {
    const e = estimateRollout(500, 3, AWS_DEFAULTS, 60);
    expect(e.waves).toBe(1500);
    expect(formatDuration(e.seconds)).toBe('25.0 h');
  });

  test("xacct's defaults deploy a whole region at once: one wave per region", () => {
    expect(estimateRollout(500, 3, XACCT_DEFAULTS, 60)).toMatchObject({ concurrency: 500, waves: 3, seconds: 180 });
  });

  test('percentages round down to whole accounts, never below one', () => {
    expect(estimateRollout(9, 1, { maxConcurrent: { percentage: 10 }, regionConcurrency: 'SEQUENTIAL' }, 60)).toMatchObject({ concurrency: 1, waves: 9 });
    expect(estimateRollout(25, 1, { maxConcurrent: { percentage: 10 }, regionConcurrency: 'SEQUENTIAL' }, 60)).toMatchObject({ concurrency: 2, waves: 13 });
  });

  test('parallel regions overlap', () => {
    expect(estimateRollout(100, 4, { maxConcurrent: { count: 10 }, regionConcurrency: 'PARALLEL' }, 60).waves).toBe(10);
    expect(estimateRollout(100, 4, { maxConcurrent: { count: 10 }, regionConcurrency: 'SEQUENTIAL' }, 60).waves).toBe(40);
  });

  test('no accounts, no waves', () => {
    expect(estimateRollout(0, 3, XACCT_DEFAULTS, 60).waves).toBe(0);
  });
});
