/** `xacct status` as data: per StackSet its instances by status per OU and region, per stack its state. */
import type { DriftedResource, StackSetDrift } from './drift';
import type { StageMembership } from '../membership';

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

export interface InstanceGroup {
  ouId: string;
  ou?: string;
  region: string;
  total: number;
  /** `CURRENT/SUCCEEDED` -> count. */
  counts: Record<string, number>;
  failed: Array<{ account: string; status: string; detailedStatus: string; reason: string }>;
  /** Every instance of this OU and region, for the status page's grid (`status --html`). */
  instances?: InstanceCell[];
}

export interface StackSetStatus {
  name: string;
  exists: boolean;
  /** Deployed by xacct but no longer in the config: the next deploy removes it. */
  orphaned?: boolean;
  instances: number;
  byStatus: Record<string, number>;
  groups: InstanceGroup[];
  lastOperation?: { id: string; action: string; status: string; created?: string; ended?: string };
  runningOperations: string[];
  drift?: StackSetDrift;
}

export interface StackStatus {
  name: string;
  region: string;
  exists: boolean;
  orphaned?: boolean;
  status?: string;
  reason?: string;
  terminationProtection?: boolean;
  drift?: { status: string; resources: DriftedResource[] };
}

export interface StatusReport {
  account: string;
  callAs: string;
  organizationId: string;
  stackSets: StackSetStatus[];
  stacks: StackStatus[];
  /** Per-account pipeline stages whose targets gained or lost accounts since the pipeline was deployed. */
  membership?: StageMembership[];
}

/** The names the status page uses: every report carries the instances the page draws. */
export type InstanceGroupWithInstances = InstanceGroup;
export type StackSetStatusWithInstances = StackSetStatus;
export type StatusReportWithInstances = StatusReport;
