/**
 * The status page in a real browser: Debian's Chromium, headless, driven by playwright-core. An
 * organization of 500 accounts in four OUs, with failed, cancelled, inoperable, pending, suspended
 * and drifted instances; the test opens the written file, takes a screenshot and checks the
 * rendered DOM: the grid's cells and colours, the counts, the reasons, and that nothing was
 * fetched from the network.
 */
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, BrowserContext, Page } from 'playwright-core';
import type { StackSetStatus, StatusReport } from '../../deploy/status';
import { cellState, renderStatusHtml } from '../../deploy/status/html';
import type { InstanceCell, StatusReportWithInstances } from '../../deploy/status/model';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Measured on the loaded 2-core machine: about 3-6 s for the whole file (browser start about 1 s).
jest.setTimeout(120_000);

const OUS = [
  { id: 'ou-ab12-00000003', name: 'Root/Workloads/NonProd', accounts: 180 },
  { id: 'ou-ab12-00000005', name: 'Root/Workloads/Prod', accounts: 299 },
  { id: 'ou-ab12-00000007', name: 'Root/Sandbox', accounts: 20 },
];
const SOURCE = { id: 'ou-ab12-00000001', name: 'Root/Shared', account: '333333333333' };
const REGION = 'eu-west-1';
const account = (ou: number, i: number) => `${100000000000 + ou * 1000 + i}`;
const SCP_DENY =
  'ResourceLogicalId:CrossAccountRole, ResourceType:AWS::IAM::Role, ResourceStatusReason:User is not authorized to perform: iam:CreateRole with an explicit deny in a service control policy.';
const CANCELLED = 'Cancelled since failure tolerance has exceeded';
const INOPERABLE = 'Stack deletion failed: the role is still in use. Retain the stack or remove it by hand.';

/** Status of each instance by StackSet and account; everything not listed is CURRENT/SUCCEEDED. */
const SPECIAL: Record<string, Record<string, Omit<InstanceCell, 'account'>>> = {
  'xacct-cross-account-role': {
    ...Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [account(2, i), { status: 'OUTDATED', detailedStatus: 'FAILED', reason: SCP_DENY }])),
    [account(2, 7)]: { status: 'OUTDATED', detailedStatus: 'CANCELLED', reason: CANCELLED },
    [account(2, 8)]: { status: 'OUTDATED', detailedStatus: 'CANCELLED', reason: CANCELLED },
  },
  'xacct-cloudformation-role': {
    [account(1, 10)]: { status: 'INOPERABLE', detailedStatus: 'INOPERABLE', reason: INOPERABLE },
    [account(1, 11)]: { status: 'INOPERABLE', detailedStatus: 'INOPERABLE', reason: INOPERABLE },
  },
  'xacct-read-only-role': Object.fromEntries([1, 2, 3, 4].map((i) => [account(3, i), { status: 'OUTDATED', detailedStatus: 'PENDING' }])),
};
const SUSPENDED = account(2, 99);
/** A new account auto-deployment has not reached yet for one StackSet: a `none` cell. */
const NOT_YET = { stackSet: 'xacct-cloudformation-role', account: account(3, 20) };
const DRIFTED = [account(1, 1), account(1, 2), account(2, 50), account(2, 51), account(3, 9)];

