/**
 * Ctrl-C during a wait: the operation IDs are printed, AWS carries on, the command exits 1, and
 * the next deploy or plan attaches to the running operation instead of starting another.
 */
import { NEVER_CONFIRM } from '../../deploy/deps';
import { runDeploy } from '../../deploy/deploy';
import { XacctError } from '../../deploy/errors';
import { SignalSource, withInterrupts } from '../../deploy/interrupt';
import { FakeAws, standardOrg } from '../support/fake-aws';
import { FakeClock } from '../support/clock';
import { MemoryIo } from '../support/io';
import { deploy, testConfig } from '../support/deploy-harness';
import { plan } from '../support/ops-harness';

let fake: FakeAws;
afterEach(() => fake?.restore());

const TARGETS = ['xacct-cloudformation-role', 'xacct-cross-account-role', 'xacct-read-only-role'];

class TestSignals implements SignalSource {
  private handler?: () => void;
  onInterrupt(handler: () => void): () => void {
    this.handler = handler;
    return () => {
      this.handler = undefined;
    };
  }
  fire(): void {
    this.handler?.();
  }
  get listening(): boolean {
    return this.handler !== undefined;
  }
}

/** A clock that presses Ctrl-C at the first sleep once `when` holds. */
class InterruptingClock extends FakeClock {
  constructor(
    private readonly signals: TestSignals,
    private readonly when: () => boolean,
  ) {
    super();
  }
  override async sleep(ms: number): Promise<void> {
    await super.sleep(ms);
    if (this.when()) this.signals.fire();
  }
}

const running = () => TARGETS.flatMap((name) => (fake.stackSets.get(name)?.operations ?? []).filter((o) => o.status === 'RUNNING'));

async function interruptedDeploy(): Promise<{ error: unknown; io: MemoryIo; signals: TestSignals }> {
  const config = testConfig();
  const signals = new TestSignals();
  const clock = new InterruptingClock(signals, () => running().length === 3);
  const io = new MemoryIo();
  const error = await withInterrupts({ clock, source: signals, region: config.homeRegion }, (ctx) =>
    runDeploy(config, { clients: fake.clients({ region: config.homeRegion }), io, clock: ctx.clock, activity: ctx.activity, confirm: NEVER_CONFIRM }),
  ).then(
    () => undefined,
    (e) => e,
  );
  return { error, io, signals };
}

describe('interrupt', () => {
  test('Ctrl-C while waiting prints every running operation ID, says AWS carries on, exits 1, and stops calling AWS', async () => {
    fake = standardOrg().install();
    const { error, signals } = await interruptedDeploy();
    expect(error).toBeInstanceOf(XacctError);
    expect((error as XacctError).code).toBe('INTERRUPTED');
    expect((error as XacctError).exitCode).toBe(1);
    const message = (error as Error).message;
    expect(message).toMatch(/^interrupted; AWS carries on with what was started:/);
    const ops = running();
    expect(ops).toHaveLength(3);
    for (const op of ops) {
      expect(op.id).toMatch(/^xacct-add-/);
      expect(message).toContain(`operation ${op.id}`);
      expect(message).toContain(`--operation-id ${op.id} --call-as DELEGATED_ADMIN --region eu-west-1`);
    }
    expect(message).toContain('The next `xacct deploy` or `xacct plan` attaches to running StackSet operations');
    expect(signals.listening).toBe(false);

    // The abandoned work unwinds at its next sleep: no further call reaches AWS.
    const calls = fake.calls.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.calls.length).toBe(calls);
    expect(fake.count('CreateChangeSet')).toBe(0);
  });

  test('the next deploy attaches to the interrupted operations instead of starting others', async () => {
    fake = standardOrg().install();
    await interruptedDeploy();
    const interrupted = running().map((o) => o.id);
    fake.resetCalls();
    const run = await deploy(testConfig());
    expect(run.error).toBeUndefined();
    for (const name of TARGETS) {
      // Nothing new for the three StackSets: their operations finished under the re-run's watch.
      expect(fake.calls.filter((c) => c.input.StackSetName === name && /^(Create|Update|Delete)/.test(c.op))).toEqual([]);
      const ops = fake.stackSets.get(name)!.operations;
      expect(ops).toHaveLength(1);
      expect(ops[0].status).toBe('SUCCEEDED');
      expect(run.io.text()).toContain(`${name}: waiting for running CREATE operation ${ops[0].id}`);
    }
    const watched = new Set(fake.calls.filter((c) => c.op === 'DescribeStackSetOperation').map((c) => c.input.OperationId));
    for (const id of interrupted) expect(watched.has(id)).toBe(true);
    expect(fake.stack('eu-west-1', 'xacct-pipeline')!.status).toBe('CREATE_COMPLETE');
  });

  test('plan attaches too, read-only, and plans against what the operation left', async () => {
    fake = standardOrg().install();
    await interruptedDeploy();
    const interrupted = running()
      .map((o) => o.id)
      .sort();
    fake.resetCalls();
    const run = await plan(testConfig());
    expect(run.error).toBeUndefined();
    expect(fake.mutatingCalls()).toEqual([]);
    expect(run.result!.attached.map((a) => a.operationId).sort()).toEqual(interrupted);
    expect(running()).toEqual([]);
    for (const name of TARGETS) expect(run.result!.stackSets.find((s) => s.name === name)!.action).toBe('none');
    // The source StackSet and the central stacks were never reached: still to do.
    expect(run.result!.stackSets.find((s) => s.name === 'xacct-codecommit-source-333333333333')!.action).toBe('create');
    expect(run.io.results[0].text).toContain(`attached to running operation ${interrupted[0]}`);
  });

  test('plan --no-wait lists the running operation without waiting', async () => {
    fake = standardOrg().install();
    await interruptedDeploy();
    const run = await plan(testConfig(), { attach: false });
    expect(run.result!.attached).toEqual([]);
    expect(running()).toHaveLength(3);
    const s = run.result!.stackSets.find((x) => x.name === 'xacct-cross-account-role')!;
    expect(s.runningOperations).toEqual([fake.stackSets.get('xacct-cross-account-role')!.operations[0].id]);
    expect(run.result!.noChanges).toBe(false);
  });
});
