import { CONFIG_OPTION } from './aws-context';
import { AWS_EXIT_CODES } from './exit-codes';
import type { CommandSpec } from './types';

export const statusCommand: CommandSpec = {
  name: 'status',
  describe: 'Instances by status per OU and region, failures with reasons, last operations, central stacks',
  aws: true,
  options: {
    config: CONFIG_OPTION,
    drift: { type: 'boolean', default: false, describe: 'Run drift detection on every StackSet and stack and list drifted accounts and resources' },
    html: {
      type: 'string',
      describe: 'Also write FILE: a self-contained page with a grid of StackSets x OUs x accounts coloured by instance status (no network, no script)',
    },
  },
  examples: [
    ['$0 status --config acme.yaml', 'instances by status, failures with their reasons'],
    ['$0 status --drift', 'also detect drift (starts drift detection operations)'],
    ['$0 status --drift --html status.html', 'and write the grid of every account as a page'],
  ],
  exitCodes: [[0, 'status shown'], [1, 'a call failed'], ...AWS_EXIT_CODES],
  handler: async (argv, io, session) => {
    const { withAws } = await import('./aws-context');
    const { runStatus } = await import('../status');
    const report = await withAws(argv, io, session, ({ config, clients, clock, activity }) =>
      runStatus(config, { clients, io, clock, activity, drift: Boolean(argv.drift) }),
    );
    if (typeof argv.html === 'string') {
      const { writeFileSync } = await import('node:fs');
      const { renderStatusHtml } = await import('../status/html');
      writeFileSync(argv.html, renderStatusHtml(report));
      io.info(`wrote ${argv.html}`);
    }
  },
};
