/**
 * `xacct status --html FILE`: the status report as one self-contained page (inline CSS, no
 * script, no network). A grid per OU and region: one row per account, one column per StackSet,
 * each cell coloured by the instance's status, failed cells carrying AWS's reason; counts per
 * StackSet; the failures and the drift as lists. Pure: report in, HTML text out.
 */
import type { StatusReport } from './model';
import { isDrifted, isInoperable, isInstanceFailed, isSuspendedSkip } from '../statuses';
import type { InstanceCell, InstanceGroupWithInstances, StackSetStatusWithInstances, StatusReportWithInstances } from './model';

export interface StatusHtmlOptions {
  /** Page title; default `xacct status`. */
  title?: string;
  /** When the report was taken, shown in the header (left out by default, so the page is reproducible). */
  generatedAt?: string;
}

/** What a grid cell shows. `none`: the StackSet has no instance in that account. */
export type CellState = 'ok' | 'failed' | 'inoperable' | 'outdated' | 'running' | 'skipped' | 'none';
export const CELL_STATES: CellState[] = ['ok', 'failed', 'inoperable', 'outdated', 'running', 'skipped', 'none'];

const STATE_TEXT: Record<CellState, { symbol: string; meaning: string; colour: string }> = {
  ok: { symbol: '✓', meaning: 'CURRENT: deployed and up to date', colour: '#34a853' },
  failed: { symbol: '✕', meaning: 'FAILED or CANCELLED in the last operation', colour: '#d93025' },
  inoperable: { symbol: '!', meaning: 'INOPERABLE: StackSets no longer manages it', colour: '#7b1fa2' },
  outdated: { symbol: '↻', meaning: 'OUTDATED: the next update brings it up to date', colour: '#f9ab00' },
  running: { symbol: '…', meaning: 'PENDING or RUNNING in an operation', colour: '#4285f4' },
  skipped: { symbol: '–', meaning: 'SKIPPED_SUSPENDED_ACCOUNT: a suspended account', colour: '#bdc1c6' },
  none: { symbol: '', meaning: 'no instance of this StackSet in the account', colour: '#f1f3f4' },
};

// DetailedStatus of an instance inside a running operation ("StackInstanceComprehensiveStatus").
const isInstanceInOperation = (detailed: string | undefined) => detailed === 'PENDING' || detailed === 'RUNNING';

