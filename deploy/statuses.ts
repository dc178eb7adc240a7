/**
 * Every AWS status string deploy/ reacts to, read through one helper each. Comparing status strings
 * inline is how a waiter ends up reporting success on FAILED.
 */

// StackSet operations: RUNNING | SUCCEEDED | FAILED | STOPPING | STOPPED | QUEUED
export function isOperationTerminal(status: string | undefined): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'STOPPED';
}
export function isOperationActive(status: string | undefined): boolean {
  return status === 'RUNNING' || status === 'QUEUED' || status === 'STOPPING';
}
export function isOperationSuccess(status: string | undefined): boolean {
  return status === 'SUCCEEDED';
}

// Operation results per account and region: PENDING | RUNNING | SUCCEEDED | FAILED | CANCELLED
export function isResultFailure(status: string | undefined): boolean {
  return status === 'FAILED' || status === 'CANCELLED';
}
export function isResultPending(status: string | undefined): boolean {
  return status === 'PENDING' || status === 'RUNNING';
}

// Stack instances: Status CURRENT | OUTDATED | INOPERABLE; DetailedStatus adds SKIPPED_SUSPENDED_ACCOUNT and more.
export function isSuspendedSkip(detailedStatus: string | undefined): boolean {
  return detailedStatus === 'SKIPPED_SUSPENDED_ACCOUNT';
}
/** An instance that the next UpdateStackSet should bring up to date (suspended accounts cannot be). */
export function needsUpdate(status: string | undefined, detailedStatus: string | undefined): boolean {
  return status === 'OUTDATED' && !isSuspendedSkip(detailedStatus);
}
export function isInoperable(status: string | undefined): boolean {
  return status === 'INOPERABLE';
}

// Stacks.
export function isStackInProgress(status: string | undefined): boolean {
  return status !== undefined && status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}
/** What a successful create or update of ours ends in. */
export function isStackDeployed(status: string | undefined): boolean {
  return status === 'CREATE_COMPLETE' || status === 'UPDATE_COMPLETE' || status === 'IMPORT_COMPLETE';
}
/** A stack that can take a change set as it is (an earlier update rolled back cleanly is fine). */
export function isStackUpdatable(status: string | undefined): boolean {
  return isStackDeployed(status) || status === 'UPDATE_ROLLBACK_COMPLETE' || status === 'IMPORT_ROLLBACK_COMPLETE';
}
/** A first create that failed: CloudFormation accepts no update, only deletion. */
export function isStackRollbackComplete(status: string | undefined): boolean {
  return status === 'ROLLBACK_COMPLETE';
}
/** Created by a CREATE change set that was never executed: a CREATE change set still fits. */
export function isStackInReview(status: string | undefined): boolean {
  return status === 'REVIEW_IN_PROGRESS';
}
export function isStackGone(status: string | undefined): boolean {
  return status === undefined || status === 'DELETE_COMPLETE';
}
export function isResourceFailure(status: string | undefined): boolean {
  return status !== undefined && status.endsWith('_FAILED');
}

// Change sets: CREATE_PENDING | CREATE_IN_PROGRESS | CREATE_COMPLETE | DELETE_* | FAILED
export function isChangeSetTerminal(status: string | undefined): boolean {
  return status === 'CREATE_COMPLETE' || status === 'FAILED' || status === 'DELETE_COMPLETE' || status === 'DELETE_FAILED';
}
/**
 * CloudFormation fails a change set that changes nothing instead of returning an empty one; the
 * reason text is the only signal ("The submitted information didn't contain changes...").
 */
export function isNoChangesReason(reason: string | undefined): boolean {
  return reason !== undefined && (/didn't contain changes/i.test(reason) || /No updates are to be performed/i.test(reason));
}

// Stack instances that did not reach CURRENT through the last operation.
export function isInstanceFailed(status: string | undefined, detailedStatus: string | undefined): boolean {
  return isInoperable(status) || detailedStatus === 'FAILED' || detailedStatus === 'CANCELLED' || detailedStatus === 'INOPERABLE';
}

// Drift: StackDriftStatus / StackInstance DriftStatus DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED;
// resources MODIFIED | DELETED | IN_SYNC | NOT_CHECKED.
export function isDrifted(status: string | undefined): boolean {
  return status === 'DRIFTED' || status === 'MODIFIED' || status === 'DELETED';
}
/** DescribeStackDriftDetectionStatus: DETECTION_IN_PROGRESS until COMPLETE or FAILED. */
export function isDriftDetectionDone(status: string | undefined): boolean {
  return status === 'DETECTION_COMPLETE' || status === 'DETECTION_FAILED';
}
