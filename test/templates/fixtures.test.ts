/**
 * Expected-JSON fixtures: one per template per config. Regenerate with `UPDATE=1 npx jest fixtures`
 * and review the diff.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { built, ALL_CONFIGS, FIXTURES } from '../support/build';

const UPDATE = process.env.UPDATE === '1';

describe.each(ALL_CONFIGS)('fixtures for the %s config', (config) => {
  const dir = join(FIXTURES, 'expected', config);
  const { templates } = built(config);
  if (UPDATE) mkdirSync(dir, { recursive: true });

  test.each([...templates.keys()])('%s matches its expected JSON', (name) => {
    const file = join(dir, `${name}.template.json`);
    const actual = JSON.stringify(templates.get(name), null, 2) + '\n';
    if (UPDATE) writeFileSync(file, actual);
    expect(existsSync(file)).toBe(true);
    expect(actual).toBe(readFileSync(file, 'utf8'));
  });

  test('no fixture is left for a template the config no longer produces', () => {
    const names = readdirSync(dir).map((f) => f.replace(/\.template\.json$/, ''));
    expect(names.sort()).toEqual([...templates.keys()].sort());
  });
});
