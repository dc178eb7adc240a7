/**
 * iam-no-wildcard-allow: no policy Allows `*`, a whole service (`s3:*`) or everything but a list
 * (`NotAction`). Permissions boundaries are ceilings, not grants: a boundary's `Allow *` grants
 * nothing by itself, it only caps what the role's own policies can reach, so boundaries are exempt.
 */
import { actionList, allStatements, where } from './policy-documents';
import { Check, reporter } from './types';

export function isWholeServiceOrAll(action: string): boolean {
  return action === '*' || /^[a-z0-9-]+:\*$/i.test(action);
}

export const iamNoWildcardAllow: Check = {
  rule: 'iam-no-wildcard-allow',
  summary: 'No policy Allows * or service:* actions, or uses Allow with NotAction; permissions boundaries are ceilings and exempt.',
  run(t) {
    const report = reporter(t, this.rule);
    return allStatements(t)
      .filter((s) => s.statement.Effect === 'Allow' && s.policy.kind !== 'boundary')
      .flatMap((s) => {
        const wild = actionList(s.statement.Action).filter(isWholeServiceOrAll);
        const out = wild.map((a) => report(s.policy.resource, `${where(s)}: Allow of wildcard action '${a}'`));
        if (s.statement.NotAction !== undefined) out.push(report(s.policy.resource, `${where(s)}: Allow with NotAction grants every other action`));
        return out;
      });
  },
};
