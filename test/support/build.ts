import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildDist, BuildResult } from '../../templates-src/build';
import { Config, parseConfig } from '../../templates-src/config';
import type { CfnTemplate } from '../../templates-src/cfn';
import type { Json } from './json';

export const FIXTURES = join(__dirname, '..', 'fixtures');
export const CONFIGS = ['default', 'two-ous'] as const;
/** Every config under test/fixtures/configs: each gets expected-JSON fixtures and build checks. */
export const ALL_CONFIGS = [
  'default',
  'two-ous',
  'cross-account-source',
  'codedeploy',
  'two-region',
  'stackset',
  'target-actions',
  'shared-source',
  'codedeploy-instance-role',
  'stores',
  'github',
  'accounts',
] as const;

/** A fixture config as written, before validation (to derive variants from it). */
export function configInput(name: string): Record<string, unknown> {
  return parse(readFileSync(join(FIXTURES, 'configs', `${name}.yml`), 'utf8')) as Record<string, unknown>;
}

export function fixtureConfig(name: string): Config {
  return parseConfig(configInput(name), `${name}.yml`);
}

const cache = new Map<string, BuildResult>();
export function built(name: string): BuildResult {
  let r = cache.get(name);
  if (!r) {
    // With the building blocks: every template is checked (fixtures, lint) against every config.
    r = buildDist(fixtureConfig(name), { buildingBlocks: true });
    cache.set(name, r);
  }
  return r;
}

export function template(config: string, name: string): CfnTemplate {
  const t = built(config).templates.get(name);
  if (!t) throw new Error(`no template '${name}' for config '${config}'`);
  return t;
}

/** Every statement of every policy document found anywhere under a value. */
export function statementsIn(value: unknown): Array<Record<string, Json>> {
  const out: Array<Record<string, Json>> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.Version === '2012-10-17' && Array.isArray(o.Statement)) out.push(...(o.Statement as Array<Record<string, Json>>));
      else Object.values(o).forEach(walk);
    }
  };
  walk(value);
  return out;
}

export function resourcesOfType(t: CfnTemplate, type: string): Array<[string, CfnTemplate['Resources'][string]]> {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
