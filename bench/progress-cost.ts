/**
 * What watching a StackSet operation costs: an update of one role StackSet over every account, watched
 * to its end, at several organization sizes. Calls naming that StackSet are read off the in-memory
 * organization's log: while the operation runs (after the UpdateStackSet, up to the poll that sees it
 * end) and after it.
 */
import { NEVER_CONFIRM } from '../deploy/deps';
import { runDeploy } from '../deploy/deploy';
import { parseConfig } from '../templates-src/config';
import { names } from '../templates-src/names';
import { FakeClock } from '../test/support/clock';
import { MemoryIo } from '../test/support/io';
import { buildOrg } from './api-cost';

/** Polls an operation takes in the in-memory organization: enough to see that nothing is paged while it runs. */
export const POLLS = 12;
/** Accounts whose instances fail in the failing run. */
export const FAILING = 3;

export interface ProgressRow {
  accounts: number;
  failing: number;
  polls: number;
  /** Calls while the operation ran, by operation. */
  during: Record<string, number>;
  /** Calls after the poll that saw it end, by operation. */
  after: Record<string, number>;
  status: string;
}

function countOps(calls: Array<{ op: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.op] = (out[c.op] ?? 0) + 1;
  return out;
}

export async function progressRow(accounts: number, failing: number): Promise<ProgressRow> {
  const model = buildOrg({ accounts, depth: 2, variant: 'roles' });
  const { fake, config } = model;
  const deploy = (c = config) =>
    runDeploy(c, { clients: fake.clients({ region: c.homeRegion }), io: new MemoryIo(), clock: new FakeClock(), confirm: NEVER_CONFIRM });
  await deploy();
  // Only the CloudFormation execution role's policies change: one StackSet updates every instance.
  const changed = parseConfig({
    ...config,
    cloudformationRole: { ...config.cloudformationRole, managedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'] },
  });
  const failingAccounts = [...fake.accounts.values()]
    .filter((a) => a.id.startsWith('4'))
    .map((a) => a.id)
    .sort()
    .slice(0, failing);
  for (const a of failingAccounts) fake.instanceFailures.set(a, 'Resource handler returned message: "Access denied" (injected)');
  fake.pollsToComplete = POLLS;
  fake.resetCalls();
  let status = 'SUCCEEDED';
  await deploy(changed).catch((err: Error) => (status = `DEPLOY_FAILED: ${err.message.split('\n')[0].replace(/^.*ended /, 'ended ')}`));
  const name = names.stackSet(config.prefix, 'cloudformation-role');
  const calls = fake.calls.filter((c) => c.input.StackSetName === name);
  const start = calls.findIndex((c) => c.op === 'UpdateStackSet');
  const end = calls.map((c) => c.op).lastIndexOf('DescribeStackSetOperation');
  const during = countOps(calls.slice(start + 1, end + 1));
  const after = countOps(calls.slice(end + 1));
  return { accounts, failing, polls: during.DescribeStackSetOperation ?? 0, during, after, status };
}
