/**
 * AWS CLI arguments as text, for the dist README and `xacct params`: one shell word per argument,
 * and values in the CLI's shorthand syntax, where a comma separates key=value pairs ("Using
 * shorthand syntax in the AWS CLI"): a value holding a comma (or a quote, or a space) is
 * double-quoted, with `\` and `"` escaped, as the shorthand parser reads quoted values.
 */

/** Characters a POSIX shell reads literally outside quotes. */
const SHELL_PLAIN = /^[A-Za-z0-9_./:=,@%+-]+$/;

/** One shell word: as it is when nothing in it is special to the shell, else in single quotes. */
export function shellWord(word: string): string {
  return SHELL_PLAIN.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Characters the shorthand parser reads as part of one plain value. */
const SHORTHAND_PLAIN = /^[A-Za-z0-9_./:@*+-]+$/;

export function shorthandValue(value: string): string {
  return SHORTHAND_PLAIN.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `ParameterKey=K,ParameterValue=V` for StackSet commands, `K=V` for `aws cloudformation deploy` (which splits at the first `=`). */
export function parameterAssignment(kind: 'stack' | 'stackset', name: string, value: string): string {
  return kind === 'stack' ? `${name}=${value}` : `ParameterKey=${name},ParameterValue=${shorthandValue(value)}`;
}
