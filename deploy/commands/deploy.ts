import { CONFIG_OPTION } from './aws-context';
import type { Command } from './types';

export const deployCommand: Command = (y, run) =>
  y.command(
    'deploy',
    'Deploy the StackSets to the target OUs, then the central stacks',
    (c) => c.option('config', CONFIG_OPTION).option('yes', { type: 'boolean', default: false, describe: 'Answer yes to confirmations (removing what left the config, deleting a ROLLBACK_COMPLETE stack); required without a terminal when there is something to remove' }),
    run(async (argv, io) => {
      // The SDK loads here, not at start-up: `xacct --help` stays fast.
      const { withAws } = await import('./aws-context');
      const { runDeploy } = await import('../deploy');
      const { terminalConfirm } = await import('../confirm');
      await withAws(argv, ({ config, clients, clock, activity }) => runDeploy(config, { clients, io, clock, activity, confirm: terminalConfirm(Boolean(argv.yes)) }));
    }),
  );
