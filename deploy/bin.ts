#!/usr/bin/env node
/**
 * The `xacct` executable. `xacct --help` alone prints the help text `make build` (and `npm pack`)
 * wrote into lib/deploy/help.txt by running the same yargs definition (deploy/cli.ts), without
 * loading yargs or the command list: most of what it costs beyond Node's own start-up
 * (bench/results.md). Anything else, a terminal narrower than the help's 100 columns, or a missing
 * file runs deploy/cli.ts. test/package/pack.test.ts checks the installed text against yargs' output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpWidth } from './help-width';

export const HELP_FILE = join(__dirname, 'help.txt');

/** The prepared help text, where it is exactly what deploy/cli.ts would print; undefined otherwise. */
export function preparedHelp(args: string[], columns: number | undefined, file = HELP_FILE): string | undefined {
  if (args.length !== 1 || args[0] !== '--help' || helpWidth(columns) !== helpWidth(undefined)) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  const text = preparedHelp(process.argv.slice(2), process.stdout.columns);
  if (text !== undefined) process.stdout.write(text);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the prepared help does not answer: that is the saving
  else (require('./cli') as typeof import('./cli')).runFromCommandLine();
}