export function cellState(c: Pick<InstanceCell, 'status' | 'detailedStatus'> | undefined): CellState {
  if (!c) return 'none';
  if (isInoperable(c.status) || c.detailedStatus === 'INOPERABLE') return 'inoperable';
  if (isInstanceFailed(c.status, c.detailedStatus) || c.detailedStatus === 'FAILED_IMPORT') return 'failed';
  if (isSuspendedSkip(c.detailedStatus)) return 'skipped';
  if (isInstanceInOperation(c.detailedStatus)) return 'running';
  if (c.status === 'OUTDATED') return 'outdated';
  return 'ok';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

type Counts = Record<CellState, number>;
const zero = (): Counts => Object.fromEntries(CELL_STATES.map((s) => [s, 0])) as Counts;

/** A group's counts by state: from its instances, or from its `Status/DetailedStatus` counts. */
function groupCounts(g: InstanceGroupWithInstances): Counts {
  const out = zero();
  if (g.instances) for (const i of g.instances) out[cellState(i)]++;
  else {
    for (const [label, n] of Object.entries(g.counts)) {
      const [status, detailedStatus] = label.split('/');
      out[cellState({ status, detailedStatus })] += n;
    }
  }
  return out;
}

/** account/region -> drifted, from the instances' DriftStatus and the drift detection's list. */
function driftedKeys(s: StackSetStatusWithInstances): Set<string> {
  const out = new Set<string>();
  for (const g of s.groups) for (const i of g.instances ?? []) if (isDrifted(i.driftStatus)) out.add(`${i.account}/${g.region}`);
  for (const d of s.drift?.drifted ?? []) out.add(`${d.account}/${d.region}`);
  return out;
}

interface Row {
  ou: string;
  ouName?: string;
  region: string;
  accounts: Set<string>;
  /** StackSet name -> account -> its instance; a StackSet without `instances` here is in `countsOnly`. */
  cells: Map<string, Map<string, InstanceCell>>;
  countsOnly: Map<string, InstanceGroupWithInstances>;
}

/** OU/region sections with every account that has an instance there, across StackSets. */
function sections(r: StatusReportWithInstances): Row[] {
  const byKey = new Map<string, Row>();
  for (const s of r.stackSets) {
    for (const g of s.groups) {
      const key = `${g.ouId}/${g.region}`;
      let row = byKey.get(key);
      if (!row) byKey.set(key, (row = { ou: g.ouId, ouName: g.ou, region: g.region, accounts: new Set(), cells: new Map(), countsOnly: new Map() }));
      row.ouName ??= g.ou;
      if (!g.instances) {
        row.countsOnly.set(s.name, g);
        for (const f of g.failed) row.accounts.add(f.account);
        continue;
      }
      const cells = new Map(g.instances.map((i) => [i.account, i]));
      row.cells.set(s.name, cells);
      for (const a of cells.keys()) row.accounts.add(a);
    }
  }
  return [...byKey.values()].sort((a, b) => (a.ouName ?? a.ou).localeCompare(b.ouName ?? b.ou) || a.region.localeCompare(b.region));
}

function gridCell(s: StackSetStatusWithInstances, row: Row, account: string, drifted: Set<string>): string {
  const fromFailed = row.countsOnly.get(s.name)?.failed.find((f) => f.account === account);
  const cell: InstanceCell | undefined =
    row.cells.get(s.name)?.get(account) ??
    (fromFailed ? { account, status: fromFailed.status, detailedStatus: fromFailed.detailedStatus, reason: fromFailed.reason } : undefined);
  const state = cellState(cell);
  const isDrift = drifted.has(`${account}/${row.region}`);
  const detail = cell ? `${cell.status}${cell.detailedStatus ? `/${cell.detailedStatus}` : ''}` : 'no instance';
  const title = `${s.name} in ${account}: ${detail}${cell?.reason && state !== 'ok' ? ` — ${cell.reason}` : ''}${isDrift ? ' (drifted)' : ''}`;
  const attrs = `class="cell s-${state}${isDrift ? ' drifted' : ''}" data-stackset="${esc(s.name)}" data-state="${state}"${cell ? ` data-status="${esc(detail)}"` : ''}${isDrift ? ' data-drift="DRIFTED"' : ''} title="${esc(title)}"`;
  return `<td ${attrs}>${STATE_TEXT[state].symbol}${isDrift ? '<span class="d">D</span>' : ''}</td>`;
}

/** Rows per grid table: an OU's accounts wrap into side-by-side tables, so 500 accounts fit a few screens. */
const ROWS_PER_TABLE = 40;

function gridSection(r: StatusReportWithInstances, row: Row, drift: Map<string, Set<string>>): string {
  const stackSets = r.stackSets.filter((s) => s.groups.some((g) => g.ouId === row.ou && g.region === row.region));
  const accounts = [...row.accounts].sort();
  // Columns are numbered as in the summary table; the full name is the column's tooltip.
  const head = `<tr><th>account</th>${stackSets.map((s) => `<th scope="col" title="${esc(s.name)}">${r.stackSets.indexOf(s) + 1}</th>`).join('')}</tr>`;
  const rows = accounts.map(
    (a) =>
      `<tr data-account="${esc(a)}"><th scope="row">${esc(a)}</th>${stackSets.map((s) => gridCell(s, row, a, drift.get(s.name) ?? new Set())).join('')}</tr>`,
  );
  const tables: string[] = [];
  for (let i = 0; i < rows.length || i === 0; i += ROWS_PER_TABLE)
    tables.push(`<table class="grid"><thead>${head}</thead><tbody>${rows.slice(i, i + ROWS_PER_TABLE).join('')}</tbody></table>`);
  const partial = [...row.countsOnly.keys()];
  const note = partial.length
    ? `<p class="note">Per-account status not in this report for ${partial.map(esc).join(', ')}: counts above, failed accounts below.</p>`
    : '';
  const title = row.ouName ? `${esc(row.ouName)} <span class="id">${esc(row.ou)}</span>` : esc(row.ou);
  return [
    `<section class="ou" data-ou="${esc(row.ou)}" data-region="${esc(row.region)}">`,
    `<h3>${title} · ${esc(row.region)} · <span class="n">${accounts.length}</span> accounts</h3>${note}`,
    `<div class="tables">${tables.join('')}</div>`,
    '</section>',
  ].join('\n');
}

function summary(r: StatusReportWithInstances, drift: Map<string, Set<string>>): string {
  const shown = CELL_STATES.filter((s) => s !== 'none');
  const total = zero();
  let totalDrift = 0;
  const rows = r.stackSets.map((s) => {
    const c = zero();
    for (const g of s.groups) for (const st of shown) c[st] += groupCounts(g)[st];
    shown.forEach((st) => (total[st] += c[st]));
    const d = drift.get(s.name)?.size ?? 0;
    totalDrift += d;
    const cells = shown.map((st) => `<td class="count c-${st}" data-state="${st}">${c[st]}</td>`).join('');
    return `<tr data-stackset="${esc(s.name)}"><th scope="row"><span class="k">${r.stackSets.indexOf(s) + 1}</span>${esc(s.name)}${s.exists ? '' : ' <em>(not deployed)</em>'}</th><td class="count" data-state="all">${s.instances}</td>${cells}<td class="count" data-state="drifted">${d}</td></tr>`;
  });
  const totals = `<tr class="total"><th scope="row">all StackSets</th><td class="count" data-state="all">${r.stackSets.reduce((n, s) => n + s.instances, 0)}</td>${shown.map((st) => `<td class="count" data-state="${st}">${total[st]}</td>`).join('')}<td class="count" data-state="drifted">${totalDrift}</td></tr>`;
  const head = `<tr><th>StackSet</th><th>instances</th>${shown.map((st) => `<th><span class="swatch s-${st}"></span>${st}</th>`).join('')}<th>drifted</th></tr>`;
  return `<table id="summary"><thead>${head}</thead><tbody>${rows.join('')}${totals}</tbody></table>`;
}

function failures(r: StatusReportWithInstances): string {
  const items: string[] = [];
  for (const s of r.stackSets) {
    for (const g of s.groups) {
      const failed = g.instances ? g.instances.filter((i) => ['failed', 'inoperable'].includes(cellState(i))) : g.failed;
      for (const f of failed) {
        items.push(
          `<li data-account="${esc(f.account)}" data-stackset="${esc(s.name)}"><b>${esc(f.account)}</b> ${esc(s.name)} · ${esc(g.ou ?? g.ouId)} · ${esc(g.region)} · ${esc(`${f.status}/${f.detailedStatus ?? ''}`)}: <span class="reason">${esc(f.reason ?? '(no reason given)')}</span></li>`,
        );
      }
    }
  }
  return items.length ? `<ol id="failures">${items.join('')}</ol>` : '<p id="failures" class="none">No failed instances.</p>';
}

function driftSection(r: StatusReportWithInstances): string {
  const parts: string[] = [];
  for (const s of r.stackSets.filter((x) => x.drift)) {
    const d = s.drift!;
    parts.push(
      `<h3 data-stackset="${esc(s.name)}">${esc(s.name)}: ${d.drifted.length} of ${d.checked} instances drifted <span class="id">(operation ${esc(d.operationId)} ${esc(d.status)})</span></h3>`,
    );
    const items = d.drifted.map(
      (i) =>
        `<li data-account="${esc(i.account)}"><b>${esc(i.account)}</b> ${esc(i.region)}<ul>${i.resources.map((x) => `<li>${esc(`${x.status} ${x.type} ${x.logicalId} (${x.physicalId})`)}${x.differences.map((p) => `<br><code>${esc(p)}</code>`).join('')}</li>`).join('')}</ul></li>`,
    );
    if (items.length) parts.push(`<ul class="drift">${items.join('')}</ul>`);
  }
  for (const st of r.stacks.filter((x) => x.drift))
    parts.push(`<h3>stack ${esc(st.name)} (${esc(st.region)}): ${esc(st.drift!.status)}, ${st.drift!.resources.length} resources</h3>`);
  return parts.length ? `<section id="drift"><h2>Drift</h2>${parts.join('\n')}</section>` : '';
}

function stacksTable(r: StatusReportWithInstances): string {
  const rows = r.stacks.map(
    (s) =>
      `<tr><th scope="row">${esc(s.name)}</th><td>${esc(s.region)}</td><td>${s.exists ? esc(s.status ?? '?') : 'not deployed'}${s.reason ? ` — ${esc(s.reason)}` : ''}</td><td>${s.exists ? (s.terminationProtection ? 'on' : 'off') : ''}</td></tr>`,
  );
  return `<table id="stacks"><thead><tr><th>stack</th><th>region</th><th>status</th><th>termination protection</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#202124;margin:24px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:14px;margin:18px 0 6px}
.id{color:#5f6368;font-weight:normal}.note{color:#5f6368;margin:4px 0}
table{border-collapse:collapse}th,td{padding:2px 6px;text-align:left}
#summary td.count{text-align:right;font-variant-numeric:tabular-nums}#summary tr.total{border-top:1px solid #9aa0a6;font-weight:bold}
div.tables{display:flex;flex-wrap:wrap;gap:4px 18px;align-items:flex-start}
table.grid th[scope=row]{font:12px ui-monospace,monospace;padding-right:6px}table.grid thead th{font-size:12px;text-align:center}
.k{display:inline-block;min-width:16px;margin-right:6px;color:#5f6368;font-weight:normal}
td.cell{width:22px;height:16px;text-align:center;font-size:11px;color:#fff;border:1px solid #fff;position:relative}
td.cell.drifted{outline:2px solid #202124;outline-offset:-3px}td.cell .d{font-size:9px;color:#202124;position:absolute;right:1px;top:0}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}.drift-swatch{outline:2px solid #202124;outline-offset:-2px}
#legend li{list-style:none;margin:2px 0}.reason{color:#a50e0e}
${CELL_STATES.map((s) => `.s-${s}{background:${STATE_TEXT[s].colour}}`).join('')}
`;

/** The page for a status report; a StatusReport without per-account instances renders counts and failures only. */
export function renderStatusHtml(report: StatusReport | StatusReportWithInstances, options: StatusHtmlOptions = {}): string {
  const r = report as StatusReportWithInstances;
  const drift = new Map(r.stackSets.map((s) => [s.name, driftedKeys(s)]));
  const title = options.title ?? 'xacct status';
  const legend = CELL_STATES.map(
    (s) => `<li><span class="swatch s-${s}"></span>${STATE_TEXT[s].symbol ? `${STATE_TEXT[s].symbol} ` : ''}${esc(STATE_TEXT[s].meaning)}</li>`,
  ).join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
    `<title>${esc(title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${esc(title)}</h1>`,
    `<p>Account ${esc(r.account)} (StackSets as ${esc(r.callAs)}) in ${esc(r.organizationId)}${options.generatedAt ? ` · ${esc(options.generatedAt)}` : ''}</p>`,
    '<h2>Instances by StackSet</h2>',
    summary(r, drift),
    `<ul id="legend">${legend}<li><span class="swatch drift-swatch"></span>D: drifted (outlined)</li></ul>`,
    '<h2>Accounts by OU and region</h2>',
    ...sections(r).map((row) => gridSection(r, row, drift)),
    '<h2>Failed instances</h2>',
    failures(r),
    driftSection(r),
    '<h2>Central stacks</h2>',
    stacksTable(r),
    '</body></html>',
    '',
  ].join('\n');
}
