/**
 * The CI account may sit inside a target OU, or be named as a target account, and a source account
 * may be a target too: then target, source and central templates deploy into one account and home
 * region. CloudFormation export names and SSM parameter names are unique per account and region, so
 * across every home-region template of each fixture config no two may coincide.
 */
import { registry } from '../../templates-src/index';
import { ALL_CONFIGS, built } from '../support/build';

function namesOf(template: unknown, kind: 'export' | 'ssm'): string[] {
  const t = template as {
    Outputs?: Record<string, { Export?: { Name?: unknown } }>;
    Resources: Record<string, { Type: string; Properties?: { Name?: unknown } }>;
  };
  if (kind === 'export') return Object.values(t.Outputs ?? {}).flatMap((o) => (o.Export ? [JSON.stringify(o.Export.Name)] : []));
  return Object.values(t.Resources).flatMap((r) => (r.Type === 'AWS::SSM::Parameter' ? [JSON.stringify(r.Properties?.Name)] : []));
}

describe.each(ALL_CONFIGS)('the %s config', (config) => {
  const homeRegion = [...built(config).templates].filter(([name]) => !registry.find((e) => e.name === name)?.regions);
  test.each(['export', 'ssm'] as const)('no two home-region templates share an %s name', (kind) => {
    const owners = new Map<string, string[]>();
    for (const [name, t] of homeRegion) for (const n of namesOf(t, kind)) owners.set(n, [...(owners.get(n) ?? []), name]);
    expect([...owners].filter(([, o]) => o.length > 1)).toEqual([]);
    expect(owners.size).toBeGreaterThan(3);
  });
});
