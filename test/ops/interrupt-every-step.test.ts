/**
 * Ctrl-C at every step of a first deploy: after each call in turn. Nothing is sent after the signal
 * (calls already with AWS finish), the message names exactly the StackSet operations and stack
 * changes AWS is running at that moment, and a re-run converges to what an uninterrupted deploy makes.
 */
import { NEVER_CONFIRM } from '../../deploy/deps';
import { runDeploy } from '../../deploy/deploy';
import { XacctError } from '../../deploy/errors';
import { SignalSource, withInterrupts } from '../../deploy/interrupt';
import { FakeAws, standardOrg } from '../support/fake-aws';
import { FakeClock } from '../support/clock';
import { MemoryIo } from '../support/io';
import { onSdkTime } from '../support/sdk-time';
import { deploy, testConfig } from '../support/deploy-harness';

let fake: FakeAws;
afterEach(() => fake?.restore());

const config = testConfig();

/** What a deploy leaves in AWS, in a form two organizations can be compared by. */
function endState(f: FakeAws): unknown {
  return {
    stackSets: [...f.stackSets.values()]
      .map((ss) => ({
        name: ss.name,
        body: ss.body,
        parameters: ss.parameters,
        instances: [...ss.instances.values()].map((i) => `${i.account}/${i.region}/${i.status}`).sort(),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    stacks: [...f.stacks.values()]
      .map((s) => ({ name: s.name, region: s.region, status: s.status, body: s.body, protection: s.protection }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

async function interruptedAt(k: number): Promise<{ error: unknown; afterSignal: string[]; running: string[] }> {
  fake = standardOrg({ accounts: 4 }).install();
  let press = () => {};
  const signals: SignalSource = { onInterrupt: (h) => ((press = h), () => (press = () => {})) };
  let signalled = false;
  const afterSignal: string[] = [];
  // Requests already on their way when the signal came (past the last check in deploy/aws.ts) may
  // still arrive: they were sent before it. Anything else arriving later was sent after it.
  let onTheWire: string[] = [];
  const controller = new AbortController();
  const clients = fake.clients({ region: config.homeRegion, signal: controller.signal });
  fake.onRequest = ({ op, index }) => {
    if (signalled) {
      const i = onTheWire.indexOf(op);
      if (i >= 0) onTheWire.splice(i, 1);
      else afterSignal.push(op);
    } else if (index === k) {
      signalled = true;
      onTheWire = clients.inFlight
        .list()
        .filter((c) => c.sent)
        .map((c) => c.operation.split(':')[1]);
      onTheWire.splice(onTheWire.indexOf(op), 1);
      press();
    }
  };
  const error = await onSdkTime(() =>
    withInterrupts({ clock: new FakeClock(), source: signals, controller, inFlight: clients.inFlight, region: config.homeRegion, settleMs: 5_000 }, (ctx) =>
      runDeploy(config, { clients, io: new MemoryIo(), clock: ctx.clock, activity: ctx.activity, confirm: NEVER_CONFIRM }),
    ).then(
      () => undefined,
      (e) => e,
    ),
  );
  fake.onRequest = undefined;
  const running = [
    ...[...fake.stackSets.values()].flatMap((ss) =>
      ss.operations.filter((o) => o.status === 'RUNNING' || o.status === 'QUEUED').map((o) => `operation ${o.id}`),
    ),
    ...[...fake.stacks.values()].filter((s) => s.status.endsWith('_IN_PROGRESS') && s.status !== 'REVIEW_IN_PROGRESS').map((s) => `stack '${s.name}'`),
  ];
  return { error, afterSignal, running };
}

test('Ctrl-C after each call of a first deploy: no call after it, the message names exactly what AWS runs, a re-run converges', async () => {
  // The uninterrupted deploy, for the number of calls and the end state to converge to.
  fake = standardOrg({ accounts: 4 }).install();
  expect((await deploy(config)).error).toBeUndefined();
  const total = fake.calls.length;
  const wanted = endState(fake);
  await fake.restore();
  expect(total).toBeGreaterThan(40);

  for (let k = 0; k < total; k++) {
    const { error, afterSignal, running } = await interruptedAt(k);
    // Interrupted (or, at the very last call, already done when the signal came).
    if (error !== undefined) {
      expect([k, (error as XacctError).code]).toEqual([k, 'INTERRUPTED']);
      const message = (error as Error).message;
      // Exactly: every operation and stack change running in AWS, and nothing else.
      const named = [...message.matchAll(/^ {2}StackSet '[^']+' (operation \S+)$/gm), ...message.matchAll(/^ {2}(stack '[^']+') \(/gm)].map((m) => m[1]).sort();
      expect([k, named]).toEqual([k, [...running].sort()]);
      if (running.length === 0)
        expect([k, message]).toEqual([k, expect.stringMatching(/AWS is not running anything xacct started|Calls sent but not answered/)]);
    }
    expect([k, afterSignal]).toEqual([k, []]);
    const rerun = await deploy(config, { yes: true });
    expect([k, rerun.error]).toEqual([k, undefined]);
    expect([k, endState(fake)]).toEqual([k, wanted]);
    await fake.restore();
  }
}, 600_000);
