import type { CommandSpec } from './types';

export const lintCommand: CommandSpec = {
  name: 'lint',
  describe: 'Check every template: CloudFormation schema, references, IAM, AWS security rules, cfn-lint',
  aws: false,
  options: {
    dir: { type: 'string', requiresArg: true, default: 'dist', describe: 'Directory of *.template.json files' },
    suppressions: {
      type: 'string',
      requiresArg: true,
      describe: 'Accepted findings (YAML); default: .lint-suppressions.yaml in DIR, else the one xacct ships for its own templates',
    },
    fixtures: { type: 'boolean', default: false, describe: 'Walk DIR recursively; templates under broken/ must be rejected by the rules they name' },
    'cfn-lint': {
      choices: ['auto', 'python', 'npm'] as const,
      default: 'auto' as const,
      describe: 'cfn-lint to run: the Python one if on PATH (auto), or force one',
    },
  },
  examples: [
    ['$0 lint', 'the templates in dist/'],
    ['$0 lint --dir infra/xacct --suppressions infra/lint-suppressions.yaml', 'another directory, with your own accepted findings'],
  ],
  exitCodes: [
    [0, 'every template passes'],
    [1, 'a template fails a check (each finding is listed)'],
    [2, 'bad arguments, no templates in DIR, or an invalid suppressions file'],
  ],
  handler: async (argv, io) => {
    const { runLint } = await import('../lint/run');
    const { printLintReport } = await import('../lint/report');
    const report = await runLint(
      {
        dir: argv.dir as string,
        fixtures: Boolean(argv.fixtures),
        cfnLint: argv.cfnLint as 'auto' | 'python' | 'npm',
        suppressionsFile: argv.suppressions as string | undefined,
      },
      io,
    );
    return printLintReport(report, io);
  },
};
