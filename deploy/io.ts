/**
 * The one way library code talks to the operator. Functions report through an `Io`; only the CLI
 * decides whether that becomes text lines, colour, or one JSON document.
 */
export type OutputMode = 'text' | 'json';

export interface Io {
  readonly mode: OutputMode;
  readonly verbose: boolean;
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** The command's result; in JSON mode the only thing written to stdout. */
  result(text: string, data: unknown): void;
  /**
   * Present only on a terminal in text mode: replace the block of lines last drawn with these
   * (a live progress view). Lines from info/warn print above the block. `[]` ends the view, leaving
   * its last state on screen.
   */
  live?(lines: string[]): void;
  /** Colour may be used (TTY, no --no-color, no NO_COLOR). */
  readonly color?: boolean;
}

export interface IoOptions {
  mode: OutputMode;
  verbose: boolean;
  color: boolean;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createIo(o: IoOptions): Io {
  const out = o.out ?? process.stdout;
  const err = o.err ?? process.stderr;
  const yellow = (s: string) => (o.color ? `\x1b[33m${s}\x1b[0m` : s);
  const dim = (s: string) => (o.color ? `\x1b[2m${s}\x1b[0m` : s);
  // The live block: how many lines are on screen now, and what they say (redrawn under new lines).
  let block: string[] = [];
  const erase = () => {
    // Cursor up over the block, then clear to the end of the screen.
    if (block.length > 0) err.write(`\x1b[${block.length}A\x1b[J`);
  };
  const line = (text: string) => {
    erase();
    err.write(`${text}\n`);
    if (block.length > 0) err.write(`${block.join('\n')}\n`);
  };
  const live = o.mode === 'text' && Boolean(err.isTTY);
  return {
    mode: o.mode,
    verbose: o.verbose,
    color: o.color,
    // Progress and notes go to stderr so stdout stays the result (and pure JSON with --output json).
    info: (m) => line(m),
    warn: (m) => line(`${yellow('warning:')} ${m}`),
    debug: (m) => {
      if (o.verbose) line(dim(m));
    },
    result: (text, data) => out.write(o.mode === 'json' ? `${JSON.stringify(data, null, 2)}\n` : text.endsWith('\n') || text === '' ? text : `${text}\n`),
    ...(live
      ? {
          live: (lines: string[]) => {
            // An empty block ends the view and leaves its last state on screen.
            if (lines.length > 0) erase();
            block = lines;
            if (block.length > 0) err.write(`${block.join('\n')}\n`);
          },
        }
      : {}),
  };
}

/** Colour is on for a TTY unless --no-color or NO_COLOR (https://no-color.org) says otherwise. */
export function wantsColor(flag: boolean | undefined, stream: { isTTY?: boolean } = process.stderr): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}
