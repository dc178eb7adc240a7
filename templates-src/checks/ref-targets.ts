/**
 * ref-targets: every `Ref` names a parameter, a resource or a pseudo parameter of this template.
 */
import { intrinsics, referenceable } from './template-walk';
import { Check, reporter } from './types';

export const refTargets: Check = {
  rule: 'ref-targets',
  summary: 'Every Ref names a parameter, a resource or a pseudo parameter.',
  run(t) {
    const report = reporter(t, this.rule);
    const names = referenceable(t);
    return intrinsics(t)
      .filter((o) => o.fn === 'Ref')
      .filter((o) => typeof o.arg !== 'string' || !names.has(o.arg))
      .map((o) => report(o.owner, `Ref ${JSON.stringify(o.arg)} names no parameter, resource or pseudo parameter`));
  },
};
