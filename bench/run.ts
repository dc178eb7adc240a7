/**
 * `make bench`: start-up ratios, synthesis, the deployer's API cost and progress cost on the
 * in-memory organization, first-deploy wall time under a latency model, rollout arithmetic and the
 * test suite's timings; writes bench/results.md. Never run by the tests. Exits 1 when a count
 * differs from its formula.
 */
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { costRow, CostRow, Counts, mutating, refusalRow, sameCounts, total, Variant } from './api-cost';
import { firstDeployRow, CHANGE_SET_SECONDS, MAX_CONCURRENT_INSTANCES, REQUEST_MS, STACK_SECONDS } from './first-deploy';
import { progressRow, POLLS, FAILING } from './progress-cost';
import { startupSection, synthesisBenchmarks } from './startup';
import { rolloutTable, SECONDS_PER_WAVE } from './rollout-table';
import { testSection } from './test-times';
import { formatDuration } from '../deploy/clock';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const SIZES = [10, 100, 1000, 5000];
const DEPTHS = [1, 2, 3, 4];

const byOp = (c: Counts) =>
  Object.entries(c)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** Rows of one variant; the problems list gets every count that differs from its formula. */
async function costSection(variant: Variant, problems: string[]): Promise<string[]> {
  const rows: CostRow[] = [];
  for (const accounts of SIZES)
    for (const depth of DEPTHS) {
      rows.push(await costRow({ accounts, depth, variant }));
    }
  const out = [
    '| accounts | OU depth | first deploy: calls | mutating | no-op deploy: calls | mutating | plan: calls | mutating | = formula |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const ok = sameCounts(r.noop, r.expectedNoop) && sameCounts(r.plan, r.expectedPlan) && mutating(r.noop) === 0 && mutating(r.plan) === 0;
    if (!ok) problems.push(`${variant} ${r.accounts} accounts depth ${r.depth}: no-op ${byOp(r.noop)} / plan ${byOp(r.plan)}; formula ${byOp(r.expectedNoop)}`);
    out.push(
      `| ${r.accounts} | ${r.depth} | ${total(r.first)} | ${mutating(r.first)} | ${total(r.noop)} | ${mutating(r.noop)} | ${total(r.plan)} | ${mutating(r.plan)} | ${ok ? 'yes' : '**NO**'} |`,
    );
  }
  const big = rows[rows.length - 1];
  const t = big.terms;
  out.push(
    '',
    `No-op deploy at ${big.accounts} accounts, depth ${big.depth}, by operation: ${byOp(big.noop)}.`,
    `Formula terms here: S_ou = ${t.ouStackSets}, S_acct = ${t.accountStackSets}, S_stage = ${t.stageStackSets}, C = ${t.stacks}, R = ${t.regions}, d = ${t.depth}, extra parents ${t.extraParents}, stage OUs ${t.stageOus}, account pages ${t.stageAccountPages}, source accounts ${t.sourceAccounts}, uploads ${t.uploads}, M = ${t.membership}.`,
    `First deploy at ${big.accounts} accounts, by operation: ${byOp(big.first)}.`,
    '',
  );
  return out;
}

