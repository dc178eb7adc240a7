import type { Command } from './types';

export const buildCommand: Command = (y, run) =>
  y.command(
    'build',
    'Write templates, manifest and README into dist/ (or --out)',
    (c) =>
      c
        .option('config', { type: 'string', describe: 'Config file (YAML or JSON); default: the embedded three-account baseline' })
        .option('out', { type: 'string', default: 'dist', describe: 'Output directory' }),
    run(async (argv, io) => {
      const { loadConfig } = await import('../config-file');
      const { runBuild } = await import('./build-run');
      runBuild(loadConfig(argv.config as string | undefined), argv.out as string, io);
    }),
  );
