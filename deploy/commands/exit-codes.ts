/** Exit code 2 as every command that calls AWS means it (DESIGN.md, the command line contract). */
export const AWS_EXIT_CODES: Array<[number, string]> = [
  [2, 'bad input or unmet precondition: config, arguments, credentials, profile, endpoint, unknown OU, not a delegated administrator (nothing changed)'],
];
