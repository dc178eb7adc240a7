/** The width xacct's help is wrapped to: the terminal's, at most 100 columns; 100 where stdout is no terminal. */
export function helpWidth(columns: number | undefined): number {
  return Math.min(100, columns ?? 100);
}
