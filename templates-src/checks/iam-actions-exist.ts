/**
 * iam-actions-exist: every action in every policy exists in IAM's service authorization data; an
 * action with wildcards must match at least one real action of a real service.
 */
import { actionList, allStatements, where } from './policy-documents';
import { ActionCatalog, Check, reporter, TemplateUnderCheck } from './types';

function wildcardRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Why an action string names nothing, or undefined when it names at least one action. */
export function actionProblem(iam: ActionCatalog, action: string): string | undefined {
  if (action === '*') return undefined;
  const colon = action.indexOf(':');
  if (colon <= 0) return `'${action}' is not service:action`;
  const service = action.slice(0, colon).toLowerCase();
  const known = iam.actions(service);
  if (!known) return `service prefix '${service}' does not exist`;
  const re = wildcardRegExp(action.slice(colon + 1));
  return known.some((a) => re.test(a)) ? undefined : `'${action}' matches no ${service} action`;
}

export const iamActionsExist: Check = {
  rule: 'iam-actions-exist',
  summary: 'Every action in every policy exists (wildcards must match at least one action).',
  run(t, ctx) {
    if (!ctx.iam) throw new Error('iam-actions-exist needs the IAM action catalog (ctx.iam)');
    const iam = ctx.iam;
    const report = reporter(t, this.rule);
    return allStatements(t).flatMap((s) =>
      [...actionList(s.statement.Action), ...actionList(s.statement.NotAction)].flatMap((a) => {
        const problem = actionProblem(iam, a);
        return problem ? [report(s.policy.resource, `${where(s)}: ${problem}`)] : [];
      }),
    );
  },
};

/** Service prefixes the templates' policies name, so the catalog loads only those. */
export function servicesUsed(templates: readonly TemplateUnderCheck[]): Set<string> {
  const out = new Set<string>();
  for (const t of templates) {
    for (const s of allStatements(t)) {
      for (const a of [...actionList(s.statement.Action), ...actionList(s.statement.NotAction)]) {
        if (a.includes(':')) out.add(a.slice(0, a.indexOf(':')).toLowerCase());
      }
    }
  }
  return out;
}
