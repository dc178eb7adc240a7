/**
 * Reading stacks: one stack's state (DescribeStacks, GetTemplate), the failed resources of one
 * stack operation (DescribeStackEvents), and every stack of a region (inventory).
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  paginateDescribeStackEvents,
  paginateDescribeStacks,
  Stack,
  StackEvent,
} from '@aws-sdk/client-cloudformation';
import { awsFailure, call } from '../errors';
import { awsMessage, isNamed } from '../aws-error';
import { isResourceFailure, isStackGone, isStackInReview } from '../statuses';
import { StackState, where } from './spec';

/** DescribeStacks has no "not found" exception: a ValidationError saying the stack does not exist. */
export function isMissingStack(err: unknown): boolean {
  return isNamed(err, 'ValidationError') && /does not exist/i.test(awsMessage(err));
}

export async function describeStack(cfn: CloudFormationClient, stackName: string, region: string): Promise<Stack | undefined> {
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (err) {
    if (isMissingStack(err)) return undefined;
    throw awsFailure(where({ name: stackName, region }), 'DescribeStacks', err);
  }
}

export function outputsOf(s: Stack | undefined): Record<string, string> {
  return Object.fromEntries((s?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

export function tagsOf(s: { Tags?: Array<{ Key?: string; Value?: string }> } | undefined): Record<string, string> {
  return Object.fromEntries((s?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

export function stateOf(s: Stack, region: string, templateBody: string): StackState {
  return {
    exists: true,
    name: s.StackName ?? '',
    region,
    stackId: s.StackId ?? s.StackName ?? '',
    status: s.StackStatus ?? 'UNKNOWN',
    reason: s.StackStatusReason,
    parameters: Object.fromEntries((s.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? ''])),
    terminationProtection: s.EnableTerminationProtection ?? false,
    templateBody,
    outputs: outputsOf(s),
    tags: tagsOf(s),
  };
}

export async function readStack(cfn: CloudFormationClient, name: string, region: string): Promise<StackState> {
  const s = await describeStack(cfn, name, region);
  if (!s || isStackGone(s.StackStatus)) return { exists: false, name, region };
  let templateBody = '';
  if (!isStackInReview(s.StackStatus)) {
    templateBody =
      (await call(where({ name, region }), 'GetTemplate', () => cfn.send(new GetTemplateCommand({ StackName: s.StackId ?? name, TemplateStage: 'Original' }))))
        .TemplateBody ?? '';
  }
  return stateOf(s, region, templateBody);
}

/** Every live stack of a region whose tags say it belongs to `prefix` (DescribeStacks without a name lists them all). */
export async function taggedStacks(cfn: CloudFormationClient, region: string, tag: string, value: string): Promise<Stack[]> {
  const out: Stack[] = [];
  await call(`stacks in ${region}`, 'DescribeStacks', async () => {
    for await (const page of paginateDescribeStacks({ client: cfn }, {})) {
      for (const s of page.Stacks ?? []) if (!isStackGone(s.StackStatus) && tagsOf(s)[tag] === value) out.push(s);
    }
  });
  return out;
}

/**
 * The failed resources of one stack operation, first failure first, with CloudFormation's reasons.
 * Events carry the ClientRequestToken of the call that caused them ("DescribeStackEvents - AWS
 * CloudFormation"), which picks out this operation without trusting the local clock. Events come
 * newest first, so the listing stops at the first older event once the operation's own were seen.
 */
export async function failureReasons(cfn: CloudFormationClient, stackId: string, token: string, region: string): Promise<string[]> {
  const failed: StackEvent[] = [];
  let seen = false;
  await call(where({ name: stackId, region }), 'DescribeStackEvents', async () => {
    for await (const page of paginateDescribeStackEvents({ client: cfn }, { StackName: stackId })) {
      for (const e of page.StackEvents ?? []) {
        if (e.ClientRequestToken !== token) {
          if (seen) return;
          continue;
        }
        seen = true;
        if (isResourceFailure(e.ResourceStatus) && e.LogicalResourceId !== undefined) failed.push(e);
      }
    }
  });
  // The resource that failed first explains the rest ("Resource creation cancelled").
  return failed.reverse().map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}: ${e.ResourceStatusReason ?? '(no reason given)'}`);
}