function stackSet(
  name: string,
  members: Array<{ ou: (typeof OUS)[number] | typeof SOURCE; accounts: string[] }>,
  withDrift: boolean,
): StackSetStatus & { groups: Array<{ instances: InstanceCell[] }> } {
  const groups = members.map(({ ou, accounts }) => {
    const instances: InstanceCell[] = accounts
      .filter((a) => !(name === NOT_YET.stackSet && a === NOT_YET.account))
      .map((a) => {
        const special = a === SUSPENDED ? { status: 'OUTDATED', detailedStatus: 'SKIPPED_SUSPENDED_ACCOUNT' } : SPECIAL[name]?.[a];
        return {
          account: a,
          ...(special ?? { status: 'CURRENT', detailedStatus: 'SUCCEEDED' }),
          ...(withDrift ? { driftStatus: DRIFTED.includes(a) ? 'DRIFTED' : 'IN_SYNC' } : {}),
        };
      });
    const counts: Record<string, number> = {};
    for (const i of instances) counts[`${i.status}/${i.detailedStatus}`] = (counts[`${i.status}/${i.detailedStatus}`] ?? 0) + 1;
    const failed = instances
      .filter((i) => ['failed', 'inoperable'].includes(cellState(i)))
      .map((i) => ({ account: i.account, status: i.status, detailedStatus: i.detailedStatus ?? '', reason: i.reason ?? '' }));
    return { ouId: ou.id, ou: ou.name, region: REGION, total: instances.length, counts, failed, instances };
  });
  const all = groups.flatMap((g) => g.instances);
  const byStatus: Record<string, number> = {};
  for (const i of all) byStatus[i.status] = (byStatus[i.status] ?? 0) + 1;
  const drift = withDrift
    ? {
        operationId: 'xacct-drift-1',
        status: 'SUCCEEDED',
        checked: all.length,
        drifted: DRIFTED.map((a) => ({
          account: a,
          region: REGION,
          resources: [
            {
              logicalId: 'ReadOnlyRole',
              type: 'AWS::IAM::Role',
              physicalId: 'xacct-read-only',
              status: 'MODIFIED',
              differences: ['MaxSessionDuration: 3600 -> 43200'],
            },
          ],
        })),
      }
    : undefined;
  return { name, exists: true, instances: all.length, byStatus, groups, runningOperations: [], ...(drift ? { drift } : {}) };
}

function organization(): StatusReportWithInstances {
  const workloads = OUS.map((ou, n) => ({ ou, accounts: Array.from({ length: ou.accounts }, (_, i) => account(n + 1, i + 1)) }));
  return {
    account: '222222222222',
    callAs: 'DELEGATED_ADMIN',
    organizationId: 'o-abcdef1234',
    stackSets: [
      stackSet('xacct-cloudformation-role', workloads, false),
      stackSet('xacct-cross-account-role', workloads, false),
      stackSet('xacct-read-only-role', workloads, true),
      stackSet('xacct-codecommit-source-333333333333', [{ ou: SOURCE, accounts: [SOURCE.account] }], false),
    ],
    stacks: [
      { name: 'xacct-kms-key', region: REGION, exists: true, status: 'UPDATE_COMPLETE', terminationProtection: true },
      {
        name: 'xacct-pipeline',
        region: REGION,
        exists: true,
        status: 'UPDATE_ROLLBACK_COMPLETE',
        reason: 'Resource update cancelled',
        terminationProtection: true,
      },
    ],
  };
}

