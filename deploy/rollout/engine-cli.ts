#!/usr/bin/env node
/**
 * The entry of xacct's engine bundle, the single file the pipeline's CodeBuild actions install from
 * the templates bucket: the CLI with the commands they run (`rollout`; `deploy` for selfUpdate) and
 * the read-only ones that help when a run goes wrong (`plan`, `status`).
 */
import { main, report } from '../cli';
import { deployCommand } from '../commands/deploy';
import { planCommand } from '../commands/plan';
import { rolloutCommand } from '../commands/rollout';
import { statusCommand } from '../commands/status';
import type { CommandSpec } from '../commands/types';

export const ENGINE_COMMANDS: CommandSpec[] = [rolloutCommand, deployCommand, planCommand, statusCommand];

/** Set by the bundler: inside the bundle this module is wrapped, and `require.main === module` no longer says it is the entry. */
declare const __XACCT_ENGINE__: boolean | undefined;

if (require.main === module || (typeof __XACCT_ENGINE__ !== 'undefined' && __XACCT_ENGINE__)) {
  main(process.argv.slice(2), ENGINE_COMMANDS).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = report(err, { verbose: process.argv.includes('--verbose') });
    },
  );
}
