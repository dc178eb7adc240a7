#!/usr/bin/env node
/**
 * xacct's command line. Parses arguments strictly (a mistyped command, option or value exits 2
 * before any command code runs), builds the few things a command needs, calls it, and maps errors
 * to the documented exit codes. With --output json, stdout carries exactly one JSON document:
 * the result, or `{ "error": { code, message, exitCode } }`. The AWS SDK is loaded only by commands
 * that call AWS, so `xacct --help` and `xacct build` stay fast.
 */
import { Writable } from 'node:stream';
import yargs, { Argv } from 'yargs';
import type { ConfigError } from '../templates-src/config';
import { didYouMean } from '../templates-src/suggest';
import { EXIT, XacctError } from './errors';
import { awsCause, awsMessage, explainAwsFailure } from './aws-error';
import { createIo, Io, OutputMode, wantsColor } from './io';
import { commands as allCommands } from './commands';
import { AWS_OPTIONS } from './commands/aws-context';
import type { CommandSpec, GlobalArgs, Session } from './commands/types';
import { packageVersion } from './package-info';
import { helpWidth } from './help-width';

/** An argument the parser refused: exit 2, before any command code ran. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Failure {
  code: string;
  message: string;
  exitCode: number;
}

/** What went wrong, in one message with its code and exit code; ConfigErrors carry the config's name. */
export function describeFailure(err: unknown, o: { configName?: string } = {}): Failure {
  // By name, not instanceof: importing the config module (and its schema library) would slow every start-up.
  if (err instanceof Error && err.name === 'ConfigError') {
    const c = err as ConfigError;
    // Rules checked after loading (CodePipeline's, at deploy time with real accounts) name the file too.
    const text = o.configName !== undefined && c.source !== o.configName ? `${o.configName}: ${c.message.slice(c.source.length + 2)}` : c.message;
    return { code: 'BAD_CONFIG', message: `invalid config ${text}`, exitCode: EXIT.BAD_INPUT };
  }
  if (err instanceof UsageError) return { code: 'USAGE', message: err.message, exitCode: EXIT.BAD_INPUT };
  const explained =
    err instanceof XacctError && ['NO_CREDENTIALS', 'ACCESS_DENIED', 'THROTTLED', 'INTERRUPTED', 'PRECONDITION'].includes(err.code)
      ? undefined
      : explainAwsFailure(err);
  if (explained) {
    // What xacct was doing, without the AWS text the explanation already quotes.
    const doing =
      err instanceof XacctError
        ? err.message
            .split('\n')[0]
            .replace(awsMessage(awsCause(err)), '')
            .replace(/[\s:]+$/, '')
        : '';
    return {
      code: explained.code,
      message: `${doing ? `${doing}: ` : ''}${explained.message}`,
      exitCode: new XacctError(explained.code, explained.message).exitCode,
    };
  }
  if (err instanceof XacctError) return { code: err.code, message: err.message, exitCode: err.exitCode };
  const e = err as Error;
  return { code: 'INTERNAL', message: e?.message ?? String(err), exitCode: EXIT.FAILED };
}

/** Print a failure on stderr (with the stack trace under --verbose); returns the exit code. */
export function report(
  err: unknown,
  io: Pick<Io, 'verbose'>,
  write: (s: string) => void = (s) => process.stderr.write(s),
  o: { configName?: string } = {},
): number {
  const f = describeFailure(err, o);
  write(`error: ${f.message}\n`);
  if (f.code === 'USAGE') write("Run 'xacct --help' (or 'xacct <command> --help') for usage.\n");
  if (io.verbose && err instanceof Error && err.stack && f.code !== 'USAGE') write(`${err.stack}\n`);
  return f.exitCode;
}

const GLOBAL_OPTIONS = ['output', 'verbose', 'color', 'no-color', 'help', 'version'];

