/** The destroy result as text, retained resources last with the commands that remove them. */
import type { DestroyResult } from './index';

export function renderDestroy(r: DestroyResult): string {
  const lines = [`destroyed (account ${r.account}, StackSets as ${r.callAs})`];
  for (const s of r.stackSets)
    lines.push(
      `  StackSet ${s.name}: ${s.instancesDeleted} instance${s.instancesDeleted === 1 ? '' : 's'} deleted${s.operations.length > 0 ? ` [${s.operations.join(', ')}]` : ''}, StackSet deleted`,
    );
  for (const s of r.stacks) lines.push(`  stack ${s.name} (${s.region}): deleted`);
  if (r.retained.length > 0) {
    lines.push('', `retained (DeletionPolicy Retain: data outlives the stacks; remove in this order when no longer needed):`);
    for (const x of r.retained) {
      lines.push(`  ${x.type} ${x.physicalId} (${x.region}, was ${x.logicalId} in ${x.stack})`);
      lines.push(`    ${x.remove}`);
    }
    if (r.retained.some((x) => x.type === 'AWS::S3::Bucket'))
      lines.push("  The access-log bucket receives the other buckets' logs: remove it last of the buckets.");
  }
  if (r.retainedInAccounts.length > 0) {
    lines.push('', 'retained in the target accounts (the app stacks deployed through them still need them; delete the app stacks first):');
    for (const x of r.retainedInAccounts) {
      const shown = x.accounts.length > 10 ? `${x.accounts.slice(0, 10).join(', ')} and ${x.accounts.length - 10} more` : x.accounts.join(', ');
      lines.push(
        `  ${x.type} ${x.name} (was ${x.logicalId} of StackSet ${x.stackSet}) in ${x.accounts.length} account${x.accounts.length === 1 ? '' : 's'}: ${shown}`,
      );
      lines.push(`    ${x.remove}`);
    }
  }
  return lines.join('\n');
}
