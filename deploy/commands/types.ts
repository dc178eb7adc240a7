import type { Argv } from 'yargs';
import type { Io, OutputMode } from '../io';

export interface GlobalArgs {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  output: OutputMode;
  verbose: boolean;
  color: boolean;
  [key: string]: unknown;
}

/** A command body: returns the exit code (default 0) or throws an XacctError / ConfigError. */
export type Handler = (argv: GlobalArgs, io: Io) => Promise<number | void>;
export type Runner = (handler: Handler) => (argv: object) => Promise<void>;

/** One CLI command. Keep heavy imports (the AWS SDK) inside the handler so start-up stays fast. */
export type Command = (y: Argv<GlobalArgs>, run: Runner) => Argv<GlobalArgs>;
