/**
 * getatt-targets: every `Fn::GetAtt` names a resource of this template and an attribute that the
 * resource type has in the current CloudFormation registry data.
 */
import type { SpecLookup } from './spec';
import { getAttParts, intrinsics } from './template-walk';
import { Check, isObject, reporter, section, TemplateUnderCheck } from './types';

/** Why `resource.attribute` cannot be read, or undefined when it can. Shared with `${Res.Attr}` in Fn::Sub. */
export function attributeProblem(t: TemplateUnderCheck, spec: SpecLookup | undefined, resource: string, attribute: string): string | undefined {
  const r = section(t, 'Resources')[resource];
  if (!isObject(r)) return `'${resource}' is not a resource of this template`;
  const type = String(r.Type ?? '');
  if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return undefined;
  if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return undefined;
  const found = spec?.resource(type);
  if (!found) return undefined;
  return attribute in found.attributes
    ? undefined
    : `${type} has no attribute '${attribute}'; it has ${Object.keys(found.attributes).sort().join(', ') || 'none'}`;
}

export const getAttTargets: Check = {
  rule: 'getatt-targets',
  summary: 'Every Fn::GetAtt names a resource of the template and an attribute its type has.',
  run(t, ctx) {
    const report = reporter(t, this.rule);
    return intrinsics(t)
      .filter((o) => o.fn === 'Fn::GetAtt')
      .flatMap((o) => {
        const parts = getAttParts(o.arg);
        if (!parts) return [report(o.owner, `Fn::GetAtt ${JSON.stringify(o.arg)} is not [resource, attribute]`)];
        const problem = attributeProblem(t, ctx.spec, parts.resource, parts.attribute);
        return problem ? [report(o.owner, `Fn::GetAtt ${parts.resource}.${parts.attribute}: ${problem}`)] : [];
      });
  },
};
