/**
 * Drift detection for `status --drift`: DetectStackSetDrift is a StackSet operation like any other
 * (it waits for running ones, and others wait for it); DetectStackDrift runs per stack. Neither
 * changes a resource. Both report the drifted resources with their property differences.
 */
import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DetectStackDriftCommand,
  DetectStackSetDriftCommand,
  ListStackInstanceResourceDriftsCommand,
  paginateDescribeStackResourceDrifts,
} from '@aws-sdk/client-cloudformation';
import type { Clock } from '../clock';
import { formatDuration } from '../clock';
import { call, XacctError } from '../errors';
import { DEFAULT_POLL, pollUntil, PollTimeout } from '../poll';
import { attachToRunning, StackSetOptions } from '../stackset/lifecycle';
import { pollOperation } from '../stackset/operation';
import { listInstances } from '../stackset/read';
import { isDrifted, isDriftDetectionDone } from '../statuses';
import { sha256 } from '../stackset/spec';

export interface DriftedResource {
  logicalId: string;
  type: string;
  physicalId: string;
  status: string;
  /** `PropertyPath: expected -> actual`. */
  differences: string[];
}

export interface StackSetDrift {
  operationId: string;
  status: string;
  checked: number;
  drifted: Array<{ account: string; region: string; resources: DriftedResource[] }>;
}

/** Stack and stack-instance drift records share these fields. */
interface DriftRecord {
  LogicalResourceId?: string;
  ResourceType?: string;
  PhysicalResourceId?: string;
  StackResourceDriftStatus?: string;
  PropertyDifferences?: Array<{ PropertyPath?: string; ExpectedValue?: string; ActualValue?: string }>;
}

function driftedResource(r: DriftRecord): DriftedResource {
  return {
    logicalId: r.LogicalResourceId ?? '?',
    type: r.ResourceType ?? '?',
    physicalId: r.PhysicalResourceId ?? '?',
    status: r.StackResourceDriftStatus ?? '?',
    differences: (r.PropertyDifferences ?? []).map((d) => `${d.PropertyPath}: ${d.ExpectedValue} -> ${d.ActualValue}`),
  };
}

/** ListStackInstanceResourceDrifts ships no paginator in the SDK, so its NextToken is followed here. */
async function instanceDrifts(
  cfn: CloudFormationClient,
  name: string,
  o: StackSetOptions,
  account: string,
  region: string,
  operationId: string,
): Promise<DriftedResource[]> {
  const out: DriftedResource[] = [];
  let token: string | undefined;
  do {
    const page = await call(`StackSet '${name}' instance ${account} ${region}`, 'ListStackInstanceResourceDrifts', () =>
      cfn.send(
        new ListStackInstanceResourceDriftsCommand({
          StackSetName: name,
          CallAs: o.callAs,
          StackInstanceAccount: account,
          StackInstanceRegion: region,
          OperationId: operationId,
          StackInstanceResourceDriftStatuses: ['MODIFIED', 'DELETED'],
          MaxResults: 100,
          NextToken: token,
        }),
      ),
    );
    for (const r of page.Summaries ?? []) out.push(driftedResource(r));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function detectStackSetDrift(cfn: CloudFormationClient, name: string, o: StackSetOptions): Promise<StackSetDrift> {
  await attachToRunning(cfn, name, o);
  // A new ID per detection, drawn from the command's clock (reproducible under a test clock).
  const operationId = `xacct-drift-${sha256(`${name}/${o.clock.now()}/${o.clock.random()}`).slice(0, 32)}`;
  await call(`StackSet '${name}'`, 'DetectStackSetDrift', () =>
    cfn.send(
      new DetectStackSetDriftCommand({
        StackSetName: name,
        CallAs: o.callAs,
        OperationId: operationId,
        OperationPreferences: { MaxConcurrentPercentage: 100, FailureTolerancePercentage: 100, RegionConcurrencyType: 'PARALLEL' },
      }),
    ),
  );
  const op = await pollOperation(cfn, { stackSetName: name, operationId, callAs: o.callAs }, o);
  // Only the drifted instances are listed (DRIFT_STATUS filter); the checked count comes from the StackSet's instances.
  const [all, drifted] = await Promise.all([
    call(`StackSet '${name}'`, 'ListStackInstances', () => listInstances(cfn, name, o.callAs)),
    call(`StackSet '${name}'`, 'ListStackInstances', () => listInstances(cfn, name, o.callAs, [{ Name: 'DRIFT_STATUS', Values: 'DRIFTED' }])),
  ]);
  const out: StackSetDrift['drifted'] = [];
  for (const i of drifted.filter((x) => isDrifted(x.DriftStatus))) {
    out.push({
      account: i.Account ?? '?',
      region: i.Region ?? '?',
      resources: await instanceDrifts(cfn, name, o, i.Account ?? '', i.Region ?? '', operationId),
    });
  }
  return { operationId, status: op.Status ?? '?', checked: all.length, drifted: out };
}

export async function detectStackDrift(
  cfn: CloudFormationClient,
  stackName: string,
  region: string,
  o: { clock: Clock; timeoutMs?: number },
): Promise<{ status: string; resources: DriftedResource[] }> {
  const what = `stack '${stackName}' (${region})`;
  const id = (await call(what, 'DetectStackDrift', () => cfn.send(new DetectStackDriftCommand({ StackName: stackName })))).StackDriftDetectionId ?? '';
  const timeoutMs = o.timeoutMs ?? 30 * 60 * 1000;
  let done;
  try {
    done = await pollUntil(
      () => call(what, 'DescribeStackDriftDetectionStatus', () => cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }))),
      (s) => isDriftDetectionDone(s.DetectionStatus),
      { clock: o.clock, timeoutMs, initialDelayMs: DEFAULT_POLL.initialDelayMs, maxDelayMs: DEFAULT_POLL.maxDelayMs },
    );
  } catch (err) {
    if (err instanceof PollTimeout)
      throw new XacctError(
        'DEPLOY_FAILED',
        `${what}: drift detection ${id} still running after ${formatDuration(err.elapsedMs)} (the limit is ${formatDuration(timeoutMs)})`,
        { cause: err },
      );
    throw err;
  }
  const resources: DriftedResource[] = [];
  await call(what, 'DescribeStackResourceDrifts', async () => {
    for await (const page of paginateDescribeStackResourceDrifts(
      { client: cfn },
      { StackName: stackName, StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'] },
    )) {
      for (const r of page.StackResourceDrifts ?? []) resources.push(driftedResource(r));
    }
  });
  return {
    status: done.StackDriftStatus ?? (done.DetectionStatus === 'DETECTION_FAILED' ? `DETECTION_FAILED: ${done.DetectionStatusReason ?? ''}` : '?'),
    resources,
  };
}