async function apiCost(problems: string[]): Promise<string[]> {
  const out: string[] = [
    '## Deployer API cost (in-memory organization)',
    '',
    'Accounts: two workload groups (non-prod, prod), each an OU `depth` levels below the root with a nested',
    "team OU, the accounts split evenly over the four; page sizes are AWS's maxima (Organizations 20,",
    'ListStackInstances 100). A no-op deploy and a plan must make the same calls at every size, equal to',
    'the formula (checked here; `make bench` fails otherwise).',
    '',
    '### Roles only (no pipelines): three role StackSets, two central stacks',
    '',
    ...(await costSection('roles', problems)),
    '### With pipelines (change-set stages)',
    '',
    'Two pipelines (one with a CodeCommit source in another account) whose change-set stages deploy to two',
    'delivery groups of fixed size beside the workload OUs (`Apps/Test` and `Apps/Live`, each with a nested',
    'team OU, 2 accounts per OU), `Live` in two regions: four StackSets (three role, one source), four',
    'central stacks (key, buckets, the us-east-1 regional store, pipelines). A change-set stage takes two',
    'CodePipeline actions per account and region and a pipeline holds at most 500 actions ("Quotas in AWS',
    'CodePipeline"), Source and Build included, so a change-set stage reaches at most 249 account-regions',
    "whatever the organization's size; the accounts of the OUs StackSets deploy to are never listed.",
    '',
    ...(await costSection('pipelines', problems)),
    '### With `stackset:` stages',
    '',
    'One pipeline whose two `stackset:` stages deploy the application to the workload OUs themselves (so to',
    'every one of the N accounts): each stage is one CodePipeline action, its StackSet reaches the OUs as a',
    'whole, and the accounts are never listed. Both stages are rolled out once after the first deploy (as',
    "the pipeline's first run would); deploy and plan read the three role StackSets and only check the two",
    "stage StackSets' tag (the pipeline rolls them out, not deploy); deploy checks the engine and resolved",
    'config in the templates bucket with one HeadObject each.',
    '',
    ...(await costSection('stackset-stages', problems)),
    '### The formula',
    '',
    "For a no-op deploy (plan: the same without deploy's C DescribeStacks pre-check, M and U). S_ou StackSets",
    'aimed at OUs, S_acct at single accounts (S = S_ou + S_acct), S_stage StackSets of `stackset:` stages, C',
    'central stacks, R regions searched for them, d the workload OU depth, M 1 when a pipeline has per-account',
    'stages (0 otherwise), U objects the pipeline reads from the templates bucket (engine and resolved config: 2',
    'with `stackset:` stages or selfUpdate, 0 otherwise):',
    '',
    '- GetCallerIdentity, DescribeOrganization, DescribeOrganizationsAccess, ListRoots, ListStackSets (up to 100 StackSets), ListBuckets: 1 each;',
    "- ListOrganizationalUnitsForParent: d + the other parents walked to resolve OU paths + one per OU at or below a per-account stage's target (each parent listed once);",
    "- ListAccountsForParent: only for OUs a per-account (change-set, CodeDeploy) stage deploys to: max(1, ceil(direct accounts / 20)) each, and never past the stage's ceiling;",
    '- ListParents: one per source account;',
    "- DescribeStackSet 2S + S_stage (the read, and inventory's tag check; a stage StackSet only the tag check: the pipeline rolls it out); ListStackSetOperations S;",
    '- ListStackInstances: S_ou x 4, one filtered listing per problem status (FAILED, CANCELLED, INOPERABLE, SKIPPED_SUSPENDED_ACCOUNT), each one empty page when every instance is current; S_acct x 1;',
    "- DescribeStacks 2C + R + M, GetTemplate C + M (M: the pipeline stack's template read once more, to name accounts that joined or left a stage's target);",
    '- HeadObject U.',
    '',
    'Nothing in it counts accounts or instances of the OUs StackSets deploy to. What AWS documents about the reads it',
    'relies on: DescribeStackSet returns the StackSet\'s OU IDs and its Regions ("StackSet - AWS CloudFormation") and',
    'reads strongly consistently ("DescribeStackSet - AWS CloudFormation"); ListStackInstances takes up to 3',
    'StackInstanceFilters with one value each ("StackInstanceFilter - AWS CloudFormation"). AWS does not document',
    'whether the filter is applied before a page is cut: if it were applied after, a filtered listing would',
    'follow NextToken through ceil(instances / 100) mostly empty pages (xacct follows every NextToken either',
    'way). The in-memory organization filters first. Organizations "can occasionally return an empty set of',
    'results even when more results are available" (ListAccountsForParent API reference): such pages add calls',
    'the formula does not count.',
    '',
  ];
  out.push(
    '### A change-set stage aimed at a workload group',
    '',
    'The same organization, depth 2, with one change-set stage to the prod group (half the accounts): the',
    'accounts are listed only until the group holds more than the stage could reach, then plan refuses',
    '(exit 2) with what was read so far.',
    '',
    '| accounts | calls until the answer | ListAccountsForParent | answer |',
    '|---:|---:|---:|---|',
  );
  const refusals = [];
  for (const n of SIZES) refusals.push(await refusalRow(n));
  for (const r of refusals)
    out.push(
      `| ${r.accounts} | ${total(r.calls)} | ${r.calls.ListAccountsForParent ?? 0} | ${r.message.replace(/\|/g, '\\|').slice(0, 160)}${r.message.length > 160 ? '...' : ''} |`,
    );
  const [, , a, b] = refusals;
  if (!sameCounts(a.calls, b.calls)) problems.push(`refusal: calls at ${a.accounts} (${byOp(a.calls)}) differ from ${b.accounts} (${byOp(b.calls)})`);
  out.push('');
  return out;
}

async function progressSection(problems: string[]): Promise<string[]> {
  const out = [
    '## Watching an operation',
    '',
    `An update of one role StackSet (the CloudFormation execution role's policies) over every account, watched`,
    `until it ends (${POLLS} polls in the in-memory organization), once with every instance succeeding and once with`,
    `${FAILING} accounts failing (failure tolerance 10 %). Calls naming that StackSet, while it runs and after.`,
    '',
    '| accounts | failing | polls | calls while running | per poll | after it ended | verdict |',
    '|---:|---:|---:|---|---:|---|---|',
  ];
  for (const accounts of SIZES) {
    for (const failing of [0, FAILING]) {
      const r = await progressRow(accounts, failing);
      const during = total(r.during);
      const perPoll = r.polls > 0 ? during / r.polls : NaN;
      if (perPoll !== 1) problems.push(`progress ${accounts}/${failing}: ${byOp(r.during)} over ${r.polls} polls`);
      out.push(`| ${accounts} | ${failing} | ${r.polls} | ${byOp(r.during)} | ${perPoll.toFixed(2)} | ${byOp(r.after) || 'nothing'} | ${r.status} |`);
    }
  }
  out.push(
    '',
    'While an operation runs, each poll is one DescribeStackSetOperation: its StatusDetails.FailedStackInstancesCount',
    'counts failures so far ("StackSetOperationStatusDetails - AWS CloudFormation"). When it ends, result rows are',
    'listed only if it did not fully succeed, filtered by AWS to FAILED and then CANCELLED (ListStackSetOperationResults',
    '`Filters`, OPERATION_RESULT_STATUS: "OperationResultFilter - AWS CloudFormation"): one page each per 100 such',
    'instances. Those lists read eventually consistently; the verdict takes the larger of the strongly consistent',
    'count and the rows listed. After a success, one filtered ListStackInstances names suspended accounts skipped.',
    '',
  );
  return out;
}

