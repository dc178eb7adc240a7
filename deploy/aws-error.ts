/**
 * Reading AWS SDK errors without importing the SDK: the exception name (the API's error code) and
 * the service's message, kept verbatim for our own messages.
 */
export function errorName(err: unknown): string {
  const e = err as { name?: unknown; Code?: unknown } | undefined;
  if (typeof e?.name === 'string') return e.name;
  return typeof e?.Code === 'string' ? e.Code : '';
}

export function awsMessage(err: unknown): string {
  const e = err as { message?: unknown } | undefined;
  return typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
}

export function isNamed(err: unknown, ...names: string[]): boolean {
  return names.includes(errorName(err));
}

/** Codes the services use for rate limiting (CloudFormation says Throttling; Organizations TooManyRequestsException). */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

export function isThrottling(err: unknown): boolean {
  return THROTTLING.has(errorName(err));
}

/** The SDK's credential chain found nothing usable. */
export function isMissingCredentials(err: unknown): boolean {
  return isNamed(err, 'CredentialsProviderError', 'ExpiredTokenException', 'ExpiredToken');
}

/** Where deploy/aws.ts records the API a failed call was: `cloudformation:DeleteStackSet`. */
const OPERATION_KEY = '$xacctOperation';

const IAM_PREFIX: Record<string, string> = { CloudFormation: 'cloudformation', Organizations: 'organizations', STS: 'sts' };

export function annotateOperation(err: unknown, clientName: string | undefined, commandName: string | undefined): void {
  if (!err || typeof err !== 'object' || !commandName) return;
  const service = (clientName ?? '').replace(/Client$/, '');
  const action = commandName.replace(/Command$/, '');
  (err as Record<string, unknown>)[OPERATION_KEY] = `${IAM_PREFIX[service] ?? service.toLowerCase()}:${action}`;
}

/** The innermost error of a `cause` chain that AWS sent (it has a name the services use), or the error itself. */
export function awsCause(err: unknown): unknown {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const e = current as { name?: unknown; cause?: unknown; $metadata?: unknown };
    if (e.$metadata !== undefined || (typeof e.name === 'string' && e.name !== 'XacctError' && e.name !== 'Error')) return current;
    current = e.cause;
  }
  return err;
}

export function operationOf(err: unknown): string | undefined {
  const op = (err as Record<string, unknown> | undefined)?.[OPERATION_KEY];
  return typeof op === 'string' ? op : undefined;
}

export function isAccessDenied(err: unknown): boolean {
  return (
    isNamed(err, 'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError') || /is not authorized to perform/.test(awsMessage(err))
  );
}

export function isExpiredCredentials(err: unknown): boolean {
  return (
    isNamed(err, 'ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired') ||
    /security token included in the request is expired|token has expired|session has expired/i.test(awsMessage(err))
  );
}

export interface DeniedCall {
  principalArn?: string;
  account?: string;
  /** `role 'deployer'`, `user 'ci'`, or `the account root`. */
  principal?: string;
  action?: string;
  resource?: string;
  /** What denies it: missing allow, SCP, permissions boundary, explicit deny, session policy. */
  cause: 'no-allow' | 'scp' | 'boundary' | 'explicit-deny' | 'session-policy' | 'unknown';
}

/**
 * Read IAM's denial sentence: `User: arn:aws:sts::1111:assumed-role/deployer/s is not authorized to
 * perform: cloudformation:DeleteStackSet on resource: arn:... because no identity-based policy allows
 * the cloudformation:DeleteStackSet action` (or `... with an explicit deny in a service control policy`).
 */
export function parseDenied(message: string, operation?: string): DeniedCall {
  const m = /User: (arn:[^\s]+) is not authorized to perform: ([\w-]+:[\w*]+)(?: on resource: (\S+))?/.exec(message);
  const principalArn = m?.[1];
  let account: string | undefined;
  let principal: string | undefined;
  if (principalArn) {
    const parts = principalArn.split(':');
    account = parts[4] || undefined;
    const resource = parts.slice(5).join(':');
    const [kind, name] = resource.split('/');
    principal =
      kind === 'assumed-role' || kind === 'role' ? `role '${name}'` : kind === 'user' ? `user '${name}'` : kind === 'root' ? 'the account root' : resource;
  }
  const cause = /service control policy/i.test(message)
    ? 'scp'
    : /permissions boundary/i.test(message)
      ? 'boundary'
      : /session policy/i.test(message)
        ? 'session-policy'
        : /explicit deny/i.test(message)
          ? 'explicit-deny'
          : /no identity-based policy allows/i.test(message) || m
            ? 'no-allow'
            : 'unknown';
  return { principalArn, account, principal, action: m?.[2] ?? operation, resource: m?.[3]?.replace(/[.,;]$/, ''), cause };
}

