/**
 * The only place an AWS client is constructed. Every client shares one configuration: the SDK's
 * default credential chain (environment, shared profiles, SSO, instance roles) or a named profile,
 * adaptive retries, and an optional endpoint for AWS-compatible APIs. Functions in deploy/ receive
 * these clients as arguments and never build their own.
 *
 * Interrupts: once the command's AbortSignal fires (Ctrl-C), nothing more is sent. The signal is
 * passed to every `send`, so a call waiting in the retry strategy's backoff or the adaptive rate
 * limiter gives up at once; a middleware inside the retry loop refuses every further attempt; and
 * a request already on the wire is allowed to finish (its transport never sees the signal), so
 * xacct knows whether AWS started what it asked for. `InFlight` tracks the calls that have not
 * returned yet, for the interrupt message.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import { annotateOperation, isConnectionFailure } from './aws-error';
import { XacctError } from './errors';

/** What the SDK sends requests through: the Node HTTP handler, or anything with its `handle`. */
export type Handler = Pick<NodeHttpHandler, 'handle'> & { updateHttpClientConfig?: (...args: never[]) => void; httpHandlerConfigs?: () => unknown };

export interface AwsOptions {
  /** Region for STS and Organizations; CloudFormation clients are made per region on demand. */
  region: string;
  profile?: string;
  /** --endpoint-url; without it the SDK itself honours AWS_ENDPOINT_URL and its per-service forms. */
  endpointUrl?: string;
  maxAttempts?: number;
  /** Once aborted (Ctrl-C), every client refuses further calls. */
  signal?: AbortSignal;
  /** Where requests go; default the SDK's Node HTTP handler. Tests pass the in-memory organization. */
  requestHandler?: Handler;
  /** Static credentials instead of the SDK's chain (tests against the in-memory organization). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Calls not yet returned; shared by every client of one command. */
  inFlight?: InFlight;
}

export interface Clients {
  readonly region: string;
  readonly sts: STSClient;
  readonly org: OrganizationsClient;
  /** A CloudFormation client for `region` (one per region, made once). */
  cfn(region: string): CloudFormationClient;
  /** An S3 client for `region`, for templates over the inline limit and the inventory ledger (made on first use). */
  s3(region: string): S3Client;
  /** Calls sent and not yet returned. */
  readonly inFlight: InFlight;
}

/** About ten attempts: StackSet APIs throttle readily under large organizations. */
export const MAX_ATTEMPTS = 10;

/** A call that has been handed to a client and has not returned. */
export interface CallInFlight {
  /** `cloudformation:CreateStackInstances`. */
  operation: string;
  /** The StackSet or stack it is about, when the input names one. */
  subject?: string;
  /** True once a request for it is on the wire (not waiting in a backoff). */
  sent: boolean;
}

export class InFlight {
  private readonly calls = new Set<CallInFlight>();
  private waiters: Array<() => void> = [];

  add(c: CallInFlight): void {
    this.calls.add(c);
  }

