import type { Command } from './types';

export const deployCommand: Command = (y, run) =>
  y.command(
    'deploy',
    'Deploy the StackSets to the target OUs, then the central stacks',
    (c) =>
      c
        .option('config', { type: 'string', describe: 'Config file (YAML or JSON); default: the embedded three-account baseline' })
        .option('yes', { type: 'boolean', default: false, describe: 'Answer yes to confirmations (deleting a ROLLBACK_COMPLETE stack)' }),
    run(async (argv, io) => {
      // The SDK loads here, not at start-up: `xacct --help` stays fast.
      const { loadConfig } = await import('../config-file');
      const { createClients } = await import('../aws');
      const { runDeploy } = await import('../deploy');
      const { systemClock } = await import('../clock');
      const { confirmer } = await import('../confirm');
      const config = loadConfig(argv.config as string | undefined);
      const clients = createClients({ region: argv.region ?? config.homeRegion, profile: argv.profile, endpointUrl: argv.endpointUrl });
      await runDeploy(config, { clients, io, clock: systemClock, confirm: confirmer(Boolean(argv.yes)) });
    }),
  );
