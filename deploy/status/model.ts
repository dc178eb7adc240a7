/** `xacct status` as data: per StackSet its instances by status per OU and region, per stack its state. */
import type { DriftedResource, StackSetDrift } from './drift';

export interface InstanceGroup {
  ouId: string;
  ou?: string;
  region: string;
  total: number;
  /** `CURRENT/SUCCEEDED` -> count. */
  counts: Record<string, number>;
  failed: Array<{ account: string; status: string; detailedStatus: string; reason: string }>;
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
}
