/**
 * How waiting looks. Library code reports progress as data (OperationProgress, notes); this turns
 * it into a live view on a terminal (one line per StackSet operation: status, failures so far and
 * elapsed time, redrawn in place) or plain lines otherwise, including with --output json, where
 * stdout keeps the one JSON document and these lines go to stderr.
 */
import { formatDuration } from './clock';
import type { CommandDeps } from './deps';
import type { Io } from './io';
import type { OperationProgress } from './stackset/operation';
import type { StackSetOptions } from './stackset/lifecycle';
import type { CallAs } from './preflight';
import { isOperationSuccess, isOperationTerminal } from './statuses';

export interface ProgressView {
  operation(p: OperationProgress): void;
  /** A one-off line (a step starting, a stack changing). */
  note(message: string): void;
  /** Ends the live view, leaving its last state on screen. */
  done(): void;
}

function paint(io: Io, code: string, s: string): string {
  return io.color ? `\x1b[${code}m${s}\x1b[0m` : s;
}

/** One plain line per progress report. */
export function progressLine(p: OperationProgress): string {
  const failed = p.failed > 0 ? `, ${p.failed} failed so far` : '';
  return `${p.ref.stackSetName} ${p.ref.operationId} ${p.status}${failed} (${formatDuration(p.elapsedMs)})`;
}

export function progressView(io: Io): ProgressView {
  if (!io.live) {
    // Plain lines: one when the status changes, not one per poll.
    const last = new Map<string, string>();
    return {
      operation: (p) => {
        const key = `${p.ref.stackSetName}/${p.ref.operationId}`;
        const state = `${p.status}/${p.failed}`;
        if (last.get(key) === state) return;
        last.set(key, state);
        io.info(progressLine(p));
      },
      note: (m) => io.info(m),
      done: () => undefined,
    };
  }
  const rows = new Map<string, OperationProgress>();
  const draw = () => {
    const list = [...rows.values()];
    const width = Math.max(...list.map((r) => r.ref.stackSetName.length), 10);
    io.live!(
      list.map((r) => {
        const status = isOperationSuccess(r.status) ? paint(io, '32', r.status) : isOperationTerminal(r.status) ? paint(io, '31', r.status) : r.status;
        const failed = r.failed > 0 ? `  ${paint(io, '31', `${r.failed} failed`)}` : '';
        return `${r.ref.stackSetName.padEnd(width)}  ${r.ref.operationId}  ${status}${failed}  ${formatDuration(r.elapsedMs)}`;
      }),
    );
  };
  return {
    operation: (p) => {
      rows.set(`${p.ref.stackSetName}/${p.ref.operationId}`, p);
      draw();
    },
    note: (m) => io.info(m),
    done: () => io.live!([]),
  };
}

/** The StackSet options every command shares: progress goes to the view, waits to the interrupt record. */
export function stackSetOptions(deps: Pick<CommandDeps, 'clock' | 'activity' | 'timeouts'>, view: ProgressView, callAs: CallAs): StackSetOptions {
  const t = deps.timeouts ?? {};
  return {
    clock: deps.clock,
    callAs,
    timeoutMs: t.operationMs,
    initialDelayMs: t.initialDelayMs,
    maxDelayMs: t.maxDelayMs,
    onProgress: (p) => view.operation(p),
    onWait: (ref, running) => deps.activity?.operation(ref, running),
    onStep: (e) => view.note(`${e.stackSet}: ${e.note}${e.operationId && !e.note.includes(e.operationId) ? ` [${e.operationId}]` : ''}`),
  };
}

/** The stack options every command shares. */
export function stackOptions(deps: Pick<CommandDeps, 'clock' | 'activity' | 'timeouts'>, view: ProgressView, confirm: (question: string) => Promise<boolean>) {
  const t = deps.timeouts ?? {};
  return {
    clock: deps.clock,
    timeoutMs: t.stackMs,
    initialDelayMs: t.initialDelayMs,
    maxDelayMs: t.maxDelayMs,
    confirm,
    onEvent: (m: string) => view.note(m),
    activity: deps.activity,
  };
}
