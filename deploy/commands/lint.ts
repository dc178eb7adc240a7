import type { Command } from './types';

export const lintCommand: Command = (y, run) =>
  y.command(
    'lint',
    'Check every template: CloudFormation schema, references, IAM, AWS security rules, cfn-lint',
    (c) =>
      c
        .option('dir', { type: 'string', default: 'dist', describe: 'Directory of *.template.json files' })
        .option('fixtures', { type: 'boolean', default: false, describe: 'Walk DIR recursively; templates under broken/ must be rejected by the rules they name' })
        .option('cfn-lint', { choices: ['auto', 'python', 'npm'] as const, default: 'auto' as const, describe: 'cfn-lint to run: the Python one if on PATH (auto), or force one' }),
    run(async (argv, io) => {
      const { runLint } = await import('../lint/run');
      const { printLintReport } = await import('../lint/report');
      const report = await runLint({ dir: argv.dir as string, fixtures: Boolean(argv.fixtures), cfnLint: argv.cfnLint as 'auto' | 'python' | 'npm' });
      return printLintReport(report, io);
    }),
  );
