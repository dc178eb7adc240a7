import { CONFIG_OPTION } from './aws-context';
import { AWS_EXIT_CODES } from './exit-codes';
import type { CommandSpec } from './types';

export const rolloutCommand: CommandSpec = {
  name: 'rollout',
  describe: "Roll a stackset: stage's template out to every account of its OUs as one service-managed StackSet (what the pipeline runs; any CI can)",
  aws: true,
  options: {
    config: CONFIG_OPTION,
    pipeline: { type: 'string', requiresArg: true, demandOption: true, describe: 'Pipeline name in the config' },
    stage: { type: 'string', requiresArg: true, demandOption: true, describe: 'Its stackset: stage' },
    template: { type: 'string', requiresArg: true, demandOption: true, describe: 'The application template (JSON or YAML) the build produced' },
    preview: {
      type: 'boolean',
      default: false,
      describe: 'Show what the rollout would change (template and parameter diff, OUs and regions, accounts, waves, time); changes nothing',
    },
    'summary-file': { type: 'string', requiresArg: true, describe: 'With --preview: write a one-line summary here (the pipeline shows it in the approval)' },
  },
  examples: [
    [
      '$0 rollout --config xacct.yaml --pipeline app --stage Prod --template build/template.yml',
      'create or update StackSet <prefix>-app-Prod and its instances in every account of the OUs',
    ],
    ['$0 rollout --config xacct.yaml --pipeline app --stage Prod --template build/template.yml --preview', 'what that would change; changes nothing'],
  ],
  exitCodes: [
    [0, 'rolled out, or nothing to change (with --preview: computed)'],
    [1, "the rollout failed: every failed account and region is listed with AWS's reason"],
    ...AWS_EXIT_CODES,
  ],
  handler: async (argv, io, session) => {
    const { withAws } = await import('./aws-context');
    const { runRollout } = await import('../rollout');
    await withAws(argv, io, session, ({ config, clients, clock, activity }) =>
      runRollout(
        config,
        {
          pipeline: String(argv.pipeline),
          stage: String(argv.stage),
          template: String(argv.template),
          preview: Boolean(argv.preview),
          summaryFile: argv.summaryFile as string | undefined,
        },
        { clients, io, clock, activity },
      ),
    );
  },
};
