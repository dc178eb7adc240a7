import { CONFIG_OPTION } from './aws-context';
import { AWS_EXIT_CODES } from './exit-codes';
import type { CommandSpec } from './types';

export const planCommand: CommandSpec = {
  name: 'plan',
  describe: 'Show what deploy would change (template, IAM and parameter diffs, OU/region pairs, accounts, rollout time); changes nothing',
  aws: true,
  options: {
    config: CONFIG_OPTION,
    'detailed-exitcode': { type: 'boolean', default: false, describe: 'Exit 3 when changes are pending (0 nothing to do, 1 failure, 2 bad input)' },
    wait: {
      type: 'boolean',
      default: true,
      describe: 'Attach to a running StackSet operation and plan against what it leaves (--no-wait: list it and plan now)',
    },
  },
  examples: [
    ['$0 plan --config acme.yaml', 'what deploy would change'],
    ['$0 plan --detailed-exitcode --output json', 'in CI: exit 3 when changes are pending, the plan as JSON'],
  ],
  exitCodes: [
    [0, 'planned (with --detailed-exitcode: nothing to change)'],
    [1, 'a call failed'],
    ...AWS_EXIT_CODES,
    [3, 'with --detailed-exitcode: changes pending'],
  ],
  handler: async (argv, io, session) => {
    const { withAws } = await import('./aws-context');
    const { runPlan } = await import('../plan');
    const { EXIT } = await import('../errors');
    const report = await withAws(argv, io, session, ({ config, clients, clock, activity }) =>
      runPlan(config, { clients, io, clock, activity, attach: argv.wait !== false }),
    );
    return argv.detailedExitcode && !report.noChanges ? EXIT.CHANGES_PENDING : EXIT.OK;
  },
};
