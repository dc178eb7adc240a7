import { CONFIG_OPTION } from './aws-context';
import type { Command } from './types';

export const destroyCommand: Command = (y, run) =>
  y.command(
    'destroy',
    'Delete the stack instances, the StackSets, then the central stacks; list what is retained',
    (c) => c.option('config', CONFIG_OPTION).option('yes', { type: 'boolean', default: false, describe: 'Do not ask; required without a terminal' }),
    run(async (argv, io) => {
      const { withAws } = await import('./aws-context');
      const { runDestroy } = await import('../destroy');
      const { terminalConfirm } = await import('../confirm');
      const confirm = terminalConfirm(Boolean(argv.yes));
      await withAws(argv, ({ config, clients, clock, activity }) => runDestroy(config, { clients, io, clock, activity, confirm }));
    }),
  );
