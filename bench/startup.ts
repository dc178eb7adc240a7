/**
 * Whole-process wall time and peak memory of `xacct build`, `xacct --help` and synthesis, measured
 * over several runs with GNU time (peak RSS) and a monotonic clock (wall).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { synth } from '../templates-src/cfn';
import { defaultConfig } from '../templates-src/config';
import { distTemplates } from '../templates-src/index';
import { summarize, Summary } from './stats';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'lib', 'deploy', 'cli.js');

export interface ProcessResult {
  name: string;
  command: string;
  wall: Summary;
  peakKb: Summary;
  target?: number;
}

function timeProcess(args: string[], runs: number): { wall: number[]; peakKb: number[] } {
  const wall: number[] = [];
  const peakKb: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
    const elapsed = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i === 0) continue; // the first run warms the file cache
    wall.push(elapsed);
    peakKb.push(Number(r.stderr.trim().split('\n').pop()));
  }
  return { wall, peakKb };
}

export function processBenchmarks(runs: number): ProcessResult[] {
  const out = mkdtempSync(join(tmpdir(), 'xacct-bench-'));
  const synthAll = `const {synth}=require(${JSON.stringify(join(ROOT, 'lib/templates-src/cfn.js'))});const {defaultConfig}=require(${JSON.stringify(join(ROOT, 'lib/templates-src/config.js'))});const {distTemplates}=require(${JSON.stringify(join(ROOT, 'lib/templates-src/index.js'))});const c=defaultConfig();for(const e of distTemplates(c))synth(e.build(c));`;
  const cases: Array<{ name: string; command: string; args: string[]; target?: number }> = [
    { name: 'xacct --help', command: 'node lib/deploy/cli.js --help', args: [CLI, '--help'], target: 150 },
    { name: 'xacct build (warm node_modules)', command: 'node lib/deploy/cli.js build --out DIR', args: [CLI, 'build', '--out', out], target: 1000 },
    { name: 'synthesize all templates (new process)', command: 'node -e "load builders; synth every dist template"', args: ['-e', synthAll], target: 300 },
    { name: 'node itself (baseline)', command: 'node -e 0', args: ['-e', '0'] },
  ];
  return cases.map((c) => {
    const r = timeProcess(c.args, runs);
    return { name: c.name, command: c.command, wall: summarize(r.wall), peakKb: summarize(r.peakKb), target: c.target };
  });
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
