/**
 * iam-no-wildcard-allow: no policy Allows `*`, a whole service (`s3:*`) or everything but a list
 * (`NotAction`). Permissions boundaries are ceilings, not grants: a boundary's `Allow *` grants
 * nothing by itself, it only caps what the role's own policies can reach, so boundaries are exempt.
 * So are the statements of the deployer's own policy (templates-src/deployer-policy.ts, which grants
 * service wildcards on prefix-named resources only) where a role carries it for `selfUpdate`: each
 * exactly as that function writes it, so any other wildcard on the same role still fails.
 */
import { deployerStatements } from '../central/pipeline-rollout';
import { actionList, allStatements, where } from './policy-documents';
import { Check, reporter } from './types';

let deployer: Set<string> | undefined;
/** Is this statement one of the deployer policy's, as a template carries it (intrinsics as JSON)? */
function isDeployerStatement(statement: unknown): boolean {
  deployer ??= new Set(deployerStatements().map((x) => JSON.stringify(x)));
  return deployer.has(JSON.stringify(statement));
}

export function isWholeServiceOrAll(action: string): boolean {
  return action === '*' || /^[a-z0-9-]+:\*$/i.test(action);
}

export const iamNoWildcardAllow: Check = {
  rule: 'iam-no-wildcard-allow',
  summary:
    "No policy Allows * or service:* actions, or uses Allow with NotAction; permissions boundaries are ceilings and exempt, and so are the deployer policy's own statements.",
  run(t) {
    const report = reporter(t, this.rule);
    return allStatements(t)
      .filter((s) => s.statement.Effect === 'Allow' && s.policy.kind !== 'boundary' && !isDeployerStatement(s.statement))
      .flatMap((s) => {
        const wild = actionList(s.statement.Action).filter(isWholeServiceOrAll);
        const out = wild.map((a) => report(s.policy.resource, `${where(s)}: Allow of wildcard action '${a}'`));
        if (s.statement.NotAction !== undefined) out.push(report(s.policy.resource, `${where(s)}: Allow with NotAction grants every other action`));
        return out;
      });
  },
};
