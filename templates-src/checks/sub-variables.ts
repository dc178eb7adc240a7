/**
 * sub-variables: every `${Name}` in an `Fn::Sub` is a parameter, resource, pseudo parameter or a key
 * of the Sub's own variable map, and every `${Resource.Attribute}` is a readable attribute.
 */
import { attributeProblem } from './getatt-targets';
import { intrinsics, referenceable, subParts, subVariables } from './template-walk';
import { Check, reporter } from './types';

export const subVariablesCheck: Check = {
  rule: 'sub-variables',
  summary: 'Every ${...} in Fn::Sub resolves to a parameter, resource, pseudo parameter, Sub variable or resource attribute.',
  run(t, ctx) {
    const report = reporter(t, this.rule);
    const names = referenceable(t);
    return intrinsics(t)
      .filter((o) => o.fn === 'Fn::Sub')
      .flatMap((o) => {
        const parts = subParts(o.arg);
        if (!parts) return [report(o.owner, `Fn::Sub ${JSON.stringify(o.arg)} is neither a string nor [string, variables]`)];
        return subVariables(parts.text).flatMap((v) => {
          if (names.has(v) || v in parts.vars) return [];
          const dot = v.indexOf('.');
          const problem = dot > 0 ? attributeProblem(t, ctx.spec, v.slice(0, dot), v.slice(dot + 1)) : `'${v}' is not defined`;
          return problem ? [report(o.owner, `Fn::Sub variable \${${v}}: ${problem}`)] : [];
        });
      });
  },
};
