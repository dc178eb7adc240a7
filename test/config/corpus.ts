/**
 * A corpus of bad configs for the error-message and schema sweeps: every fixture config, each
 * mutated at every field (wrong types, empty values, a YAML-1.1 boolean, an unquoted account ID,
 * the key deleted or misspelled), plus the mistakes people make in their first hour. Deterministic.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const FIXTURE_CONFIGS = [
  ...readdirSync(join(__dirname, '..', 'fixtures', 'configs')).map((f) => join(__dirname, '..', 'fixtures', 'configs', f)),
  ...readdirSync(join(__dirname, '..', 'fixtures', 'lint'))
    .filter((f) => f.endsWith('.config.yml'))
    .map((f) => join(__dirname, '..', 'fixtures', 'lint', f)),
];

export interface Case {
  name: string;
  config: unknown;
}

type Json = unknown;
const REPLACEMENTS: Json[] = [123456789012, 12345678901, 'yes', true, null, [], {}, '', ' x ', -1, 1.5, 'eu-wset-1', ['a'], { x: 1 }];

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Every path to a value inside `v` (objects and arrays), shortest first. */
function paths(v: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...prefix, i], ...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...paths(x, [...prefix, k]));
  return out;
}

function setAt(root: Json, path: Array<string | number>, value: Json | typeof DELETE): Json {
  const copy = clone(root) as Record<string | number, Json>;
  let node = copy as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === DELETE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}
const DELETE = Symbol('delete');

function misspell(root: Json, path: Array<string | number>): Json | undefined {
  const last = path[path.length - 1];
  if (typeof last !== 'string' || last.length < 4) return undefined;
  const copy = clone(root) as Record<string, Json>;
  let node = copy as Record<string, Json>;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string, Json>;
  const typo = last.slice(0, 1) + last.slice(2, 3) + last.slice(1, 2) + last.slice(3);
  if (typo === last) return undefined;
  node[typo] = node[last];
  delete node[last];
  return copy;
}

/** The mistakes listed in issue 10 and their relatives, on a minimal valid config. */
export function firstHourMistakes(): Case[] {
  const stage = { name: 'Prod', target: 'prod', cloudformation: { stackName: 'app', template: 'BuildOutput::t.yml' } };
  const base = { targets: { prod: { ous: ['Root/Prod'] } }, pipelines: [{ name: 'app', source: { codecommit: { repository: 'app' } }, stages: [stage] }] };
  const withStage = (s: object) => ({ ...base, pipelines: [{ ...base.pipelines[0], stages: [{ ...stage, ...s }] }] });
  const withSource = (src: object) => ({ ...base, pipelines: [{ ...base.pipelines[0], source: src }] });
  return [
    { name: 'home region typo', config: { ...base, homeRegion: 'eu-wset-1' } },
    { name: 'region that does not exist', config: { ...base, targets: { prod: { ous: ['Root/Prod'], regions: ['eu-west-9'] } } } },
    { name: 'approval: yes', config: withStage({ approval: 'yes' }) },
    { name: 'unquoted account ID', config: withSource({ codecommit: { repository: 'app', account: 123456789012 } }) },
    { name: '11-digit account ID', config: withSource({ codecommit: { repository: 'app', account: 12345678901 } }) },
    { name: 'short account ID as text', config: withSource({ codecommit: { repository: 'app', account: '12345' } }) },
    { name: 'two sources', config: withSource({ codecommit: { repository: 'app' }, s3: { bucket: 'bbb', key: 'k' } }) },
    { name: 'no source kind', config: withSource({}) },
    { name: 'misspelled source kind', config: withSource({ codecomit: { repository: 'app' } }) },
    { name: 'two deploy kinds', config: withStage({ codedeploy: { application: 'a', deploymentGroup: 'g' } }) },
    { name: 'misspelled stage key', config: withStage({ cloudformaton: {} }) },
    { name: 'no targets', config: { pipelines: [] } },
    { name: 'empty stage list', config: { ...base, pipelines: [{ ...base.pipelines[0], stages: [] }] } },
    { name: 'bad target name', config: { targets: { 'my target': { ous: ['Root/Prod'] } } } },
    { name: 'misspelled top-level key', config: { ...base, homeregion: 'eu-west-1' } },
    { name: 'rollout choice typo', config: { ...base, rollout: { regionConcurrency: 'PARALEL' } } },
    { name: 'percentage out of range', config: { ...base, rollout: { maxConcurrentPercentage: 0 } } },
    { name: 'parameters value a list', config: withStage({ cloudformation: { ...stage.cloudformation, parameters: { Env: ['a'] } } }) },
    { name: 'approval object typo', config: withStage({ approval: { coment: 'x' } }) },
    { name: 'not a mapping', config: ['targets'] },
    { name: 'nothing', config: null },
  ];
}

/** Every fixture config, mutated at every field in every way above. */
export function mutationCorpus(): Case[] {
  const cases: Case[] = [];
  for (const file of FIXTURE_CONFIGS) {
    const raw = parse(readFileSync(file, 'utf8')) as Json;
    const short = file.split('/').slice(-2).join('/');
    for (const path of paths(raw)) {
      const at = path.join('.');
      for (const r of REPLACEMENTS) cases.push({ name: `${short}: ${at} = ${JSON.stringify(r)}`, config: setAt(raw, path, r) });
      cases.push({ name: `${short}: ${at} deleted`, config: setAt(raw, path, DELETE) });
      const typo = misspell(raw, path);
      if (typo !== undefined) cases.push({ name: `${short}: ${at} misspelled`, config: typo });
    }
  }
  return cases;
}
