/**
 * What every command that calls AWS sets up: the config, clients that stop calling at Ctrl-C, and
 * the interrupt handling that names what AWS carries on with. Loaded inside handlers only, so
 * `xacct --help` never loads the SDK.
 */
import type { Config } from '../../templates-src/config';
import type { Clients } from '../aws';
import type { Clock } from '../clock';
import type { Activity } from '../interrupt';
import type { GlobalArgs } from './types';

export interface AwsContext {
  config: Config;
  clients: Clients;
  clock: Clock;
  activity: Activity;
}

export async function withAws<T>(argv: GlobalArgs, work: (ctx: AwsContext) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('../config-file');
  const { createClients } = await import('../aws');
  const { systemClock } = await import('../clock');
  const { processSignals, withInterrupts } = await import('../interrupt');
  const config = loadConfig(argv.config as string | undefined);
  const controller = new AbortController();
  const clients = createClients({ region: argv.region ?? config.homeRegion, profile: argv.profile, endpointUrl: argv.endpointUrl, signal: controller.signal });
  return withInterrupts({ clock: systemClock, source: processSignals, controller, inFlight: clients.inFlight, region: config.homeRegion }, ({ clock, activity }) => work({ config, clients, clock, activity }));
}

export const CONFIG_OPTION = { type: 'string', describe: 'Config file (YAML or JSON); default: the embedded three-account baseline' } as const;
