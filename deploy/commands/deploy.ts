import { CONFIG_OPTION } from './aws-context';
import { AWS_EXIT_CODES } from './exit-codes';
import type { CommandSpec } from './types';

export const deployCommand: CommandSpec = {
  name: 'deploy',
  describe: 'Deploy the StackSets to the target OUs, then the central stacks',
  aws: true,
  options: {
    config: CONFIG_OPTION,
    yes: {
      type: 'boolean',
      default: false,
      describe:
        'Answer yes to confirmations (removing what left the config, deleting a ROLLBACK_COMPLETE stack); required without a terminal when there is something to remove',
    },
  },
  examples: [
    ['AWS_PROFILE=ci $0 deploy --config acme.yaml', 'deploy from the CI account (a StackSets delegated administrator)'],
    ['$0 deploy --output json > result.json', 'with ./xacct.yaml; the result as one JSON document'],
  ],
  exitCodes: [[0, 'deployed, or nothing to change'], [1, 'a deployment failed (every failed account is listed)'], ...AWS_EXIT_CODES],
  handler: async (argv, io, session) => {
    // The SDK loads here, not at start-up: `xacct --help` stays fast.
    const { withAws } = await import('./aws-context');
    const { runDeploy } = await import('../deploy');
    const { terminalConfirm } = await import('../confirm');
    await withAws(argv, io, session, ({ config, clients, clock, activity }) =>
      runDeploy(config, { clients, io, clock, activity, confirm: terminalConfirm(Boolean(argv.yes)) }),
    );
  },
};