describe('the status page of a 500-account organization, in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-status-html-'));
  const file = join(dir, 'status.html');
  const screenshot = join(dir, 'status.png');
  const requests: string[] = [];
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
    writeFileSync(file, renderStatusHtml(organization()));
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'xacct-chromium-profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      timeout: 60_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.screenshot({ path: screenshot, fullPage: true, timeout: 60_000 });
  });

  afterAll(async () => {
    await context?.close();
  });

  const count = (selector: string) => page.locator(selector).count();
  /** A computed style property of the first match, read in the page (the test's TypeScript has no DOM types). */
  const style = (selector: string, property: string) =>
    page
      .locator(selector)
      .first()
      .evaluate((el, p) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el)[p], property);

  test('a screenshot was taken', () => {
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
  });

  test('nothing but the page itself was loaded', () => {
    expect(requests).toEqual([`file://${file}`]);
  });

  test('one section per OU and region, one row per account: 500 accounts', async () => {
    expect(await count('section.ou')).toBe(4);
    expect(await count('section.ou tbody tr')).toBe(500);
    expect(await page.locator('section.ou[data-ou="ou-ab12-00000005"] h3 .n').textContent()).toBe('299');
  });

  test('cells per StackSet: one per account it is deployed to', async () => {
    for (const name of ['xacct-cross-account-role', 'xacct-read-only-role']) expect(await count(`td.cell[data-stackset="${name}"]:not(.s-none)`)).toBe(499);
    expect(await count('td.cell[data-stackset="xacct-cloudformation-role"]:not(.s-none)')).toBe(498);
    expect(await page.locator(`tr[data-account="${NOT_YET.account}"] td.cell[data-stackset="${NOT_YET.stackSet}"]`).getAttribute('class')).toBe('cell s-none');
    expect(await count('td.cell[data-stackset="xacct-codecommit-source-333333333333"]:not(.s-none)')).toBe(1);
  });

  test('cells are coloured by status', async () => {
    expect(await count('td.cell.s-failed')).toBe(8);
    expect(await count('td.cell.s-inoperable')).toBe(2);
    expect(await count('td.cell.s-running')).toBe(4);
    expect(await count('td.cell.s-skipped')).toBe(3);
    expect(await count('td.cell.s-ok')).toBe(499 * 3 - 1 + 1 - 8 - 2 - 4 - 3);
    expect(await count('td.cell.s-none')).toBe(1);
    const colour = (selector: string) => style(selector, 'backgroundColor');
    expect(await colour('td.cell.s-ok')).toBe('rgb(52, 168, 83)');
    expect(await colour('td.cell.s-failed')).toBe('rgb(217, 48, 37)');
    expect(await colour('td.cell.s-inoperable')).toBe('rgb(123, 31, 162)');
    expect(await colour('td.cell.s-none')).toBe('rgb(241, 243, 244)');
  });

  test("a failed cell carries AWS's reason, and the failure list names every failed instance", async () => {
    const cell = page.locator(`tr[data-account="${account(2, 1)}"] td.cell[data-stackset="xacct-cross-account-role"]`);
    expect(await cell.getAttribute('title')).toBe(`xacct-cross-account-role in ${account(2, 1)}: OUTDATED/FAILED — ${SCP_DENY}`);
    expect(await count('#failures li')).toBe(10);
    expect(await page.locator(`#failures li[data-account="${account(1, 10)}"]`).textContent()).toContain(INOPERABLE);
  });

  test('drifted instances are outlined, and the drift section lists them with their resources', async () => {
    expect(await count('td.cell.drifted')).toBe(5);
    expect(await style('td.cell.drifted', 'outlineStyle')).toBe('solid');
    expect(await page.locator('#drift h3[data-stackset="xacct-read-only-role"]').textContent()).toContain('5 of 499 instances drifted');
    expect(await count('#drift ul.drift > li')).toBe(5);
  });

  test('counts per StackSet and in total', async () => {
    const cellOf = (stackSet: string, state: string) => page.locator(`#summary tr[data-stackset="${stackSet}"] td[data-state="${state}"]`).textContent();
    expect(await cellOf('xacct-cross-account-role', 'failed')).toBe('8');
    expect(await cellOf('xacct-cross-account-role', 'all')).toBe('499');
    expect(await cellOf('xacct-cloudformation-role', 'inoperable')).toBe('2');
    expect(await cellOf('xacct-read-only-role', 'drifted')).toBe('5');
    expect(await page.locator('#summary tr.total td[data-state="all"]').textContent()).toBe(String(499 * 3 - 1 + 1));
    expect(await page.locator('#summary tr.total td[data-state="failed"]').textContent()).toBe('8');
  });

  test('central stacks with their status', async () => {
    expect(await page.locator('#stacks').textContent()).toContain('UPDATE_ROLLBACK_COMPLETE — Resource update cancelled');
  });
});

describe('renderStatusHtml without per-account instances (the StatusReport status fills today)', () => {
  test('counts from the groups, failed accounts as cells and in the list, a note that the grid is partial', () => {
    const report: StatusReport = {
      account: '222222222222',
      callAs: 'SELF',
      organizationId: 'o-abcdef1234',
      stackSets: [
        {
          name: 'xacct-cross-account-role',
          exists: true,
          instances: 5,
          byStatus: { CURRENT: 4, OUTDATED: 1 },
          groups: [
            {
              ouId: 'ou-ab12-00000005',
              ou: 'Root/Workloads/Prod',
              region: REGION,
              total: 5,
              counts: { 'CURRENT/SUCCEEDED': 4, 'OUTDATED/FAILED': 1 },
              failed: [{ account: '444455556666', status: 'OUTDATED', detailedStatus: 'FAILED', reason: 'AccessDenied <SCP>' }],
            },
          ],
          runningOperations: [],
        },
      ],
      stacks: [],
    };
    const html = renderStatusHtml(report);
    expect(html).toContain('<td class="count c-ok" data-state="ok">4</td>');
    expect(html).toContain('<td class="count c-failed" data-state="failed">1</td>');
    expect(html).toContain('title="xacct-cross-account-role in 444455556666: OUTDATED/FAILED — AccessDenied &lt;SCP&gt;"');
    expect(html).toMatch(/Per-account status not in this report for xacct-cross-account-role/);
    expect(html).not.toMatch(/<script|<link|https?:\/\//);
  });
});
