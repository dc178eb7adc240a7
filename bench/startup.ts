/**
 * Start-up measured side by side: in each round `node -e 0`, `xacct --help` and `xacct build` (and
 * the variants tried) run one after another, so a machine that is busy for a while slows all of them
 * alike; each round gives a ratio to `node -e 0`, and the table shows the median ratio. Peak memory
 * comes from GNU time. Absolute times depend on the machine and its load; the ratios are the result.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { synth } from '../templates-src/cfn';
import { defaultConfig } from '../templates-src/config';
import { distTemplates } from '../templates-src/index';
import { summarize, Summary, ms, mb } from './stats';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'lib', 'deploy', 'cli.js');
/** What `xacct` runs (package.json bin): the prepared help for `--help` alone, deploy/cli.ts otherwise. */
const BIN = join(ROOT, 'lib', 'deploy', 'bin.js');

interface Case {
  name: string;
  command: string;
  args: string[];
  /** Target ratio to `node -e 0`. */
  target?: number;
  env?: Record<string, string>;
}

export interface CaseResult extends Case {
  wall: Summary;
  ratio: Summary;
  peakKb: Summary;
}

function once(c: Case): { wall: number; peakKb: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...c.args], { encoding: 'utf8', env: { ...process.env, ...c.env } });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.command} exited ${r.status}: ${r.stderr}`);
  return { wall, peakKb: Number(r.stderr.trim().split('\n').pop()) };
}

/** Every case once per round, in turn, after one warm-up round; ratios are taken within a round. */
export function sideBySide(cases: Case[], rounds: number): CaseResult[] {
  const wall = cases.map(() => [] as number[]);
  const ratio = cases.map(() => [] as number[]);
  const peak = cases.map(() => [] as number[]);
  for (let r = 0; r <= rounds; r++) {
    const times = cases.map((c) => once(c));
    if (r === 0) continue; // warms the file cache
    times.forEach((t, i) => {
      wall[i].push(t.wall);
      ratio[i].push(t.wall / times[0].wall);
      peak[i].push(t.peakKb);
    });
  }
  return cases.map((c, i) => ({ ...c, wall: summarize(wall[i]), ratio: summarize(ratio[i]), peakKb: summarize(peak[i]) }));
}

export function startupCases(): Case[] {
  const out = mkdtempSync(join(tmpdir(), 'xacct-bench-'));
  const synthAll = `const {synth}=require(${JSON.stringify(join(ROOT, 'lib/templates-src/cfn.js'))});const {defaultConfig}=require(${JSON.stringify(join(ROOT, 'lib/templates-src/config.js'))});const {distTemplates}=require(${JSON.stringify(join(ROOT, 'lib/templates-src/index.js'))});const c=defaultConfig();for(const e of distTemplates(c))synth(e.build(c));`;
  const cases: Case[] = [
    { name: 'node itself (baseline)', command: 'node -e 0', args: ['-e', '0'] },
    { name: 'xacct --help', command: 'node lib/deploy/bin.js --help', args: [BIN, '--help'], target: 1.3 },
    { name: 'xacct build --help (yargs and the command list)', command: 'node lib/deploy/bin.js build --help', args: [BIN, 'build', '--help'] },
    { name: 'xacct build', command: 'node lib/deploy/bin.js build --out DIR --force', args: [BIN, 'build', '--out', out, '--force'], target: 2 },
    { name: 'load the builders, synthesize every template', command: 'node -e "load builders; synth every dist template"', args: ['-e', synthAll] },
  ];
  return cases;
}

export function startupSection(rounds: number): string[] {
  const results = sideBySide(startupCases(), rounds);
  const out = [
    '## Start-up, side by side with `node -e 0`',
    '',
    `${rounds} rounds after one warm-up; in each round every command runs once, in turn. Ratio: the command's time over`,
    "`node -e 0`'s in the same round, median over the rounds.",
    '',
    '| what | ratio to node -e 0 | target | met | median | min | max | peak memory |',
    '|---|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const met = r.target === undefined ? '' : r.ratio.median <= r.target ? 'yes' : 'no';
    out.push(
      `| ${r.name} | ${r.ratio.median.toFixed(2)}x | ${r.target ? `${r.target}x` : ''} | ${met} | ${ms(r.wall.median)} | ${ms(r.wall.min)} | ${ms(r.wall.max)} | ${mb(r.peakKb.median)} |`,
    );
  }
  out.push(
    '',
    'Commands: ' + results.map((r) => `\`${r.command}\``).join(', ') + '.',
    '`xacct` is lib/deploy/bin.js: `--help` alone prints the text the build prepared by running the same yargs definition',
    "(lib/deploy/help.txt; test/package/pack.test.ts compares the installed text with yargs' output); any other command line",
    'loads yargs and the command list, as the `build --help` row shows.',
    '',
  );
  const base = results[0].wall.median;
  const phases = buildPhases(Math.max(3, Math.ceil(rounds / 2)));
  out.push(
    "Where `xacct build`'s time goes beyond Node's own start-up: each phase in turn in a fresh process (bench/build-phases.ts),",
    'median milliseconds, and as a multiple of `node -e 0` above. In the CLI, Graphviz loads in its own thread from the',
    'start of the build command, so on a machine with a free core its load overlaps the rest.',
    '',
    '| phase | time | x node -e 0 |',
    '|---|---:|---:|',
    ...phases.map((p) => `| ${p.phase} | ${ms(p.ms)} | ${(p.ms / base).toFixed(2)} |`),
    `| **all phases** | ${ms(phases.reduce((a, p) => a + p.ms, 0))} | ${(phases.reduce((a, p) => a + p.ms, 0) / base).toFixed(2)} |`,
    '',
  );
  if (!existsSync(CLI)) out.push('(lib/ missing: run make build first)', '');
  return out;
}

/** Median milliseconds per phase of `xacct build`, each phase in turn in a fresh process (bench/build-phases.ts). */
export function buildPhases(runs: number): Array<{ phase: string; ms: number }> {
  const samples = new Map<string, number[]>();
  for (let i = 0; i <= runs; i++) {
    const r = spawnSync(process.execPath, [join(ROOT, 'lib', 'bench', 'build-phases.js')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build-phases exited ${r.status}: ${r.stderr}`);
    if (i === 0) continue;
    for (const [phase, ms] of Object.entries(JSON.parse(r.stdout) as Record<string, number>)) samples.set(phase, [...(samples.get(phase) ?? []), ms]);
  }
  return [...samples].map(([phase, values]) => ({ phase, ms: summarize(values).median }));
}

export interface SynthResult {
  template: string;
  micros: Summary;
}

/** Synthesis alone, in process, per template (modules already loaded): microseconds per build. */
export function synthesisBenchmarks(iterations: number): SynthResult[] {
  const config = defaultConfig();
  return distTemplates(config).map((entry) => {
    for (let i = 0; i < 20; i++) synth(entry.build(config));
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      synth(entry.build(config));
      samples.push((performance.now() - t0) * 1000);
    }
    return { template: entry.name, micros: summarize(samples) };
  });
}
