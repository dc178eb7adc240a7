/** Progress while waiting: a live view on a terminal, plain lines otherwise, one JSON document with --output json. */
import { NEVER_CONFIRM } from '../../deploy/deps';
import { runDeploy } from '../../deploy/deploy';
import { wantsColor } from '../../deploy/io';
import { FakeAws, standardOrg } from '../support/fake-aws';
import { FakeClock } from '../support/clock';
import { testConfig } from '../support/deploy-harness';
import { stringIo } from '../support/ops-harness';

let fake: FakeAws;
afterEach(() => fake?.restore());

async function deployWith(mode: 'text' | 'json', tty: boolean) {
  fake = standardOrg({ accounts: 10 }).install();
  fake.pollsToComplete = 4;
  const config = testConfig();
  const s = stringIo(mode, tty);
  await runDeploy(config, { clients: fake.clients({ region: config.homeRegion }), io: s.io, clock: new FakeClock(), confirm: NEVER_CONFIRM });
  return s;
}

describe('progress', () => {
  test('on a terminal: one line per StackSet operation with its status and elapsed time, redrawn in place', async () => {
    const { err } = await deployWith('text', true);
    const e = err();
    // Cursor up over the previous block, clear to the end: redrawn, not appended.
    // eslint-disable-next-line no-control-regex -- the escape sequences a terminal redraw is made of
    expect(e).toMatch(/\x1b\[\d+A\x1b\[J/);
    expect(e).toMatch(/xacct-cross-account-role\s+xacct-add-[0-9a-f]{32} {2}RUNNING {2}\d+s/);
    expect(e).toMatch(/xacct-cross-account-role\s+xacct-add-[0-9a-f]{32} {2}SUCCEEDED {2}\d+s/);
    // The plain per-operation lines are not printed on a terminal.
    expect(e).not.toMatch(/xacct-cross-account-role xacct-add-\S+ RUNNING/);
  });

  test('without a terminal: plain lines, no escape codes', async () => {
    const { err, out } = await deployWith('text', false);
    expect(err()).not.toContain('\x1b[');
    expect(err()).toMatch(/xacct-cross-account-role xacct-add-[0-9a-f]{32} RUNNING \(\d+s\)/);
    // One line per change of status, not one per poll.
    expect(err().match(/xacct-cross-account-role xacct-add-[0-9a-f]{32} RUNNING/g)).toHaveLength(1);
    expect(out()).toMatch(/^deployed \(account 222222222222/);
  });

  test('--output json: stdout is one JSON document, progress stays on stderr as plain lines even on a terminal', async () => {
    const { err, out } = await deployWith('json', true);
    const data = JSON.parse(out());
    expect(data.stackSets.map((s: { name: string }) => s.name)).toContain('xacct-cross-account-role');
    expect(err()).not.toContain('\x1b[');
    expect(err()).toMatch(/RUNNING \(\d+s\)/);
  });

  test('colour only on a terminal, and never with --no-color or NO_COLOR', () => {
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      expect(wantsColor(true, { isTTY: true })).toBe(true);
      expect(wantsColor(true, { isTTY: false })).toBe(false);
      expect(wantsColor(false, { isTTY: true })).toBe(false);
      process.env.NO_COLOR = '1';
      expect(wantsColor(true, { isTTY: true })).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });
});
