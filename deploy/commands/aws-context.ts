/**
 * What every command that calls AWS sets up: the config (explicit or found, never the embedded
 * default), a profile that exists, clients that stop calling at Ctrl-C, and the interrupt handling
 * that names what AWS carries on with. A request that never reaches AWS is reported with the
 * endpoint and how it was chosen. Loaded inside handlers only, so `xacct --help` never loads the SDK.
 */
import type { Options } from 'yargs';
import type { Config } from '../../templates-src/config';
import type { Clients } from '../aws';
import type { Clock } from '../clock';
import type { Activity } from '../interrupt';
import type { Io } from '../io';
import type { GlobalArgs, Session } from './types';

export interface AwsContext {
  config: Config;
  clients: Clients;
  clock: Clock;
  activity: Activity;
}

/** The options of every command that calls AWS (and only those). */
export const AWS_OPTIONS: Record<string, Options> = {
  profile: {
    type: 'string',
    requiresArg: true,
    describe: 'AWS profile from ~/.aws/config or ~/.aws/credentials (default: AWS_PROFILE, else the SDK credential chain)',
  },
  region: {
    type: 'string',
    requiresArg: true,
    describe:
      "Region for the STS and Organizations calls (default: the config's homeRegion). CloudFormation and S3 calls always go to homeRegion and the stage regions of the config",
  },
  'endpoint-url': {
    type: 'string',
    requiresArg: true,
    describe: 'Send every AWS call to this URL (an AWS-compatible API or a proxy); default: AWS_ENDPOINT_URL, else AWS',
  },
};

export const CONFIG_OPTION: Options = {
  type: 'string',
  requiresArg: true,
  describe: 'Config file (YAML or JSON); default: xacct.yaml, xacct.yml or xacct.json in the current directory',
};

/** Where requests go and why, for messages about requests that never arrived. */
export function endpointOrigin(argv: Pick<GlobalArgs, 'endpointUrl'>, env: NodeJS.ProcessEnv = process.env): string {
  if (argv.endpointUrl !== undefined) return `${argv.endpointUrl} (from --endpoint-url)`;
  if (env.AWS_ENDPOINT_URL) return `${env.AWS_ENDPOINT_URL} (from AWS_ENDPOINT_URL)`;
  return "AWS's default endpoint for the service and region";
}

/**
 * The profile named by --profile or AWS_PROFILE must be in the shared config or credentials file;
 * otherwise the SDK's error blames missing credentials instead of the name.
 */
export async function checkProfile(argv: Pick<GlobalArgs, 'profile'>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const name = argv.profile ?? env.AWS_PROFILE;
  if (name === undefined || name === '') return;
  const { loadSharedConfigFiles } = await import('@smithy/core/config');
  const { configFile, credentialsFile } = await loadSharedConfigFiles();
  const known = [...new Set([...Object.keys(configFile), ...Object.keys(credentialsFile)].filter((k) => !k.includes('.')))];
  if (known.includes(name)) return;
  const { XacctError } = await import('../errors');
  const { didYouMean } = await import('../../templates-src/suggest');
  const from = argv.profile !== undefined ? '--profile' : 'AWS_PROFILE';
  const files = `${env.AWS_CONFIG_FILE ?? '~/.aws/config'} or ${env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'}`;
  throw new XacctError(
    'BAD_INPUT',
    `AWS profile "${name}" (from ${from}) does not exist in ${files}${didYouMean(name, known)}${known.length ? ` (profiles: ${known.join(', ')})` : ' (no profiles there)'}`,
  );
}

/** --region must be a region AWS has. */
async function checkRegion(region: string | undefined): Promise<void> {
  if (region === undefined) return;
  const { partitionOf, regionNames } = await import('../../templates-src/regions');
  if (partitionOf(region)) return;
  const { XacctError } = await import('../errors');
  const { didYouMean } = await import('../../templates-src/suggest');
  throw new XacctError('BAD_INPUT', `--region "${region}" is not an AWS region${didYouMean(region, regionNames())}`);
}

export async function withAws<T>(argv: GlobalArgs, io: Io, session: Session, work: (ctx: AwsContext) => Promise<T>): Promise<T> {
  const { resolveConfig } = await import('../config-file');
  const chosen = resolveConfig(argv.config as string | undefined, { embedded: false });
  session.configName = chosen.name;
  io.info(chosen.description);
  const config = chosen.load();
  await checkRegion(argv.region);
  await checkProfile(argv);
  // The SDK's notice that it will drop Node 20 (a process warning on every run) only with --verbose.
  // AWS documents the switch in "January 2027: End of Support for Node.js 20.x in AWS SDK for JavaScript".
  if (!argv.verbose && process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined)
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { createClients } = await import('../aws');
  const { systemClock } = await import('../clock');
  const { processSignals, withInterrupts } = await import('../interrupt');
  const controller = new AbortController();
  const clients = createClients({ region: argv.region ?? config.homeRegion, profile: argv.profile, endpointUrl: argv.endpointUrl, signal: controller.signal });
  try {
    return await withInterrupts(
      { clock: systemClock, source: processSignals, controller, inFlight: clients.inFlight, region: config.homeRegion },
      ({ clock, activity }) => work({ config, clients, clock, activity }),
    );
  } catch (err) {
    throw await unreachable(err, argv);
  }
}

/** A request that never reached AWS becomes one message naming the endpoint; anything else passes. */
async function unreachable(err: unknown, argv: GlobalArgs): Promise<unknown> {
  const { awsCause, connectionFailure, operationOf } = await import('../aws-error');
  const { XacctError } = await import('../errors');
  const failure = connectionFailure(err);
  if (!failure) {
    // An answer without an AWS request ID and error code came from something that is not an AWS API.
    const cause = awsCause(err) as { message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    const status = cause?.$metadata?.httpStatusCode;
    if (status !== undefined && !cause.$metadata?.requestId && cause.message === 'Unknown') {
      const op = operationOf(cause);
      return new XacctError('PRECONDITION', `${op ?? 'an AWS call'} got HTTP ${status} with no AWS error from ${endpointOrigin(argv)}: is that an AWS API?`, {
        cause: err,
      });
    }
    return err;
  }
  const at = failure.address ? `${failure.address}${failure.port ? `:${failure.port}` : ''}` : failure.hostname;
  const op = operationOf(err) ?? operationOf(failure);
  const fix =
    argv.endpointUrl !== undefined || process.env.AWS_ENDPOINT_URL ? 'check the URL and that the service is running' : 'check the network, proxy and region';
  return new XacctError(
    'PRECONDITION',
    `cannot reach AWS${op ? ` for ${op}` : ''} at ${endpointOrigin(argv)}: ${failure.code ?? failure.name}${at ? ` ${at}` : ''}; ${fix}`,
    { cause: err },
  );
}
