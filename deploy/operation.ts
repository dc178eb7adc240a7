/**
 * Waiting on one StackSet operation and judging it. Polling (DescribeStackSetOperation) is kept
 * apart from display: progress goes to a callback, the verdict is a pure function, and the wait
 * throws when the operation did not fully succeed. An operation AWS reports SUCCEEDED with failed
 * instances (possible under a failure tolerance) is a failure here.
 */
import {
  CloudFormationClient,
  DescribeStackSetOperationCommand,
  ListStackInstancesCommand,
  ListStackSetOperationResultsCommand,
  ListStackSetOperationsCommand,
  StackSetOperation,
  StackSetOperationResultSummary,
  StackSetOperationSummary,
} from '@aws-sdk/client-cloudformation';
import type { Clock } from './clock';
import { formatDuration } from './clock';
import { XacctError } from './errors';
import { DEFAULT_POLL, pollUntil, PollTimeout } from './poll';
import type { CallAs } from './organizations';
import { isOperationActive, isOperationSuccess, isOperationTerminal, isResultFailure, isResultPending, isSuspendedSkip } from './status';

export interface OperationRef {
  stackSetName: string;
  operationId: string;
  callAs: CallAs;
}

export interface ProgressCounts {
  succeeded: number;
  failed: number;
  pending: number;
}

export interface OperationProgress {
  ref: OperationRef;
  status: string;
  elapsedMs: number;
  /** Present when results were fetched on this tick. */
  counts?: ProgressCounts;
  /** The same counts per region, when fetched. */
  regions?: Record<string, ProgressCounts>;
}

export interface WaitOptions {
  clock: Clock;
  /** Overall limit; AWS carries on after it, we stop watching. Default three hours. */
  timeoutMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How often to count results for progress (each count lists every result page). Default one minute. */
  progressEveryMs?: number;
  onProgress?: (p: OperationProgress) => void;
  /** Told when a wait on an operation begins and ends: what an interrupt leaves running. */
  onWait?: (ref: OperationRef, waiting: boolean) => void;
}

export const DEFAULT_OPERATION_TIMEOUT_MS = 3 * 60 * 60 * 1000;

export interface FailedInstance {
  account: string;
  region: string;
  status: string;
  reason: string;
}

export interface Verdict {
  ok: boolean;
  status: string;
  failedCount: number;
  total: number;
  failures: FailedInstance[];
}

export interface OperationOutcome extends Verdict {
  operationId: string;
  /** Accounts skipped because they were suspended: a warning, not a failure. */
  suspended: Array<{ account: string; region: string }>;
}

export async function describeOperation(cfn: CloudFormationClient, ref: OperationRef): Promise<StackSetOperation> {
  const out = await cfn.send(new DescribeStackSetOperationCommand({ StackSetName: ref.stackSetName, OperationId: ref.operationId, CallAs: ref.callAs }));
  return out.StackSetOperation ?? {};
}

