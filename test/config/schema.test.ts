/**
 * The published JSON Schema (dist/config.schema.json) checked with a standard validator (ajv,
 * draft 2020-12 as zod 4 writes it): every fixture config passes, and on the whole bad-config
 * corpus it rejects exactly the configs xacct rejects for their shape (the rules across fields,
 * such as a stage naming an undefined target, are xacct's alone).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { configJsonSchema, configShape, parseConfig } from '../../templates-src/config';
import { FIXTURE_CONFIGS, firstHourMistakes, mutationCorpus } from './corpus';
import type { Json } from '../support/json';

// The whole corpus through the schema and the config module took 9.4 s under `make test` on the loaded 2-core machine.
jest.setTimeout(60_000);

const published = JSON.parse(readFileSync(join(__dirname, '..', '..', 'dist', 'config.schema.json'), 'utf8'));
// strictRequired only objects to `required` in a one-of branch that lists no properties (they are the parent's): valid JSON Schema.
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(published);

test('the published schema is the one the config module writes', () => {
  expect(published).toEqual(configJsonSchema());
});

test.each(FIXTURE_CONFIGS.map((f) => [f.split('/').slice(-2).join('/'), f]))('fixture %s is valid for xacct and for the schema', (_name, file) => {
  const raw = parse(readFileSync(file, 'utf8'));
  expect(() => parseConfig(raw, file)).not.toThrow();
  expect(validate(raw) ? [] : validate.errors).toEqual([]);
});

test('on the bad-config corpus, the schema rejects exactly what xacct rejects for its shape', () => {
  const cases = [...firstHourMistakes(), ...mutationCorpus()];
  const disagree: string[] = [];
  let rejected = 0;
  for (const c of cases) {
    const byXacct = !configShape.safeParse(c.config).success;
    const bySchema = !validate(c.config);
    if (byXacct) rejected++;
    if (byXacct !== bySchema) disagree.push(`${c.name}: xacct ${byXacct ? 'rejects' : 'accepts'}, schema ${bySchema ? 'rejects' : 'accepts'}`);
  }
  expect(rejected).toBeGreaterThan(1000);
  expect(disagree.slice(0, 20)).toEqual([]);
});

test('the one-of choices are encoded: a stage with two deploy kinds, a source with two kinds', () => {
  const names = new Map(firstHourMistakes().map((c) => [c.name, c.config]));
  for (const name of ['two deploy kinds', 'two sources', 'no source kind']) expect([name, validate(names.get(name))]).toEqual([name, false]);
});

test('every property of the schema has a description', () => {
  const missing: string[] = [];
  const walk = (s: Record<string, Json>, path: string) => {
    for (const [k, v] of Object.entries<Record<string, Json>>(s.properties ?? {})) {
      if (!v.description) missing.push(`${path}${k}`);
      walk(v, `${path}${k}.`);
      if (v.items) walk(v.items, `${path}${k}[].`);
      if (typeof v.additionalProperties === 'object') walk(v.additionalProperties, `${path}${k}.*.`);
      for (const b of [...(v.oneOf ?? []), ...(v.anyOf ?? [])]) walk(b, `${path}${k}.`);
    }
  };
  walk(published, '');
  expect(missing).toEqual([]);
  expect(published.properties.prefix.pattern).toBeDefined();
  expect(published.properties.homeRegion.enum).toContain('eu-west-1');
});
