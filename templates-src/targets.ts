/**
 * What the target groups of a config amount to before anything is read from AWS: whether any group
 * names OUs (the OU StackSets, auto-deployed) and which single accounts the groups name (the account
 * StackSets, not auto-deployed). Builders, placement and the deployer ask here, so "has OU targets"
 * means the same thing to a key policy and to the StackSet it must admit.
 */

interface TargetsOf {
  targets: Record<string, { ous?: string[]; accounts?: string[] }>;
}

/**
 * The key and bucket policies name every target account (`aws:PrincipalAccount`), so their number is
 * bounded like the OU paths' (templates-src/checks/iam-policy-size.ts proves both fit); more accounts
 * belong in OUs.
 */
export const MAX_TARGET_ACCOUNTS = 100;

/** Some target group names an OU: the OU StackSets exist and the policies admit by OU path. */
export function hasTargetOus(config: TargetsOf): boolean {
  return Object.values(config.targets).some((t) => (t.ous ?? []).length > 0);
}

/** Every account named in `targets.<name>.accounts`, once each, sorted. */
export function namedTargetAccounts(config: TargetsOf): string[] {
  return [...new Set(Object.values(config.targets).flatMap((t) => t.accounts ?? []))].sort();
}
