/**
 * One error type for everything the CLI reports: a code, a message that names the thing, the exit
 * code DESIGN.md documents, and the AWS cause kept as it was.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'PRECONDITION'
  | 'NO_CREDENTIALS'
  | 'ACCESS_DENIED'
  | 'DEPLOY_FAILED'
  | 'INTERRUPTED'
  | 'THROTTLED'
  | 'INTERNAL';

/**
 * 0 success or nothing to do, 1 deployment failed, 2 bad input or unmet precondition; 3 only from
 * `xacct plan --detailed-exitcode`: changes are pending.
 */
export const EXIT = { OK: 0, FAILED: 1, BAD_INPUT: 2, CHANGES_PENDING: 3 } as const;

export class XacctError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'XacctError';
  }

  get exitCode(): number {
    return this.code === 'DEPLOY_FAILED' || this.code === 'INTERNAL' || this.code === 'INTERRUPTED' || this.code === 'THROTTLED' ? EXIT.FAILED : EXIT.BAD_INPUT;
  }
}
