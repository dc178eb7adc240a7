/**
 * The README's walkthrough of plan, deploy, status and destroy, produced by running the commands
 * against the in-memory organization. `WALKTHROUGH=path` writes it there; the test checks that
 * every transcript in the README's "Operating" section is what the commands print today.
 */
import { NEVER_CONFIRM } from '../../deploy/deps';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDeploy } from '../../deploy/deploy';
import { runPlan } from '../../deploy/plan';
import { runStatus } from '../../deploy/status';
import { runDestroy } from '../../deploy/destroy';
import { report } from '../../deploy/cli';
import { EXIT } from '../../deploy/errors';
import type { Io } from '../../deploy/io';
import type { Clock } from '../../deploy/clock';
import { SignalSource, withInterrupts } from '../../deploy/interrupt';
import { FakeAws, standardOrg } from '../support/fake-aws';
import { FakeClock } from '../support/clock';
import { testConfig } from '../support/deploy-harness';
import { stringIo } from '../support/ops-harness';

let fake: FakeAws;
afterEach(() => {
  jest.restoreAllMocks();
  return fake?.restore();
});

/** `run` returns the exit code when it is not 0 by success (plan --detailed-exitcode). */
async function transcript(command: string, run: (io: Io) => Promise<unknown>, exit = false): Promise<string> {
  const s = stringIo('text');
  let code = 0;
  let error = '';
  try {
    const returned = await run(s.io);
    if (typeof returned === 'number') code = returned;
  } catch (err) {
    code = report(err, { verbose: false }, (t) => (error += t));
  }
  const body = `${s.err()}${s.out()}${error}`.trimEnd();
  return `$ ${command}\n${body}${exit ? `\n$ echo $?\n${code}` : ''}`;
}

async function walkthrough(): Promise<string[]> {
  // The SDK fills idempotency tokens it is not given (DetectStackSetDrift's OperationId) with
  // crypto.randomUUID, and later operation IDs derive from them: pinned so the transcript is stable.
  let uuids = 0;
  jest.spyOn(globalThis.crypto, 'randomUUID').mockImplementation(() => `00000000-0000-4000-8000-${String(++uuids).padStart(12, '0')}`);
  fake = standardOrg({ accounts: 6 }).install();
  const config = testConfig();
  const clients = fake.clients({ region: config.homeRegion });
  const clock = new FakeClock();
  const deps = (io: Io) => ({ clients, io, clock });
  const blocks: string[] = [];
  await runDeploy(config, { ...deps(stringIo('text').io), confirm: NEVER_CONFIRM });

  // An upgrade of xacct changed the cross-account role: what the deployed StackSet has is one permission short.
  const olderRole = () => {
    const ss = fake.stackSets.get('xacct-cross-account-role')!;
    const t = JSON.parse(ss.body);
    t.Resources.CrossAccountRole.Properties.Policies[0].PolicyDocument.Statement.pop();
    ss.body = JSON.stringify(t);
  };
  olderRole();

  // What `plan --detailed-exitcode` exits with (deploy/commands/plan.ts).
  const detailed = (io: Io) => runPlan(config, { ...deps(io), attach: true }).then((r) => (r.noChanges ? EXIT.OK : EXIT.CHANGES_PENDING));
  blocks.push(await transcript('xacct plan --config xacct.yaml --detailed-exitcode', detailed, true));
  blocks.push(await transcript('xacct deploy --config xacct.yaml', (io) => runDeploy(config, { ...deps(io), confirm: NEVER_CONFIRM }).then(() => undefined)));
  blocks.push(await transcript('xacct plan --config xacct.yaml --detailed-exitcode', detailed, true));

  const drifted = fake.accountsUnder(fake.ou('Root/Workloads/Prod'))[0];
  fake.driftInstance('xacct-read-only-role', drifted, 'eu-west-1', [
    {
      logicalId: 'ReadOnlyRole',
      type: 'AWS::IAM::Role',
      status: 'MODIFIED',
      differences: [{ path: '/MaxSessionDuration', expected: '3600', actual: '43200' }],
    },
  ]);
  blocks.push(await transcript('xacct status --config xacct.yaml --drift', (io) => runStatus(config, { ...deps(io), drift: true })));

  // Ctrl-C at the first wait of the next rollout, then a re-run.
  olderRole();
  let press = () => {};
  const signals: SignalSource = { onInterrupt: (h) => ((press = h), () => (press = () => {})) };
  const pressing: Clock = { now: () => clock.now(), random: () => clock.random(), sleep: async (ms) => (await clock.sleep(ms), press()) };
  blocks.push(
    await transcript(
      'xacct deploy --config xacct.yaml    # Ctrl-C while it waits',
      (io) =>
        withInterrupts({ clock: pressing, source: signals, region: config.homeRegion }, (ctx) =>
          runDeploy(config, { clients, io, clock: ctx.clock, activity: ctx.activity, confirm: NEVER_CONFIRM }),
        ).then(() => undefined),
      true,
    ),
  );
  blocks.push(await transcript('xacct deploy --config xacct.yaml', (io) => runDeploy(config, { ...deps(io), confirm: NEVER_CONFIRM }).then(() => undefined)));

  blocks.push(
    await transcript(
      'xacct destroy --config xacct.yaml    # in CI: no terminal, no --yes',
      (io) => runDestroy(config, { ...deps(io), confirm: { yes: false, interactive: false, ask: async () => false } }),
      true,
    ),
  );
  blocks.push(
    await transcript('xacct destroy --config xacct.yaml --yes', (io) =>
      runDestroy(config, { ...deps(io), confirm: { yes: true, interactive: false, ask: async () => false } }),
    ),
  );
  return blocks;
}

test('the README walkthrough is what the commands print', async () => {
  const blocks = await walkthrough();
  if (process.env.WALKTHROUGH) writeFileSync(process.env.WALKTHROUGH, blocks.map((b) => `\`\`\`console\n${b}\n\`\`\``).join('\n\n') + '\n');
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Operating: plan, deploy, status, destroy'));
  expect(section.length).toBeGreaterThan(100);
  for (const b of blocks) expect(section).toContain(b);
});
