import type { CommandSpec } from './types';

export const initCommand: CommandSpec = {
  name: 'init',
  describe: 'Write a commented xacct.yaml for the three-account baseline (CI account, non-prod and prod OUs, change-set stages, approval before prod)',
  aws: false,
  options: {
    prefix: { type: 'string', requiresArg: true, describe: 'Prefix of every xacct name (default: xacct)' },
    'home-region': { type: 'string', requiresArg: true, describe: 'Region of the CI stacks and the role StackSets (default: eu-west-1)' },
    'nonprod-ou': {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'OU of the non-prod target group: a path from the root or an ou-/r- ID; repeat for more (default: Root/Workloads/NonProd)',
    },
    'prod-ou': {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'OU of the prod target group, behind the approval; repeat for more (default: Root/Workloads/Prod)',
    },
    source: {
      type: 'string',
      requiresArg: true,
      describe:
        'codecommit:REPO[@ACCOUNT] (ACCOUNT: the repository is in another account), s3:BUCKET/KEY or connection:ARN:OWNER/REPO (default: codecommit:app)',
    },
    branch: { type: 'string', requiresArg: true, describe: 'Branch that starts the pipeline, for codecommit and connection sources (default: main)' },
    schema: {
      type: 'string',
      requiresArg: true,
      describe: "The JSON Schema the file's yaml-language-server comment names (default: the one xacct ships, under ./node_modules, relative to the file)",
    },
    out: { type: 'string', requiresArg: true, default: 'xacct.yaml', describe: 'File to write' },
    force: { type: 'boolean', default: false, describe: 'Replace the file when it exists' },
  },
  examples: [
    ['$0 init', 'the baseline with its defaults; on a terminal, asks for each value first'],
    ['$0 init --prefix acme --nonprod-ou Root/Dev --prod-ou Root/Prod --source codecommit:app@333333333333', 'no questions: every value as a flag'],
    [
      '$0 init --source connection:arn:aws:codeconnections:eu-west-1:222222222222:connection/1a2b:acme/app --branch release',
      'a GitHub repository through a connection',
    ],
  ],
  exitCodes: [
    [0, 'written'],
    [2, 'a value the config refuses, or --out exists without --force (nothing written)'],
  ],
  handler: async (argv, io) => {
    const { runInit } = await import('./init-run');
    await runInit(
      {
        prefix: argv.prefix as string | undefined,
        homeRegion: argv.homeRegion as string | undefined,
        nonprodOu: argv.nonprodOu as string[] | undefined,
        prodOu: argv.prodOu as string[] | undefined,
        source: argv.source as string | undefined,
        branch: argv.branch as string | undefined,
        schema: argv.schema as string | undefined,
        out: argv.out as string,
        force: Boolean(argv.force),
      },
      io,
      { prompt: { input: process.stdin, output: process.stderr } },
    );
  },
};
