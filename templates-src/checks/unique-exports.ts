/**
 * unique-exports: no two outputs, in one template or across the templates linted together that
 * deploy to the same accounts and region, export the same name (export names are unique per account
 * and region; CloudFormation rejects the second stack that tries).
 */
import type { Json } from '../cfn';
import { registry } from '../index';
import { Check, isObject, reporter, section, TemplateUnderCheck } from './types';

/** Export names as comparable text: the same expression gives the same name for the same prefix. */
function exportNames(t: TemplateUnderCheck): Array<{ output: string; key: string }> {
  return Object.entries(section(t, 'Outputs')).flatMap(([id, o]) => {
    if (!isObject(o) || !isObject(o.Export)) return [];
    return [{ output: id, key: JSON.stringify(o.Export.Name as Json) }];
  });
}

/**
 * Where a template's stacks live, from the registry. Every home-region template may share one
 * account: the CI account may sit inside a target OU (or be named as a target account), and a source
 * account may be a target too, so target, source and central templates are one scope; one instance of
 * a source template (`codecommit-source-<account>`) lands in its own account only, so two instances
 * never meet. A per-region central template (the regional artifact store) has one stack per extra
 * region, so it clashes with nothing else.
 */
export function deployScope(templateName: string): { scope: string; account?: string } {
  const base = templateName.split('/').pop() ?? templateName;
  const entry = registry.find((e) => e.name === base);
  const instance = entry ? undefined : registry.find((e) => e.instances && base.startsWith(`${e.name}-`));
  if (instance) return { scope: 'home-region', account: base.slice(instance.name.length + 1) };
  if (!entry) return { scope: 'unregistered' };
  return { scope: entry.regions ? `${entry.name}:each-extra-region` : 'home-region' };
}

/** Two templates whose stacks can land in the same account and region. */
export function shareAccount(a: string, b: string): boolean {
  const x = deployScope(a);
  const y = deployScope(b);
  return x.scope === y.scope && (x.account === undefined || y.account === undefined || x.account === y.account);
}

export const uniqueExports: Check = {
  rule: 'unique-exports',
  summary: 'Export names are unique within a template and across the templates that deploy to the same accounts and region.',
  run(t, ctx) {
    const report = reporter(t, this.rule);
    const mine = exportNames(t);
    return mine.flatMap(({ output, key }, i) => {
      const sameTemplate = mine
        .slice(0, i)
        .filter((m) => m.key === key)
        .map((m) => `${t.name} Outputs.${m.output}`);
      const others = ctx.all
        .filter((o) => o.name !== t.name && shareAccount(o.name, t.name))
        .flatMap((o) =>
          exportNames(o)
            .filter((m) => m.key === key)
            .map((m) => `${o.name} Outputs.${m.output}`),
        );
      const clashes = [...sameTemplate, ...others];
      return clashes.length > 0 ? [report(`Outputs.${output}`, `export name ${key} is also exported by ${clashes.join(', ')}`)] : [];
    });
  },
};
