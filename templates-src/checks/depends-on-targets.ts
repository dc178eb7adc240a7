/**
 * depends-on-targets: every DependsOn entry names another resource of this template.
 */
import { resources } from './template-walk';
import { Check, reporter, section } from './types';

export const dependsOnTargets: Check = {
  rule: 'depends-on-targets',
  summary: 'Every DependsOn entry names another resource of the template.',
  run(t) {
    const report = reporter(t, this.rule);
    const all = section(t, 'Resources');
    return resources(t).flatMap(([id, r]) => {
      if (r.DependsOn === undefined) return [];
      const targets = Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn];
      return targets
        .filter((d) => typeof d !== 'string' || !(d in all) || d === id)
        .map((d) => report(id, d === id ? 'DependsOn names the resource itself' : `DependsOn ${JSON.stringify(d)} is not a resource of this template`));
    });
  },
};
