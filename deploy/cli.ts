#!/usr/bin/env node
/**
 * xacct's command line. Parses arguments, builds the few things a command needs, calls it, and maps
 * errors to the documented exit codes. The AWS SDK is loaded only by commands that call AWS, so
 * `xacct --help` and `xacct build` stay fast.
 */
import yargs, { Argv } from 'yargs';
import type { ConfigError } from '../templates-src/config';
import { EXIT, XacctError } from './errors';
import { awsCause, awsMessage, explainAwsFailure } from './aws-error';
import { createIo, Io, wantsColor } from './io';
import { commands } from './commands';
import type { GlobalArgs, Runner } from './commands/types';


function ioFor(argv: GlobalArgs): Io {
  return createIo({ mode: argv.output, verbose: argv.verbose, color: wantsColor(argv.color) });
}

export function report(err: unknown, io: Pick<Io, 'verbose'>, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  // By name, not instanceof: importing the config module (and its schema library) would slow every start-up.
  if (err instanceof Error && err.name === 'ConfigError') {
    write(`error: invalid config ${(err as ConfigError).message}\n`);
    return EXIT.BAD_INPUT;
  }
  const explained = err instanceof XacctError && ['NO_CREDENTIALS', 'ACCESS_DENIED', 'THROTTLED', 'INTERRUPTED'].includes(err.code) ? undefined : explainAwsFailure(err);
  if (explained) {
    // What xacct was doing, without the AWS text the explanation already quotes.
    const doing = err instanceof XacctError ? err.message.split('\n')[0].replace(awsMessage(awsCause(err)), '').replace(/[\s:]+$/, '') : '';
    write(`error: ${doing ? `${doing}: ` : ''}${explained.message}\n`);
    if (io.verbose && (err as Error)?.stack) write(`${(err as Error).stack}\n`);
    return new XacctError(explained.code, explained.message).exitCode;
  }
  if (err instanceof XacctError) {
    write(`error: ${err.message}\n`);
    if (io.verbose && err.stack) write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  write(`error: ${e?.message ?? String(err)}\n`);
  if (io.verbose && e?.stack) write(`${e.stack}\n`);
  return EXIT.FAILED;
}

export async function main(args: string[]): Promise<number> {
  let exitCode: number = EXIT.OK;

  const run: Runner = (fn) => async (parsed) => {
    const argv = parsed as GlobalArgs;
    const io = ioFor(argv);

    try {
      exitCode = (await fn(argv, io)) ?? EXIT.OK;
    } catch (err) {
      exitCode = report(err, io);
    }
  };

  let y = yargs(args)
    .scriptName('xacct')
    .usage('$0 <command> [options]\n\nCross-account CI/CD on AWS Organizations: templates, lint and a StackSets deployer.')
    .option('profile', { type: 'string', describe: 'AWS profile (default: the SDK credential chain)' })
    .option('region', { type: 'string', describe: 'AWS region for API calls (default: config homeRegion)' })
    .option('endpoint-url', { type: 'string', describe: 'Endpoint for AWS-compatible APIs (also AWS_ENDPOINT_URL)' })
    .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Result format' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Debug lines and stack traces' })
    .option('color', { type: 'boolean', default: true, describe: 'Colour on a TTY (--no-color, or NO_COLOR)' }) as unknown as Argv<GlobalArgs>;
  for (const command of commands) y = command(y, run);
  await y
    .demandCommand(1, 'Name a command (see --help)')
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`error: ${msg}\nRun 'xacct --help' for usage.\n`);
      exitCode = EXIT.BAD_INPUT;
    })
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .parseAsync();

  return exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = report(err, { verbose: process.argv.includes('--verbose') });
    },
  );
}
