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
}

export interface IoOptions {
  mode: OutputMode;
  verbose: boolean;
  color: boolean;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

export function createIo(o: IoOptions): Io {
  const out = o.out ?? process.stdout;
  const err = o.err ?? process.stderr;
  const yellow = (s: string) => (o.color ? `\x1b[33m${s}\x1b[0m` : s);
  const dim = (s: string) => (o.color ? `\x1b[2m${s}\x1b[0m` : s);
  return {
    mode: o.mode,
    verbose: o.verbose,
    // Progress and notes go to stderr so stdout stays the result (and pure JSON with --output json).
    info: (m) => err.write(`${m}\n`),
    warn: (m) => err.write(`${yellow('warning:')} ${m}\n`),
    debug: (m) => {
      if (o.verbose) err.write(`${dim(m)}\n`);
    },
    result: (text, data) => out.write(o.mode === 'json' ? `${JSON.stringify(data, null, 2)}\n` : text.endsWith('\n') || text === '' ? text : `${text}\n`),
  };
}

/** Colour is on for a TTY unless --no-color or NO_COLOR (https://no-color.org) says otherwise. */
export function wantsColor(flag: boolean | undefined, stream: { isTTY?: boolean } = process.stderr): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}
