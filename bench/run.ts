/**
 * `make bench`: start-up, build and synthesis timings, the deployer's API cost on the in-memory
 * organization, and rollout arithmetic; writes bench/results.md. Never run by the tests.
 */
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { costRow, CostRow, mutating, total } from './api-cost';
import { processBenchmarks, synthesisBenchmarks } from './startup';
import { rolloutTable, SECONDS_PER_WAVE } from './rollout-table';
import { mb, ms } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const SIZES = [10, 100, 1000, 5000];
const DEPTHS = [1, 2, 3, 4];

const norm = (c: Record<string, number>) => JSON.stringify(Object.fromEntries(Object.entries(c).sort()));

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}, ${process.platform}/${process.arch}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const out: string[] = ['# xacct benchmarks', '', `Machine: ${machine()}.`, `Written by \`make bench\` (${RUNS} runs per process measurement after one warm-up run).`, ''];

  process.stderr.write('processes...\n');
  const procs = processBenchmarks(RUNS);
  out.push('## Start-up and build (whole process)', '', '| what | median | min | max | peak memory (median) | target | met |', '|---|---:|---:|---:|---:|---:|---|');
  for (const p of procs) {
    const met = p.target === undefined ? '' : p.wall.median <= p.target ? 'yes' : 'no';
    out.push(`| ${p.name} | ${ms(p.wall.median)} | ${ms(p.wall.min)} | ${ms(p.wall.max)} | ${mb(p.peakKb.median)} | ${p.target ? ms(p.target) : ''} | ${met} |`);
  }
  out.push('', 'Commands: ' + procs.map((p) => `\`${p.command}\``).join(', ') + '.', '');

  process.stderr.write('synthesis...\n');
  const synth = synthesisBenchmarks(200);
  const sum = synth.reduce((a, s) => a + s.micros.median, 0);
  out.push('## Synthesis per template (in process, modules loaded)', '', '| template | median | p90 |', '|---|---:|---:|');
  for (const s of synth) out.push(`| ${s.template} | ${(s.micros.median / 1000).toFixed(2)} ms | ${(s.micros.p90 / 1000).toFixed(2)} ms |`);
  out.push(`| **all** | ${(sum / 1000).toFixed(2)} ms | |`, '');

  process.stderr.write('API cost...\n');
  const rows: CostRow[] = [];
  for (const accounts of SIZES) for (const depth of DEPTHS) rows.push(await costRow({ accounts, depth }));
  out.push(
    '## Deployer API cost (in-memory organization)',
    '',
    'Two target groups (non-prod, prod), each an OU `depth` levels below the root with a nested team OU;',
    'accounts split evenly. Config without pipelines (a pipeline stage is limited to 50 actions, so large',
    'organizations split stages by OU); three role StackSets and two central stacks. Page sizes are',
    "AWS's maxima (Organizations 20, ListStackInstances 100).",
    '',
    '| accounts | OU depth | first deploy: calls | mutating | no-op deploy: calls | mutating | plan: calls | mutating | no-op reads = formula |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const r of rows) {
    const ok = norm(r.noop) === norm(r.expectedNoopReads) ? 'yes' : `NO: ${norm(r.noop)}`;
    out.push(`| ${r.accounts} | ${r.depth} | ${total(r.first)} | ${mutating(r.first)} | ${total(r.noop)} | ${mutating(r.noop)} | ${total(r.plan)} | ${mutating(r.plan)} | ${ok} |`);
  }
  const big = rows[rows.length - 1];
  out.push(
    '',
    `No-op deploy, by operation, at ${big.accounts} accounts and depth ${big.depth}: ` + Object.entries(big.noop).map(([op, n]) => `${op} ${n}`).join(', ') + '.',
    '',
    'Formula for a no-op deploy (S = 3 role StackSets, C = 2 central stacks, d = OU depth, N = accounts):',
    'GetCallerIdentity, DescribeOrganization, DescribeOrganizationsAccess, ListRoots: 1 each;',
    'ListOrganizationalUnitsForParent: d (each parent on the way to the target OUs, listed once);',
    'DescribeStackSet, ListStackSetOperations: S each; ListStackInstances: S x ceil(N / 100);',
    'DescribeStacks, GetTemplate: C each. Nothing is listed per account or per region: role StackSets',
    'have one region, and accounts are listed only for target groups a pipeline stage deploys to.',
    `First deploy at ${big.accounts} accounts, by operation: ` + Object.entries(big.first).map(([op, n]) => `${op} ${n}`).join(', ') + '.',
    '',
  );

  out.push('## Rollout time', '', `Estimated at ${SECONDS_PER_WAVE} s per wave (one wave = the accounts a region deploys at once).`, 'xacct: MaxConcurrentPercentage 100, SOFT_FAILURE_TOLERANCE, regions sequential. AWS defaults: MaxConcurrentCount 1, STRICT_FAILURE_TOLERANCE.', '', rolloutTable(), '', 'The xacct column is a lower bound: StackSets applies its own service quotas on concurrent stack', 'instance operations, so a region of thousands of accounts takes several real waves. The ratio to', "AWS's one-account-at-a-time default is what the table shows.", '');
  out.push(`Total benchmark time: ${((Date.now() - started) / 1000).toFixed(1)} s.`, '');
  writeFileSync(join(__dirname, '..', '..', 'bench', 'results.md'), out.join('\n'));
  process.stdout.write(out.join('\n'));
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