async function firstDeploySection(): Promise<string[]> {
  const out = [
    '## First deploy: wall time under a latency model',
    '',
    'The pipelines organization above, depth 2, deployed from nothing on a virtual clock (bench/virtual-time.ts):',
    'StackSets of one wave and central stacks of one registry order side by side (as `xacct deploy` runs), against',
    'the same deploy with every wave item one at a time. The waves: the role StackSets; the source StackSet; the key;',
    "the buckets with the regional store (it needs the key's ARN); the pipelines (they need the roles, buckets and stores).",
    '',
    'AWS documents no durations for these operations; the model assumes:',
    '',
    `- ${REQUEST_MS} ms per API request;`,
    `- ${SECONDS_PER_WAVE} s per stack instance, an operation deploying MaxConcurrentPercentage 100 of a region's accounts at once but at most`,
    `  ${MAX_CONCURRENT_INSTANCES} ("The maximum speed of deployment is 100 concurrent stack instances per stack set": StackSets concepts,`,
    '  archived CloudFormation User Guide; three role StackSets at once stay within the 3,500 concurrent stack instance operations per',
    '  Region of the archived quotas page);',
    `- a change set ready after ${CHANGE_SET_SECONDS} s; stacks created in ${Object.entries(STACK_SECONDS)
      .map(([k, v]) => `${k} ${v} s`)
      .join(', ')};`,
    '- polls back off from 2 s to 30 s as `xacct deploy` does, so an end is seen up to one poll late.',
    '',
    '| accounts | StackSets | stacks | side by side (xacct) | one at a time | saved | API calls |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const accounts of SIZES) {
    const r = await firstDeployRow(accounts);
    const saved = 1 - r.parallel.seconds / r.sequential.seconds;
    out.push(
      `| ${accounts} | ${r.stackSets} | ${r.stacks} | ${formatDuration(r.parallel.seconds * 1000)} | ${formatDuration(r.sequential.seconds * 1000)} | ${(saved * 100).toFixed(0)} % | ${r.parallel.calls} |`,
    );
  }
  out.push('');
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const problems: string[] = [];
  const out: string[] = ['# xacct benchmarks', '', `Machine: ${machine()}.`, 'Written by `make bench`.', ''];

  process.stderr.write('start-up...\n');
  out.push(...startupSection(RUNS));

  process.stderr.write('synthesis...\n');
  const synth = synthesisBenchmarks(200);
  const sum = synth.reduce((a, s) => a + s.micros.median, 0);
  out.push('## Synthesis per template (in process, modules loaded)', '', '| template | median | p90 |', '|---|---:|---:|');
  for (const s of synth) out.push(`| ${s.template} | ${(s.micros.median / 1000).toFixed(2)} ms | ${(s.micros.p90 / 1000).toFixed(2)} ms |`);
  out.push(`| **all** | ${(sum / 1000).toFixed(2)} ms | |`, '');

  process.stderr.write('API cost...\n');
  out.push(...(await apiCost(problems)));
  process.stderr.write('progress...\n');
  out.push(...(await progressSection(problems)));
  process.stderr.write('first deploy...\n');
  out.push(...(await firstDeploySection()));

  out.push(
    '## Rollout time',
    '',
    `Estimated at ${SECONDS_PER_WAVE} s per wave (one wave = the accounts a region deploys at once).`,
    'xacct: MaxConcurrentPercentage 100, SOFT_FAILURE_TOLERANCE, regions sequential. AWS defaults: MaxConcurrentCount 1, STRICT_FAILURE_TOLERANCE.',
    '',
    rolloutTable(),
    '',
    'The xacct column is a lower bound: StackSets applies its own service quotas on concurrent stack',
    'instance operations, so a region of thousands of accounts takes several real waves. The ratio to',
    "AWS's one-account-at-a-time default is what the table shows.",
    '',
  );

  process.stderr.write('tests...\n');
  out.push(...testSection());

  if (problems.length > 0) out.push('## Counts that differ from their formula', '', ...problems.map((p) => `- ${p}`), '');
  out.push(`Total benchmark time: ${((Date.now() - started) / 1000).toFixed(1)} s.`, '');
  writeFileSync(join(__dirname, '..', '..', 'bench', 'results.md'), out.join('\n'));
  process.stdout.write(out.join('\n'));
  if (problems.length > 0) {
    process.stderr.write(`${problems.length} count(s) differ from their formula:\n${problems.join('\n')}\n`);
    process.exit(1);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
