/**
 * unique-exports: no two outputs, in one template or across the templates linted together, export
 * the same name (CloudFormation rejects the second stack that tries).
 */
import type { Json } from '../cfn';
import { Check, isObject, reporter, section, TemplateUnderCheck } from './types';

/** Export names as comparable text: the same expression gives the same name for the same prefix. */
function exportNames(t: TemplateUnderCheck): Array<{ output: string; key: string }> {
  return Object.entries(section(t, 'Outputs')).flatMap(([id, o]) => {
    if (!isObject(o) || !isObject(o.Export)) return [];
    return [{ output: id, key: JSON.stringify(o.Export.Name as Json) }];
  });
}

export const uniqueExports: Check = {
  rule: 'unique-exports',
  summary: 'Export names are unique within a template and across the templates linted together.',
  run(t, ctx) {
    const report = reporter(t, this.rule);
    const mine = exportNames(t);
    return mine.flatMap(({ output, key }, i) => {
      const sameTemplate = mine.slice(0, i).filter((m) => m.key === key).map((m) => `${t.name} Outputs.${m.output}`);
      const others = ctx.all
        .filter((o) => o.name !== t.name)
        .flatMap((o) => exportNames(o).filter((m) => m.key === key).map((m) => `${o.name} Outputs.${m.output}`));
      const clashes = [...sameTemplate, ...others];
      return clashes.length > 0 ? [report(`Outputs.${output}`, `export name ${key} is also exported by ${clashes.join(', ')}`)] : [];
    });
  },
};
