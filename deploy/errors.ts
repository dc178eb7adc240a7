/**
 * One error type for everything the CLI reports: a code, a message that names the thing, the exit
 * code DESIGN.md documents, and the AWS cause kept as it was.
 */
import { awsMessage, explainAwsFailure, isAccessDenied, isExpiredCredentials, isThrottling, operationOf } from './aws-error';

const OPERATION_KEY = '$xacctOperation';

export type ErrorCode = 'BAD_INPUT' | 'PRECONDITION' | 'NO_CREDENTIALS' | 'ACCESS_DENIED' | 'DEPLOY_FAILED' | 'INTERRUPTED' | 'THROTTLED' | 'INTERNAL';

/**
 * 0 success or nothing to do, 1 deployment failed, 2 bad input or unmet precondition; 3 only from
 * `xacct plan --detailed-exitcode`: changes are pending.
 */
export const EXIT = { OK: 0, FAILED: 1, BAD_INPUT: 2, CHANGES_PENDING: 3 } as const;

export class XacctError extends Error {
  /** Several failures reported together (StackSets of one wave): each kept with its own AWS cause. */
  readonly causes: unknown[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; causes?: unknown[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'XacctError';
    this.causes = options?.causes ?? [];
  }

  get exitCode(): number {
    return this.code === 'DEPLOY_FAILED' || this.code === 'INTERNAL' || this.code === 'INTERRUPTED' || this.code === 'THROTTLED' ? EXIT.FAILED : EXIT.BAD_INPUT;
  }
}

/**
 * The SDK could not read what came back: a proxy's HTML page, a non-AWS endpoint, a truncated body.
 * Its own text (`@aws-sdk XML parse error: ...`) means nothing to an operator.
 */
function isUnreadableResponse(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown; $response?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    e?.name === 'SyntaxError' ||
    /XML parse error|Deserialization error|Unexpected token|is not valid JSON|char \d+/i.test(message) ||
    (e?.$response !== undefined && !/^[A-Z]/.test(String(e?.name ?? '')))
  );
}

function httpStatus(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } } | undefined;
  return e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
}

/**
 * An AWS call that failed, as an XacctError naming what xacct was doing (`StackSet 'x'`, `stack 'y'
 * (eu-west-1)`) and the API (`DescribeStackSet` for CloudFormation, `s3:PutObject` for the others),
 * with AWS's message verbatim. Access denial, expired credentials and
 * throttling keep their own codes (and exit codes); an unreadable response says so without the
 * parser's text.
 */
export function awsFailure(what: string, api: string, err: unknown, code: ErrorCode = 'DEPLOY_FAILED'): XacctError {
  if (err instanceof XacctError) return err;
  const op = operationOf(err) ?? `cloudformation:${api}`;
  if (isUnreadableResponse(err)) {
    const status = httpStatus(err);
    return new XacctError(
      'DEPLOY_FAILED',
      `${what}: ${api} returned a response that is not an AWS API answer${status ? ` (HTTP ${status})` : ''}; check --endpoint-url / AWS_ENDPOINT_URL and any proxy in between (${op})`,
      { cause: err },
    );
  }
  // A call the guard middleware did not see (a stubbed client) is still named by its API.
  if (err && typeof err === 'object' && operationOf(err) === undefined)
    (err as Record<string, unknown>)[OPERATION_KEY] = api.includes(':') ? api : `cloudformation:${api}`;
  const explained = isAccessDenied(err) || isExpiredCredentials(err) || isThrottling(err) ? explainAwsFailure(err) : undefined;
  if (explained) return new XacctError(explained.code, `${what}: ${explained.message}`, { cause: err });
  return new XacctError(code, `${what}: ${api} failed: ${awsMessage(err)}`, { cause: err });
}

/** Run one AWS call; a failure becomes `awsFailure(what, api, err)`. */
export async function call<T>(what: string, api: string, fn: () => Promise<T>, code: ErrorCode = 'DEPLOY_FAILED'): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw awsFailure(what, api, err, code);
  }
}

/**
 * Several failures of one wave as one error. Every message is kept in full (each already names its
 * StackSet, API and AWS message); the exit code is 2 only when every failure is bad input.
 */
export function combine(errors: unknown[], noun = 'StackSets'): unknown {
  if (errors.length === 1) return errors[0];
  const messages = errors.map((e) => (e instanceof Error ? e.message : String(e)));
  const precondition = errors.every((e) => e instanceof XacctError && e.exitCode === EXIT.BAD_INPUT);
  const interrupted = errors.find((e) => e instanceof XacctError && e.code === 'INTERRUPTED');
  if (interrupted) return interrupted;
  return new XacctError(
    precondition ? 'PRECONDITION' : 'DEPLOY_FAILED',
    `${errors.length} ${noun} failed:\n${messages.map((m) => `- ${m.replace(/\n/g, '\n  ')}`).join('\n')}`,
    { causes: errors },
  );
}
