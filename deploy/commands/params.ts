import { CONFIG_OPTION } from './aws-context';
import { AWS_EXIT_CODES } from './exit-codes';
import type { CommandSpec } from './types';

export const paramsCommand: CommandSpec = {
  name: 'params',
  describe: "Print the value of every Parameter of dist/'s templates in this organization, as AWS CLI arguments; changes nothing",
  aws: true,
  options: {
    config: CONFIG_OPTION,
    uploads: {
      type: 'string',
      describe: "also write what the pipeline reads from the templates bucket (xacct's engine, the resolved config) into this directory, each at its key",
    },
  },
  examples: [
    ['$0 params --config acme.yaml', "per template: --parameter-overrides (stacks) or --parameters (StackSets) with this organization's values"],
    ['$0 params --output json', 'the same as JSON: values, where each comes from, argv-ready arguments'],
    ['$0 params --uploads xacct-uploads', 'and the engine and resolved config a pipeline with stackset: stages reads, to put into the templates bucket'],
  ],
  exitCodes: [[0, 'printed'], [1, 'a call failed'], ...AWS_EXIT_CODES],
  handler: async (argv, io, session) => {
    const { withAws } = await import('./aws-context');
    const { runParams } = await import('../params');
    await withAws(argv, io, session, ({ config, clients }) => runParams(config, { clients, io, uploadsDir: argv.uploads as string | undefined }));
  },
};
