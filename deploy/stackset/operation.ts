/**
 * Waiting on one StackSet operation and judging it. Polling (DescribeStackSetOperation) is kept
 * apart from display: progress goes to a callback, the verdict is a pure function, and the wait
 * throws when the operation did not fully succeed. An operation AWS reports SUCCEEDED with failed
 * instances (possible under a failure tolerance) is a failure here.
 *
 * Cost: one DescribeStackSetOperation per poll whatever the number of accounts (its StatusDetails
 * carry the failed-instance count); result pages are read once, at the end, and only the failed and
 * cancelled ones (ListStackSetOperationResults `Filters`, OPERATION_RESULT_STATUS).
 */
import {
  CloudFormationClient,
  DescribeStackSetOperationCommand,
  paginateListStackSetOperationResults,
  StackSetOperation,
  StackSetOperationResultSummary,
} from '@aws-sdk/client-cloudformation';
import type { Clock } from '../clock';
import { formatDuration } from '../clock';
import { call, XacctError } from '../errors';
import { DEFAULT_POLL, pollUntil, PollTimeout } from '../poll';
import type { CallAs } from '../preflight';
import { isOperationSuccess, isOperationTerminal, isResultFailure } from '../statuses';
import { listInstances } from './read';

export interface OperationRef {
  stackSetName: string;
  operationId: string;
  callAs: CallAs;
}

export interface OperationProgress {
  ref: OperationRef;
  /** RUNNING, QUEUED, STOPPING, then the final status. */
  status: string;
  elapsedMs: number;
  /** Instances failed so far (DescribeStackSetOperation StatusDetails.FailedStackInstancesCount). */
  failed: number;
}

export interface WaitOptions {
  clock: Clock;
  /** Overall limit; AWS carries on after it, we stop watching. Default three hours. */
  timeoutMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  onProgress?: (p: OperationProgress) => void;
  /** Told when xacct starts watching an operation (running) and when a poll saw it end: what an interrupt leaves running. */
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
  failures: FailedInstance[];
}

export interface OperationOutcome extends Verdict {
  operationId: string;
  /** Accounts skipped because they were suspended: a warning, not a failure. */
  suspended: Array<{ account: string; region: string }>;
}

export async function describeOperation(cfn: CloudFormationClient, ref: OperationRef): Promise<StackSetOperation> {
  const out = await call(`StackSet '${ref.stackSetName}' operation ${ref.operationId}`, 'DescribeStackSetOperation', () =>
    cfn.send(new DescribeStackSetOperationCommand({ StackSetName: ref.stackSetName, OperationId: ref.operationId, CallAs: ref.callAs })),
  );
  return out.StackSetOperation ?? {};
}

/** Result rows of the failed and cancelled instances only: one listing per status, filtered by AWS. */
export async function failedResults(cfn: CloudFormationClient, ref: OperationRef): Promise<StackSetOperationResultSummary[]> {
  const out: StackSetOperationResultSummary[] = [];
  for (const status of ['FAILED', 'CANCELLED']) {
    await call(`StackSet '${ref.stackSetName}' operation ${ref.operationId}`, 'ListStackSetOperationResults', async () => {
      const pages = paginateListStackSetOperationResults(
        { client: cfn, pageSize: 100 },
        { StackSetName: ref.stackSetName, OperationId: ref.operationId, CallAs: ref.callAs, Filters: [{ Name: 'OPERATION_RESULT_STATUS', Values: status }] },
      );
      for await (const page of pages) out.push(...(page.Summaries ?? []).filter((r) => r.Status === status));
    });
  }
  return out;
}

/** Pure: does this finished operation count as a success, and which instances failed? */
export function verdict(op: StackSetOperation, results: StackSetOperationResultSummary[]): Verdict {
  const status = op.Status ?? 'UNKNOWN';
  const failures = results
    .filter((r) => isResultFailure(r.Status))
    .map((r) => ({
      account: r.Account ?? '?',
      region: r.Region ?? '?',
      status: r.Status ?? '?',
      reason: r.StatusReason ?? r.AccountGateResult?.StatusReason ?? '(no reason given)',
    }))
    .sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
  const failedCount = Math.max(op.StatusDetails?.FailedStackInstancesCount ?? 0, failures.filter((f) => f.status === 'FAILED').length);
  return { ok: isOperationSuccess(status) && failedCount === 0 && failures.length === 0, status, failedCount, failures };
}