/** The options a command line may hold: the command's own, AWS ones where it calls AWS, and the global ones. */
function knownOptions(spec: CommandSpec | undefined): string[] {
  const own = spec ? Object.keys(spec.options) : [];
  const negated = spec
    ? Object.entries(spec.options)
        .filter(([, o]) => o.type === 'boolean')
        .map(([n]) => `no-${n}`)
    : [];
  return [...own, ...negated, ...(spec?.aws ? Object.keys(AWS_OPTIONS) : []), ...GLOBAL_OPTIONS];
}

/** Options people bring from other tools, with what xacct does instead. */
const HINTS: Record<string, string> = {
  'dry-run': "; 'xacct plan' shows what deploy would change and changes nothing",
};

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** yargs' message in xacct's words, with "did you mean" for commands and options. */
function usageMessage(msg: string, args: string[], commands: CommandSpec[]): string {
  const spec = commands.find((c) => args.includes(c.name));
  const recommended = /^Did you mean (\S+)\?$/.exec(msg);
  if (recommended) {
    const typed = args.find((a) => !a.startsWith('-')) ?? '';
    return `unknown command '${typed}'; did you mean '${recommended[1]}'?`;
  }
  const unknown = /^Unknown arguments?: (.+)$/.exec(msg);
  if (unknown) {
    const names = [...new Set(unknown[1].split(', ').map(kebab))];
    // A word that is not an option: an unknown command, or an argument no command takes.
    if (!spec && names.every((n) => !args.some((a) => a.startsWith(`--${n}`) || a === `-${n}`))) {
      return `unknown command '${names[0]}'${didYouMean(
        names[0],
        commands.map((c) => c.name),
        (s) => `'${s}'`,
      )} (commands: ${commands.map((c) => c.name).join(', ')})`;
    }
    const known = knownOptions(spec);
    const where = spec ? `xacct ${spec.name}` : 'xacct';
    const parts = names.map((n) => {
      const isOption = args.some((a) => a === `--${n}` || a.startsWith(`--${n}=`) || a === `-${n}`);
      if (!isOption) return `unexpected argument '${n}' (${where} takes no positional arguments)`;
      const hint = HINTS[n] ?? didYouMean(n, known, (s) => `--${s}`);
      const awsCommands = `only commands that call AWS take it (${commands
        .filter((c) => c.aws)
        .map((c) => c.name)
        .join(', ')})`;
      const aws = !spec?.aws ? didYouMean(n, Object.keys(AWS_OPTIONS), (s) => `--${s}`) : '';
      const awsOnly = n in AWS_OPTIONS && !spec?.aws ? `: ${awsCommands}` : aws ? `${aws} ${awsCommands.charAt(0).toUpperCase()}${awsCommands.slice(1)}` : '';
      return `unknown option --${n} for ${where}${hint || awsOnly}`;
    });
    return parts.join('; ');
  }
  const invalid = /^Invalid values:\s+Argument: (\S+), Given: (.+), Choices: (.+)$/s.exec(msg);
  if (invalid) {
    const given = invalid[2].replace(/^"|"$/g, '');
    const choices = invalid[3].split(', ').map((c) => c.replace(/^"|"$/g, ''));
    return `--${invalid[1]} "${given}" is not one of ${choices.join(', ')}${didYouMean(given, choices)}`;
  }
  const missing = /^Not enough arguments following: (\S+)$/.exec(msg);
  if (missing) return `--${missing[1]} needs a value`;
  return msg.charAt(0).toLowerCase() + msg.slice(1);
}

/** The output mode before parsing, so that a refused command line can still answer in JSON. */
function requestedMode(args: string[]): OutputMode {
  const i = args.lastIndexOf('--output');
  const eq = [...args].reverse().find((a) => a.startsWith('--output='));
  return (i >= 0 && args[i + 1] === 'json') || eq === '--output=json' ? 'json' : 'text';
}

function exitCodeText(spec: CommandSpec): string {
  return `Exit codes:\n${spec.exitCodes.map(([code, meaning]) => `  ${code}  ${meaning}`).join('\n')}`;
}

