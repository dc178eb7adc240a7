/**
 * How waiting looks. Library code reports progress as data (OperationProgress, notes); this turns
 * it into a live view on a terminal (one line per StackSet and region: counts and elapsed time,
 * redrawn in place) or plain lines otherwise, including with --output json, where stdout keeps the
 * one JSON document and these lines go to stderr.
 */
import { formatDuration } from './clock';
import type { Io } from './io';
import type { OperationProgress, ProgressCounts, WaitOptions } from './operation';
import type { Clock } from './clock';
import type { Activity } from './interrupt';
import { isOperationSuccess, isOperationTerminal } from './status';

export interface ProgressView {
  operation(p: OperationProgress): void;
  /** A one-off line (a step starting, a stack changing). */
  note(message: string): void;
  /** Ends the live view, leaving its last state on screen. */
  done(): void;
}

interface Row {
  stackSet: string;
  region: string;
  operationId: string;
  status: string;
  counts?: ProgressCounts;
  elapsedMs: number;
}

function paint(io: Io, code: string, s: string): string {
  return io.color ? `\x1b[${code}m${s}\x1b[0m` : s;
}

function countsText(io: Io, c: ProgressCounts | undefined): string {
  if (!c) return 'counting...';
  return `${paint(io, '32', `${c.succeeded} succeeded`)}, ${c.failed > 0 ? paint(io, '31', `${c.failed} failed`) : '0 failed'}, ${c.pending} pending`;
}

/** One plain line per progress report: what deploy has always printed. */
export function progressLine(p: OperationProgress): string {
  const c = p.counts ? `: ${p.counts.succeeded} succeeded, ${p.counts.failed} failed, ${p.counts.pending} pending` : '';
  return `${p.ref.stackSetName} ${p.ref.operationId} ${p.status}${c} (${formatDuration(p.elapsedMs)})`;
}

export function progressView(io: Io): ProgressView {
  if (!io.live) {
    return { operation: (p) => io.info(progressLine(p)), note: (m) => io.info(m), done: () => undefined };
  }
  const rows = new Map<string, Row>();
  const draw = () => {
    const list = [...rows.values()];
    const width = Math.max(...list.map((r) => `${r.stackSet} ${r.region}`.length), 10);
    io.live!(
      list.map((r) => {
        const where = `${r.stackSet} ${r.region}`.padEnd(width);
        const status = isOperationSuccess(r.status) ? paint(io, '32', r.status) : isOperationTerminal(r.status) ? paint(io, '31', r.status) : r.status;
        // A finished operation's counts would be stale (they are fetched only while it runs).
        const counts = isOperationTerminal(r.status) ? '' : ` ${countsText(io, r.counts)}`;
        return `${where}  ${status}${counts}  ${formatDuration(r.elapsedMs)}`;
      }),
    );
  };
  return {
    operation: (p) => {
      const regions = p.regions && Object.keys(p.regions).length > 0 ? p.regions : undefined;
      const keys = regions ? Object.keys(regions) : [...rows.values()].filter((r) => r.operationId === p.ref.operationId).map((r) => r.region);
      for (const region of keys.length > 0 ? keys : ['-']) {
        const key = `${p.ref.stackSetName}/${region}`;
        const prev = rows.get(key);
        rows.set(key, {
          stackSet: p.ref.stackSetName,
          region,
          operationId: p.ref.operationId,
          status: p.status,
          counts: regions ? regions[region] : prev?.operationId === p.ref.operationId ? prev.counts : undefined,
          elapsedMs: p.elapsedMs,
        });
      }
      draw();
    },
    note: (m) => io.info(m),
    done: () => io.live!([]),
  };
}

/** What a command knows about waiting: its clock, its limits, and where waits are recorded for Ctrl-C. */
export interface WaitDeps {
  clock: Clock;
  activity?: Activity;
  timeouts?: { operationMs?: number; initialDelayMs?: number; maxDelayMs?: number; progressEveryMs?: number };
}

/** The wait options every command shares: progress goes to the view, waits to the interrupt record. */
export function waitOptions(deps: WaitDeps, view: ProgressView): WaitOptions {
  const t = deps.timeouts ?? {};
  return {
    clock: deps.clock,
    timeoutMs: t.operationMs,
    initialDelayMs: t.initialDelayMs,
    maxDelayMs: t.maxDelayMs,
    progressEveryMs: t.progressEveryMs,
    onProgress: (p) => view.operation(p),
    onWait: (ref, waiting) => deps.activity?.operation(ref, waiting),
  };
}
