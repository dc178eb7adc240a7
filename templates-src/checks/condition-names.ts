/**
 * condition-names: every condition a resource, an output, an `Fn::If` or a `{"Condition": ...}`
 * names is defined in the Conditions section.
 */
import type { Json } from '../cfn';
import { intrinsics, resources } from './template-walk';
import { Check, Finding, isObject, reporter, section, TemplateUnderCheck } from './types';

function conditionRefs(value: Json, out: string[]): void {
  if (Array.isArray(value)) value.forEach((v) => conditionRefs(v, out));
  else if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Condition' && typeof value.Condition === 'string') out.push(value.Condition);
    else Object.values(value).forEach((v) => conditionRefs(v, out));
  }
}

function named(t: TemplateUnderCheck): Array<{ owner: string; name: Json }> {
  const out: Array<{ owner: string; name: Json }> = [];
  for (const [id, r] of resources(t)) if (r.Condition !== undefined) out.push({ owner: id, name: r.Condition });
  for (const [id, o] of Object.entries(section(t, 'Outputs')))
    if (isObject(o) && o.Condition !== undefined) out.push({ owner: `Outputs.${id}`, name: o.Condition });
  for (const o of intrinsics(t)) if (o.fn === 'Fn::If' && Array.isArray(o.arg)) out.push({ owner: o.owner, name: o.arg[0] });
  for (const [id, c] of Object.entries(section(t, 'Conditions'))) {
    const refs: string[] = [];
    conditionRefs(c, refs);
    refs.forEach((name) => out.push({ owner: `Conditions.${id}`, name }));
  }
  return out;
}

export const conditionNames: Check = {
  rule: 'condition-names',
  summary: 'Every condition named by a resource, output, Fn::If or Condition function is defined.',
  run(t): Finding[] {
    const report = reporter(t, this.rule);
    const defined = section(t, 'Conditions');
    return named(t)
      .filter((n) => typeof n.name !== 'string' || !(n.name in defined))
      .map((n) => report(n.owner, `condition ${JSON.stringify(n.name)} is not defined in Conditions`));
  },
};
