import type { Options } from 'yargs';
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

/** What one run of the CLI learns while a command runs: the name errors carry. */
export interface Session {
  /** The config file the command uses (or `embedded default config`), once resolved. */
  configName?: string;
}

/** A command body: returns the exit code (default 0) or throws an XacctError / ConfigError. */
export type Handler = (argv: GlobalArgs, io: Io, session: Session) => Promise<number | void>;

/**
 * One CLI command, as data: cli.ts registers it with yargs, adds the AWS options to commands that
 * call AWS, and writes examples and exit codes into its help. Keep heavy imports (the AWS SDK)
 * inside the handler so start-up stays fast.
 */
export interface CommandSpec {
  name: string;
  describe: string;
  /** Calls AWS: gets --profile, --region and --endpoint-url, and needs an explicit config. */
  aws: boolean;
  options: Record<string, Options>;
  examples: Array<[command: string, meaning: string]>;
  /** Exit codes as `code: meaning`, in order. */
  exitCodes: Array<[code: number, meaning: string]>;
  handler: Handler;
}
