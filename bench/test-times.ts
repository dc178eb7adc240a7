/**
 * The test suite's timings under `make test`: its wall time, the slowest files, and every test and
 * hook whose timeout is less than 3x the time it took (test/support/timed-environment.js records
 * them). `make bench` runs `make test` first unless BENCH_TESTS=last reuses the last run's records.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';

const ROOT = join(__dirname, '..', '..');
const TIMINGS = join(ROOT, '.jest-timings');
/** A timeout must be at least this many times what the test took. */
export const MARGIN = 3;

export interface Timing {
  file: string;
  name: string;
  ms: number;
  timeout: number;
  passed: boolean;
}

export function readTimings(): Timing[] {
  if (!existsSync(TIMINGS)) return [];
  return readdirSync(TIMINGS)
    .filter((f) => f.endsWith('.json') && f !== 'make-test.json')
    .flatMap((f) => JSON.parse(readFileSync(join(TIMINGS, f), 'utf8')) as Timing[]);
}

function runMakeTest(): void {
  const r = spawnSync('make', ['--no-print-directory', 'test'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) process.stderr.write(`make test exited ${r.status}; its timings are reported all the same\n`);
}

const s = (n: number) => `${(n / 1000).toFixed(1)} s`;

export function testSection(): string[] {
  if (process.env.BENCH_TESTS !== 'last') runMakeTest();
  const wallFile = join(TIMINGS, 'make-test.json');
  const rows = readTimings();
  if (rows.length === 0 || !existsSync(wallFile)) return ['## Tests', '', 'No timings: run `make test` (or `make bench` without BENCH_TESTS=last).', ''];
  const wall = JSON.parse(readFileSync(wallFile, 'utf8')) as { wallMs: number; exit: number; typecheckMs: number };
  const byFile = new Map<string, number>();
  for (const r of rows) byFile.set(r.file, (byFile.get(r.file) ?? 0) + r.ms);
  const raced = rows.filter((r) => r.timeout < MARGIN * r.ms).sort((a, b) => b.ms / b.timeout - a.ms / a.timeout);
  const tightest = [...rows].sort((a, b) => b.ms / b.timeout - a.ms / a.timeout).slice(0, 10);
  const out = [
    '## Tests',
    '',
    `\`make test\` (tsc --noEmit, Prettier and typescript-eslint, then jest with its default workers: ${Math.max(1, cpus().length - 1)} on ${cpus().length} cores) took ${s(wall.wallMs)} (type check and style ${s(wall.typecheckMs)}), exit ${wall.exit}, run ${new Date(statSync(wallFile).mtimeMs).toISOString().slice(0, 16)}Z;`,
    `${rows.length} tests and hooks in ${byFile.size} files. Every timeout must be at least ${MARGIN}x the time its test or hook took in that run:`,
    raced.length === 0 ? 'all are.' : `**${raced.length} are not** (listed below).`,
    '',
    '| slowest files | time |',
    '|---|---:|',
    ...[...byFile]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([f, t]) => `| ${f} | ${s(t)} |`),
    '',
    '| closest to their timeout | took | timeout | timeout / took |',
    '|---|---:|---:|---:|',
    ...tightest.map(
      (r) => `| ${r.file}: ${r.name.replace(/\|/g, '\\|').slice(0, 90)} | ${s(r.ms)} | ${s(r.timeout)} | ${(r.timeout / Math.max(1, r.ms)).toFixed(1)}x |`,
    ),
    '',
  ];
  if (raced.length > 0) out.push('Under the margin:', '', ...raced.map((r) => `- ${r.file}: ${r.name} took ${s(r.ms)}, timeout ${s(r.timeout)}`), '');
  return out;
}