  delete(c: CallInFlight): void {
    this.calls.delete(c);
    if (this.calls.size === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  list(): CallInFlight[] {
    return [...this.calls];
  }

  /** Resolves when no call is in flight, or after `ms` with those still out. */
  async settle(ms: number, sleep: (ms: number) => Promise<void>): Promise<CallInFlight[]> {
    if (this.calls.size === 0) return [];
    const drained = new Promise<void>((resolve) => this.waiters.push(resolve));
    await Promise.race([drained, sleep(ms)]);
    return this.list();
  }
}

/**
 * A TCP connection that is not up within 3 s will not come: AWS endpoints answer in milliseconds.
 * Without it the SDK waits for the operating system's timeout.
 */
export const CONNECT_TIMEOUT_MS = 3_000;
/** Attempts for a request whose connection fails (refused, unresolvable, timed out), instead of MAX_ATTEMPTS. */
export const CONNECT_ATTEMPTS = 2;

type Strategy = AdaptiveRetryStrategy;

/**
 * Adaptive retries, except that a connection that cannot be made is tried only CONNECT_ATTEMPTS
 * times: a wrong --endpoint-url or a network without a route fails in seconds, while throttling
 * still gets every retry.
 */
export function connectionAwareRetry(
  maxAttempts: number,
): Pick<Strategy, 'acquireInitialRetryToken' | 'refreshRetryTokenForRetry' | 'recordSuccess'> & { mode: string } {
  const inner = new AdaptiveRetryStrategy(maxAttempts);
  return {
    mode: inner.mode,
    acquireInitialRetryToken: (scope) => inner.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: async (token, info) => {
      // Throwing here makes the SDK give up and report the last error, with its attempt count.
      if (isConnectionFailure(info.error) && token.getRetryCount() + 1 >= CONNECT_ATTEMPTS) throw info.error;
      return inner.refreshRetryTokenForRetry(token, info);
    },
    recordSuccess: (token) => inner.recordSuccess(token),
  };
}

export interface SharedClientConfig {
  region: string;
  profile?: string;
  endpoint?: string;
  maxAttempts: number;
  retryStrategy: ReturnType<typeof connectionAwareRetry>;
  requestHandler: Handler;
  credentials?: AwsOptions['credentials'];
}

/**
 * The transport never sees the abort signal: a request already sent runs to its answer, so a
 * mutating call in flight at Ctrl-C is known to have started (or not) before xacct says what AWS
 * carries on with. Waits before a request (retry backoff, rate limiting) do see the signal.
 */
export function finishSentRequests(inner: Handler): Handler {
  return {
    handle: (request: Parameters<Handler['handle']>[0], options?: HttpHandlerOptions) => inner.handle(request, { ...options, abortSignal: undefined }),
    ...(inner.updateHttpClientConfig ? { updateHttpClientConfig: inner.updateHttpClientConfig.bind(inner) } : {}),
    ...(inner.httpHandlerConfigs ? { httpHandlerConfigs: inner.httpHandlerConfigs.bind(inner) } : {}),
  };
}

export function clientConfig(o: AwsOptions, region: string = o.region): SharedClientConfig {
  return {
    region,
    ...(o.profile !== undefined ? { profile: o.profile } : {}),
    ...(o.endpointUrl !== undefined ? { endpoint: o.endpointUrl } : {}),
    maxAttempts: o.maxAttempts ?? MAX_ATTEMPTS,
    // Adaptive mode adds client-side rate limiting on top of standard retries: it slows the whole
    // client after throttling instead of letting parallel waits hammer the API.
    retryStrategy: connectionAwareRetry(o.maxAttempts ?? MAX_ATTEMPTS),
    requestHandler: finishSentRequests(o.requestHandler ?? new NodeHttpHandler({ connectionTimeout: CONNECT_TIMEOUT_MS })),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  };
}

/** The part of an SDK client the guard uses. */
interface MiddlewareClient {
  middlewareStack: { add(mw: never, options: never): void };
  send(...args: never[]): Promise<unknown>;
}

const interrupted = (command: string | undefined) =>
  new XacctError('INTERRUPTED', `interrupted; ${command?.replace(/Command$/, '') ?? 'the call'} was not sent`);

function subjectOf(input: unknown): string | undefined {
  const i = input as { StackSetName?: unknown; StackName?: unknown; Bucket?: unknown } | undefined;
  const s = i?.StackSetName ?? i?.StackName ?? i?.Bucket;
  return typeof s === 'string' ? s : undefined;
}

/**
 * Around every call: refuse to start after an interrupt, track the call while it is out, and mark a
 * failure with the API it came from (`cloudformation:DeleteStackSet`) so AccessDenied and throttling
 * that outlasted the retries can say which call it was. Inside the retry loop: refuse each attempt
 * after an interrupt, so a call that was waiting out a backoff is never sent.
 */
export function guard<C extends MiddlewareClient>(client: C, signal?: AbortSignal, inFlight: InFlight = new InFlight()): C {
  const outer = (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => async (args: { input?: unknown }) => {
    if (signal?.aborted) throw interrupted(context.commandName);
    const entry: CallInFlight = {
      operation: `${(context.clientName ?? '').replace(/Client$/, '')}:${(context.commandName ?? '').replace(/Command$/, '')}`,
      subject: subjectOf(args.input),
      sent: false,
    };
    inFlight.add(entry);
    (context as Record<string, unknown>).xacctCall = entry;
    try {
      return await next(args);
    } catch (err) {
      if (signal?.aborted && (err as { name?: unknown })?.name === 'AbortError') throw interrupted(context.commandName);
      annotateOperation(err, context.clientName, context.commandName);
      throw err;
    } finally {
      inFlight.delete(entry);
    }
  };
  const perAttempt = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string; xacctCall?: CallInFlight }) => async (args: unknown) => {
    if (signal?.aborted) throw interrupted(context.commandName);
    if (context.xacctCall) context.xacctCall.sent = true;
    return next(args);
  };
  client.middlewareStack.add(outer as never, { step: 'initialize', name: 'xacctGuard' } as never);
  client.middlewareStack.add(perAttempt as never, { step: 'finalizeRequest', name: 'xacctAttemptGuard', priority: 'low' } as never);
  if (signal) {
    const send = client.send.bind(client) as (command: never, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
    (client as { send: unknown }).send = (command: never, options?: { abortSignal?: AbortSignal }) => send(command, { abortSignal: signal, ...options });
  }
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
  const inFlight = o.inFlight ?? new InFlight();
  return {
    region: o.region,
    inFlight,
    sts: guard(new STSClient(clientConfig(o)), o.signal, inFlight),
    org: guard(new OrganizationsClient(clientConfig(o)), o.signal, inFlight),
    cfn: perRegion((region) => guard(new CloudFormationClient(clientConfig(o, region)), o.signal, inFlight)),
    s3: perRegion((region) => guard(new S3Client(clientConfig(o, region)), o.signal, inFlight)),
  };
}
