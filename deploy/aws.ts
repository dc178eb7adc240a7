/**
 * The only place an AWS client is constructed. Every client shares one configuration: the SDK's
 * default credential chain (environment, shared profiles, SSO, instance roles) or a named profile,
 * adaptive retries, and an optional endpoint for AWS-compatible APIs. Functions in deploy/ receive
 * these clients as arguments and never build their own.
 */
import { CloudFormationClient, CloudFormationClientConfig } from '@aws-sdk/client-cloudformation';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { annotateOperation } from './aws-error';
import { XacctError } from './errors';
import { S3Client } from '@aws-sdk/client-s3';

export interface AwsOptions {
  /** Region for STS and Organizations; CloudFormation clients are made per region on demand. */
  region: string;
  profile?: string;
  /** --endpoint-url; without it the SDK itself honours AWS_ENDPOINT_URL and its per-service forms. */
  endpointUrl?: string;
  maxAttempts?: number;
  /** Once aborted (Ctrl-C), every client refuses further calls. */
  signal?: AbortSignal;
  /** Where requests go instead of the network: tests answer them in memory. */
  requestHandler?: CloudFormationClientConfig['requestHandler'];
  /** Fixed credentials instead of the default chain. */
  credentials?: CloudFormationClientConfig['credentials'];
}

export interface Clients {
  readonly region: string;
  readonly sts: STSClient;
  readonly org: OrganizationsClient;
  /** A CloudFormation client for `region` (one per region, made once). */
  cfn(region: string): CloudFormationClient;
  /** An S3 client for `region`, for templates over the inline limit (made on first use). */
  s3(region: string): S3Client;
}

/** About ten attempts: StackSet APIs throttle readily under large organizations. */
export const MAX_ATTEMPTS = 10;

export interface SharedClientConfig {
  region: string;
  profile?: string;
  endpoint?: string;
  maxAttempts: number;
  retryMode: 'adaptive';
  requestHandler?: AwsOptions['requestHandler'];
  credentials?: AwsOptions['credentials'];
}

export function clientConfig(o: AwsOptions, region: string = o.region): SharedClientConfig {
  return {
    region,
    ...(o.profile !== undefined ? { profile: o.profile } : {}),
    ...(o.endpointUrl !== undefined ? { endpoint: o.endpointUrl } : {}),
    maxAttempts: o.maxAttempts ?? MAX_ATTEMPTS,
    // Adaptive mode adds client-side rate limiting on top of standard retries: it slows the whole
    // client after throttling instead of letting parallel waits hammer the API.
    retryMode: 'adaptive',
    ...(o.requestHandler !== undefined ? { requestHandler: o.requestHandler } : {}),
    ...(o.credentials !== undefined ? { credentials: o.credentials } : {}),
  };
}

interface MiddlewareClient {
  middlewareStack: { add(mw: never, options: { step: 'initialize'; name: string }): void };
}

/**
 * Around every call, outside the SDK's retries: refuse to start after an interrupt, and mark a
 * failure with the API it came from (`cloudformation:DeleteStackSet`), so AccessDenied and
 * throttling that outlasted the retries can say which call it was.
 */
export function guard<C extends MiddlewareClient>(client: C, signal?: AbortSignal): C {
  const middleware = (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => async (args: unknown) => {
    if (signal?.aborted) throw new XacctError('INTERRUPTED', `interrupted; ${context.commandName ?? 'the call'} was not sent`);
    try {
      return await next(args);
    } catch (err) {
      annotateOperation(err, context.clientName, context.commandName);
      throw err;
    }
  };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'xacctGuard' });
  return client;
}

/** One client per region, made on first use. */
function perRegion<C>(make: (region: string) => C): (region: string) => C {
  const made = new Map<string, C>();
  return (region) => {
    let client = made.get(region);
    if (!client) {
      client = make(region);
      made.set(region, client);
    }
    return client;
  };
}

export function createClients(o: AwsOptions): Clients {
  return {
    region: o.region,
    sts: guard(new STSClient(clientConfig(o)), o.signal),
    org: guard(new OrganizationsClient(clientConfig(o)), o.signal),
    cfn: perRegion((region) => guard(new CloudFormationClient(clientConfig(o, region)), o.signal)),
    s3: perRegion((region) => guard(new S3Client(clientConfig(o, region)), o.signal)),
  };
}
