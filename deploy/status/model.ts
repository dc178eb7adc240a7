/**
 * What the status page needs beyond today's StatusReport: every stack instance of an OU/region
 * group, not only the failed ones, so the grid can show each account. Optional, so a report
 * without it still renders (counts and failures only).
 */
import type { InstanceGroup, StackSetStatus, StatusReport } from '../inspect';

/** One stack instance, as ListStackInstances reports it (CloudFormation API Reference, "StackInstanceSummary"). */
export interface InstanceCell {
  account: string;
  /** Status: CURRENT | OUTDATED | INOPERABLE. */
  status: string;
  /** StackInstanceStatus.DetailedStatus: SUCCEEDED | FAILED | CANCELLED | INOPERABLE | PENDING | RUNNING | SKIPPED_SUSPENDED_ACCOUNT | FAILED_IMPORT. */
  detailedStatus?: string;
  /** StatusReason, as AWS wrote it. */
  reason?: string;
  /** DriftStatus: DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED (set once drift detection ran). */
  driftStatus?: string;
}

export interface InstanceGroupWithInstances extends InstanceGroup {
  /** Every instance of this OU and region (the page's grid rows); absent: the page shows counts only. */
  instances?: InstanceCell[];
}

export interface StackSetStatusWithInstances extends Omit<StackSetStatus, 'groups'> {
  groups: InstanceGroupWithInstances[];
}

/** A StatusReport, optionally with every instance per group. Every StatusReport is one. */
export interface StatusReportWithInstances extends Omit<StatusReport, 'stackSets'> {
  stackSets: StackSetStatusWithInstances[];
}
