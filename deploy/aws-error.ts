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
