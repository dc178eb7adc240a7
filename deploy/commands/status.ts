import { CONFIG_OPTION } from './aws-context';
import type { Command } from './types';

export const statusCommand: Command = (y, run) =>
  y.command(
    'status',
    'Instances by status per OU and region, failures with reasons, last operations, central stacks',
    (c) => c.option('config', CONFIG_OPTION).option('drift', { type: 'boolean', default: false, describe: 'Run drift detection on every StackSet and stack and list drifted accounts and resources' }),
    run(async (argv, io) => {
      const { withAws } = await import('./aws-context');
      const { runStatus } = await import('../status');
      await withAws(argv, ({ config, clients, clock, activity }) => runStatus(config, { clients, io, clock, activity, drift: Boolean(argv.drift) }));
    }),
  );