function deniedFix(d: DeniedCall): string {
  const action = d.action ?? 'the action';
  switch (d.cause) {
    case 'scp':
      return `a service control policy of the organization denies ${action}; ask its administrators to exempt this principal or the StackSets service`;
    case 'boundary':
      return `the permissions boundary of ${d.principal ?? 'the caller'} does not allow ${action}; add it to the boundary`;
    case 'session-policy':
      return `the session policy passed when assuming the role does not allow ${action}; widen it or assume the role without one`;
    case 'explicit-deny':
      return `a policy attached to ${d.principal ?? 'the caller'} denies ${action} explicitly; remove that Deny`;
    default:
      return `grant "${action}" to ${d.principal ?? 'the caller'}${d.resource ? ` on ${d.resource}` : ''} (README, section Deploy, lists the deployer's policy)`;
  }
}

/**
 * One sentence for the three AWS failures an operator can fix without reading a stack trace:
 * access denied (who, where, which action, what to grant), expired credentials, and throttling
 * that outlasted the SDK's retries (which API). Undefined for anything else.
 */
export function explainAwsFailure(err: unknown): { code: 'ACCESS_DENIED' | 'NO_CREDENTIALS' | 'THROTTLED'; message: string } | undefined {
  const cause = awsCause(err);
  const operation = operationOf(cause);
  const aws = awsMessage(cause);
  if (isExpiredCredentials(cause)) {
    return {
      code: 'NO_CREDENTIALS',
      message: `AWS credentials have expired${operation ? ` (at ${operation})` : ''}: refresh them (aws sso login, or assume the role again) and run again (AWS: ${aws})`,
    };
  }
  if (isAccessDenied(cause)) {
    const d = parseDenied(aws, operation);
    const who = d.principal ? `${d.principal}${d.account ? ` in account ${d.account}` : ''}` : 'the caller';
    return { code: 'ACCESS_DENIED', message: `access denied: ${who} may not call ${d.action ?? 'this API'}; ${deniedFix(d)} (AWS: ${aws})` };
  }
  if (isThrottling(cause)) {
    const attempts = (cause as { $metadata?: { attempts?: number } }).$metadata?.attempts;
    return {
      code: 'THROTTLED',
      message: `AWS kept throttling ${operation ?? 'an API call'}${attempts ? ` after ${attempts} attempts` : ' after every retry'}; wait a few minutes and run again (StackSet APIs share one rate limit per account and region) (AWS: ${aws})`,
    };
  }
  return undefined;
}

/** Node's codes for a connection that could not be made or was cut before AWS answered. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

const CONNECTION_TEXT = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|ECONNABORTED)\b(?: ([\w.:-]+:\d+|[\w.-]+))?/;

export type ConnectionFailure = Error & { code?: string; hostname?: string; address?: string; port?: number };

/**
 * The network error inside `err` (its cause chain), when the request never reached AWS. Read from
 * Node's `code`, or from the message when the SDK wrapped an error it could not recognise as one
 * (it does so for errors of another realm) and kept only the text.
 */
export function connectionFailure(err: unknown): ConnectionFailure | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current; depth++) {
    const e = current as ConnectionFailure & { cause?: unknown };
    if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return e;
    // The SDK's connection timeout names its error TimeoutError and sets no code.
    if (e.name === 'TimeoutError' && /connection/i.test(awsMessage(e))) return e;
    const text = typeof e.message === 'string' ? CONNECTION_TEXT.exec(e.message) : null;
    if (text && e.cause === undefined)
      return Object.assign(new Error(e.message), { code: text[1], ...(text[2] ? { address: text[2] } : {}), ...operationMark(e) });
    current = e.cause;
  }
  return undefined;
}

function operationMark(e: object): Record<string, unknown> {
  const op = operationOf(e);
  return op ? { [OPERATION_KEY]: op } : {};
}

export function isConnectionFailure(err: unknown): boolean {
  return connectionFailure(err) !== undefined;
}
