import { CONFIG_OPTION } from './aws-context';
import type { Command } from './types';

export const planCommand: Command = (y, run) =>
  y.command(
    'plan',
    'Show what deploy would change (template, IAM and parameter diffs, OU/region pairs, accounts, rollout time); changes nothing',
    (c) =>
      c
        .option('config', CONFIG_OPTION)
        .option('detailed-exitcode', { type: 'boolean', default: false, describe: 'Exit 3 when changes are pending (0 nothing to do, 1 failure, 2 bad input)' })
        .option('wait', { type: 'boolean', default: true, describe: 'Attach to a running StackSet operation and plan against what it leaves (--no-wait: list it and plan now)' }),
    run(async (argv, io) => {
      const { withAws } = await import('./aws-context');
      const { runPlan } = await import('../plan');
      const { EXIT } = await import('../errors');
      const report = await withAws(argv, ({ config, clients, clock, activity }) => runPlan(config, { clients, io, clock, activity, attach: argv.wait !== false }));
      return argv.detailedExitcode && !report.noChanges ? EXIT.CHANGES_PENDING : EXIT.OK;
    }),
  );
