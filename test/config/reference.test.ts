/**
 * The README's Config reference is the JSON Schema's descriptions and defaults, rendered: this test
 * fails when the two differ (UPDATE=1 writes the table into the README).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReferenceRows, configReferenceTable } from '../../templates-src/config-reference';

const README = join(__dirname, '..', '..', 'README.md');
const START = /<!-- config-reference: generated[^\n]*-->\n/;
const END = '<!-- config-reference: end -->';

test("the README's Config reference table is the one rendered from the schema", () => {
  const text = readFileSync(README, 'utf8');
  const start = START.exec(text);
  expect(start).not.toBeNull();
  const from = start!.index + start![0].length;
  const to = text.indexOf(END, from);
  expect(to).toBeGreaterThan(from);
  const table = `${configReferenceTable()}\n`;
  if (process.env.UPDATE) writeFileSync(README, text.slice(0, from) + table + text.slice(to));
  else expect(text.slice(from, to)).toBe(table);
});

test('every field of the config has a description, and required fields say so', () => {
  const rows = configReferenceRows();
  expect(rows.length).toBeGreaterThan(50);
  expect(rows.filter((r) => r.meaning.trim() === '').map((r) => r.key)).toEqual([]);
  expect(rows.find((r) => r.key === 'targets')?.default).toBe('required');
  expect(rows.find((r) => r.key === 'pipelines[].stages[].name')?.default).toBe('required');
  expect(rows.find((r) => r.key === 'prefix')?.default).toBe('`xacct`');
});