export function describeFailure(ref: OperationRef, v: Verdict, action?: string): string {
  const listed = v.failures.map((f) => `  ${f.account} ${f.region} ${f.status}: ${f.reason}`).join('\n');
  const what = action ? `${action} operation` : 'operation';
  const cancelled = v.failures.filter((f) => f.status === 'CANCELLED').length;
  const counts = `${v.failedCount} instance${v.failedCount === 1 ? '' : 's'} failed${cancelled > 0 ? `, ${cancelled} cancelled` : ''}`;
  // An account that left a target OU and came back still holds the role and boundary xacct retains.
  const leftOver = v.failures.some((f) => /already exists/i.test(f.reason) && /-cfn-(exec|boundary)\b/.test(f.reason));
  const hint = leftOver
    ? '\n  An account that was in a target OU before keeps the CloudFormation role and its boundary when its instance goes (they are retained for its app stacks): delete them there once no app stack uses them, then deploy again.'
    : '';
  return `StackSet '${ref.stackSetName}' ${what} ${ref.operationId} ended ${v.status}: ${counts}${listed ? `\n${listed}` : ''}${hint}`;
}

async function suspendedSkips(cfn: CloudFormationClient, ref: OperationRef): Promise<Array<{ account: string; region: string }>> {
  const skipped = await call(`StackSet '${ref.stackSetName}'`, 'ListStackInstances', () =>
    // One filter: how several StackInstanceFilters combine is not documented ("StackInstanceFilter - AWS CloudFormation").
    listInstances(cfn, ref.stackSetName, ref.callAs, [{ Name: 'DETAILED_STATUS', Values: 'SKIPPED_SUSPENDED_ACCOUNT' }]),
  );
  return skipped.map((s) => ({ account: s.Account ?? '?', region: s.Region ?? '?' }));
}

/** Poll until the operation ends, reporting progress. Returns the finished operation; never judges it. */
export async function pollOperation(cfn: CloudFormationClient, ref: OperationRef, o: WaitOptions): Promise<StackSetOperation> {
  const start = o.clock.now();
  const timeoutMs = o.timeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  // Running in AWS from here until a poll sees it end: an interrupt or a time-out leaves it recorded.
  o.onWait?.(ref, true);
  try {
    const done = await pollUntil(
      () => describeOperation(cfn, ref),
      (op) => isOperationTerminal(op.Status),
      { clock: o.clock, timeoutMs, initialDelayMs: o.initialDelayMs ?? DEFAULT_POLL.initialDelayMs, maxDelayMs: o.maxDelayMs ?? DEFAULT_POLL.maxDelayMs },
      (op) =>
        o.onProgress?.({ ref, status: op.Status ?? 'UNKNOWN', elapsedMs: o.clock.now() - start, failed: op.StatusDetails?.FailedStackInstancesCount ?? 0 }),
    );
    o.onWait?.(ref, false);
    return done;
  } catch (err) {
    if (err instanceof PollTimeout) {
      throw new XacctError(
        'DEPLOY_FAILED',
        `StackSet '${ref.stackSetName}' operation ${ref.operationId} still running after ${formatDuration(err.elapsedMs)}; AWS carries on with it, and the next deploy waits for it`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * Wait for an operation and judge it: throws XacctError DEPLOY_FAILED naming every FAILED or
 * CANCELLED account and region with the AWS reason. Suspended accounts come back as a list.
 */
export async function waitForOperation(cfn: CloudFormationClient, ref: OperationRef, o: WaitOptions, action?: string): Promise<OperationOutcome> {
  const op = await pollOperation(cfn, ref, o);
  const quickOk = isOperationSuccess(op.Status) && (op.StatusDetails?.FailedStackInstancesCount ?? 0) === 0;
  const results = quickOk ? [] : await failedResults(cfn, ref);
  const v = verdict(op, results);
  if (!v.ok) throw new XacctError('DEPLOY_FAILED', describeFailure(ref, v, action));
  return { ...v, operationId: ref.operationId, suspended: await suspendedSkips(cfn, ref) };
}
