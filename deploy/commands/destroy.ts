import { CONFIG_OPTION } from './aws-context';
import { AWS_EXIT_CODES } from './exit-codes';
import type { CommandSpec } from './types';

export const destroyCommand: CommandSpec = {
  name: 'destroy',
  describe: 'Delete the stack instances, the StackSets, then the central stacks; list what is retained',
  aws: true,
  options: {
    config: CONFIG_OPTION,
    yes: { type: 'boolean', default: false, describe: 'Do not ask; required without a terminal' },
  },
  examples: [
    ['$0 destroy --config acme.yaml', 'asks before deleting anything'],
    ['$0 destroy --config acme.yaml --yes', 'in CI, without a terminal'],
  ],
  exitCodes: [[0, 'destroyed, or nothing to destroy'], [1, 'a deletion failed'], ...AWS_EXIT_CODES],
  handler: async (argv, io, session) => {
    const { withAws } = await import('./aws-context');
    const { runDestroy } = await import('../destroy');
    const { terminalConfirm } = await import('../confirm');
    const confirm = terminalConfirm(Boolean(argv.yes));
    await withAws(argv, io, session, ({ config, clients, clock, activity }) => runDestroy(config, { clients, io, clock, activity, confirm }));
  },
};