function register(y: Argv<GlobalArgs>, spec: CommandSpec, run: (spec: CommandSpec, argv: GlobalArgs) => Promise<void>): Argv<GlobalArgs> {
  return y.command(
    spec.name,
    spec.describe,
    (c) => {
      let b = c as Argv<GlobalArgs>;
      for (const [name, option] of Object.entries({ ...spec.options, ...(spec.aws ? AWS_OPTIONS : {}) })) b = b.option(name, option) as Argv<GlobalArgs>;
      for (const [command, meaning] of spec.examples) b = b.example(command, meaning);
      return b.epilog(exitCodeText(spec));
    },
    (argv) => run(spec, argv as GlobalArgs),
  );
}

/**
 * Run the CLI on `args`; returns the exit code. Every refusal of the parser happens before a
 * command handler starts, so a mistyped flag never reaches AWS or the disk. `commands`: the engine
 * bundle the pipeline runs offers only its own (deploy/rollout/engine-cli.ts).
 */
export async function main(args: string[], commands: CommandSpec[] = allCommands): Promise<number> {
  const mode = requestedMode(args);
  const verbose = args.includes('--verbose');
  let stdout = '';
  const out = new Writable({
    write(chunk, _enc, cb) {
      stdout += String(chunk);
      cb();
    },
  });
  const io = createIo({
    mode,
    verbose,
    color: wantsColor(!args.includes('--no-color') && !args.includes('--color=false')),
    ...(mode === 'json' ? { out } : {}),
  });
  const session: Session = {};
  let exitCode: number = EXIT.OK;
  let failure: unknown;
  let ran = false;

  const run = async (spec: CommandSpec, argv: GlobalArgs) => {
    ran = true;
    try {
      exitCode = (await spec.handler(argv, io, session)) ?? EXIT.OK;
    } catch (err) {
      failure = err;
    }
  };

  let y = yargs(args)
    .scriptName('xacct')
    .usage('$0 <command> [options]\n\nCross-account CI/CD on AWS Organizations: templates, lint and a StackSets deployer.')
    .option('output', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      requiresArg: true,
      describe: 'Result format: json writes one JSON document on stdout (also on failure); progress stays on stderr',
    })
    .option('verbose', { type: 'boolean', default: false, describe: 'Debug lines, stack traces and third-party warnings' })
    .option('color', { type: 'boolean', default: true, describe: 'Colour on a TTY (--no-color, or NO_COLOR)' }) as unknown as Argv<GlobalArgs>;
  for (const spec of commands) y = register(y, spec, run);
  try {
    await y
      .demandCommand(1, `name a command: ${commands.map((c) => c.name).join(', ')}`)
      .strict()
      .recommendCommands()
      // --help and --version print and return: main() decides the exit code (and tests stay alive).
      .exitProcess(false)
      .fail((msg, err) => {
        // Handlers catch their own errors (run above): anything here is the parser refusing the command line.
        throw new UsageError(usageMessage(msg ?? err?.message ?? 'invalid command line', args, commands));
      })
      .help()
      .version(packageVersion())
      .epilog('Exit codes: 0 success or nothing to do, 1 deployment failed, 2 bad input or unmet precondition, 3 plan --detailed-exitcode with changes pending')
      .wrap(helpWidth(process.stdout.columns))
      // Every other message of xacct's is English; yargs would otherwise translate only its own headings.
      .locale('en')
      .parseAsync();
  } catch (err) {
    failure = err;
  }

  if (failure !== undefined) {
    const f = describeFailure(failure, session);
    report(failure, io, undefined, session);
    if (mode === 'json') process.stdout.write(`${JSON.stringify({ error: f }, null, 2)}\n`);
    return f.exitCode;
  }
  if (mode === 'json' && ran) process.stdout.write(stdout === '' ? '{}\n' : stdout);
  return exitCode;
}

/** Runs xacct with the process's arguments and sets its exit code (deploy/bin.ts, and `node lib/deploy/cli.js`). */
export function runFromCommandLine(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = report(err, { verbose: process.argv.includes('--verbose') });
    },
  );
}

/** Set by the engine bundler: there engine-cli.ts is the entry, whatever `require.main` says of this module. */
declare const __XACCT_ENGINE__: boolean | undefined;

if (require.main === module && typeof __XACCT_ENGINE__ === 'undefined') runFromCommandLine();