export async function operationResults(cfn: CloudFormationClient, ref: OperationRef): Promise<StackSetOperationResultSummary[]> {
  const out: StackSetOperationResultSummary[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(
      new ListStackSetOperationResultsCommand({ StackSetName: ref.stackSetName, OperationId: ref.operationId, CallAs: ref.callAs, MaxResults: 100, NextToken: token }),
    );
    out.push(...(page.Summaries ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

/** Operations of a StackSet that have not finished (RUNNING, QUEUED, STOPPING), from the first page (newest first). */
export async function activeOperations(cfn: CloudFormationClient, stackSetName: string, callAs: CallAs): Promise<{ active: StackSetOperationSummary[]; latest?: string }> {
  const page = await cfn.send(new ListStackSetOperationsCommand({ StackSetName: stackSetName, CallAs: callAs, MaxResults: 100 }));
  const summaries = [...(page.Summaries ?? [])].sort((a, b) => (b.CreationTimestamp?.getTime() ?? 0) - (a.CreationTimestamp?.getTime() ?? 0));
  return { active: summaries.filter((s) => isOperationActive(s.Status)), latest: summaries[0]?.OperationId };
}

/** Counts per region, regions in name order. */
export function countByRegion(results: StackSetOperationResultSummary[]): Record<string, ProgressCounts> {
  const by = new Map<string, StackSetOperationResultSummary[]>();
  for (const r of results) by.set(r.Region ?? '?', [...(by.get(r.Region ?? '?') ?? []), r]);
  return Object.fromEntries([...by].sort(([a], [b]) => a.localeCompare(b)).map(([region, rs]) => [region, countResults(rs)]));
}

export function countResults(results: StackSetOperationResultSummary[]): ProgressCounts {
  const counts = { succeeded: 0, failed: 0, pending: 0 };
  for (const r of results) {
    if (isResultFailure(r.Status)) counts.failed++;
    else if (isResultPending(r.Status)) counts.pending++;
    else counts.succeeded++;
  }
  return counts;
}

/** Pure: does this finished operation count as a success, and which instances failed? */
export function verdict(op: StackSetOperation, results: StackSetOperationResultSummary[]): Verdict {
  const status = op.Status ?? 'UNKNOWN';
  const failures = results
    .filter((r) => isResultFailure(r.Status))
    .map((r) => ({ account: r.Account ?? '?', region: r.Region ?? '?', status: r.Status ?? '?', reason: r.StatusReason ?? r.AccountGateResult?.StatusReason ?? '(no reason given)' }))
    .sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
  const failedCount = Math.max(op.StatusDetails?.FailedStackInstancesCount ?? 0, failures.filter((f) => f.status === 'FAILED').length);
  return { ok: isOperationSuccess(status) && failedCount === 0 && failures.length === 0, status, failedCount, total: results.length, failures };
}

export function describeFailure(ref: OperationRef, v: Verdict, action?: string): string {
  const listed = v.failures.map((f) => `  ${f.account} ${f.region} ${f.status}: ${f.reason}`).join('\n');
  const what = action ? `${action} operation` : 'operation';
  const counts = v.total > 0 ? `${v.failedCount} of ${v.total} instances failed` : `${v.failedCount} instances failed`;
  return `StackSet '${ref.stackSetName}' ${what} ${ref.operationId} ended ${v.status}: ${counts}${listed ? `\n${listed}` : ''}`;
}

async function suspendedSkips(cfn: CloudFormationClient, ref: OperationRef): Promise<Array<{ account: string; region: string }>> {
  const out: Array<{ account: string; region: string }> = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(
      new ListStackInstancesCommand({
        StackSetName: ref.stackSetName,
        CallAs: ref.callAs,
        Filters: [{ Name: 'DETAILED_STATUS', Values: 'SKIPPED_SUSPENDED_ACCOUNT' }],
        MaxResults: 100,
        NextToken: token,
      }),
    );
    for (const s of page.Summaries ?? []) {
      if (isSuspendedSkip(s.StackInstanceStatus?.DetailedStatus)) out.push({ account: s.Account ?? '?', region: s.Region ?? '?' });
    }
    token = page.NextToken;
  } while (token);
  return out;
}

/** Poll until the operation ends, reporting progress. Returns the finished operation; never judges it. */
export async function pollOperation(cfn: CloudFormationClient, ref: OperationRef, o: WaitOptions): Promise<StackSetOperation> {
  const start = o.clock.now();
  const every = o.progressEveryMs ?? 60_000;
  let lastCount = -Infinity;
  const timeoutMs = o.timeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  o.onWait?.(ref, true);
  try {
    return await pollUntil(
      () => describeOperation(cfn, ref),
      (op) => isOperationTerminal(op.Status),
      { clock: o.clock, timeoutMs, initialDelayMs: o.initialDelayMs ?? DEFAULT_POLL.initialDelayMs, maxDelayMs: o.maxDelayMs ?? DEFAULT_POLL.maxDelayMs },
      async (op) => {
        if (!o.onProgress) return;
        const now = o.clock.now();
        let counts: ProgressCounts | undefined;
        let regions: Record<string, ProgressCounts> | undefined;
        if (!isOperationTerminal(op.Status) && now - lastCount >= every) {
          lastCount = now;
          const results = await operationResults(cfn, ref);
          counts = countResults(results);
          regions = countByRegion(results);
        }
        o.onProgress({ ref, status: op.Status ?? 'UNKNOWN', elapsedMs: now - start, counts, regions });
      },
    );
  } catch (err) {
    if (err instanceof PollTimeout) {
      throw new XacctError(
        'DEPLOY_FAILED',
        `StackSet '${ref.stackSetName}' operation ${ref.operationId} still running after ${formatDuration(err.elapsedMs)}; AWS carries on with it, and the next deploy waits for it`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    o.onWait?.(ref, false);
  }
}

/**
 * Wait for an operation we started and judge it: throws XacctError DEPLOY_FAILED naming every
 * FAILED or CANCELLED account and region with the AWS reason. Suspended accounts come back as a list.
 */
export async function waitForOperation(cfn: CloudFormationClient, ref: OperationRef, o: WaitOptions, action?: string): Promise<OperationOutcome> {
  const op = await pollOperation(cfn, ref, o);
  const quickOk = isOperationSuccess(op.Status) && (op.StatusDetails?.FailedStackInstancesCount ?? 0) === 0;
  // Results cost a page per hundred instances: fetch them in full only when something went wrong.
  const results = quickOk ? [] : await operationResults(cfn, ref);
  const v = verdict(op, results);
  if (!v.ok) throw new XacctError('DEPLOY_FAILED', describeFailure(ref, v, action));
  return { ...v, operationId: ref.operationId, suspended: await suspendedSkips(cfn, ref) };
}
