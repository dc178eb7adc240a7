/**
 * No text of the schema library reaches the operator: every config of the corpus (each fixture
 * mutated at every field, and the first-hour mistakes) is parsed, and every problem must have a
 * field path and a message in xacct's words.
 */
import { checkPipelines } from '../../deploy/config-file';
import { ConfigError, parseConfig } from '../../templates-src/config';
import { firstHourMistakes, mutationCorpus } from './corpus';

/** zod's own phrasing (v4): any of these in a message means a raw library message leaked. */
const LIBRARY_TEXT =
  /Invalid input|expected \S+, received|Too small|Too big|Invalid key in record|Unrecognized key|Invalid string|Invalid option|Invalid element|must match pattern|Invalid (number|type|union)|received undefined/;

const results = new Map<unknown, Array<{ path: string; message: string }>>();
function problems(config: unknown): Array<{ path: string; message: string }> {
  if (!results.has(config)) results.set(config, check(config));
  return results.get(config)!;
}

function check(config: unknown): Array<{ path: string; message: string }> {
  try {
    checkPipelines(parseConfig(config, 'fuzz.yaml'), 'fuzz.yaml');
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

// Parsing the whole corpus (the first test) took 10.5 s under `make test` on the loaded 2-core machine.
jest.setTimeout(60_000);

const corpus = [...firstHourMistakes(), ...mutationCorpus()];

test('the corpus is large and mostly rejected', () => {
  expect(corpus.length).toBeGreaterThan(2000);
  const rejected = corpus.filter((c) => problems(c.config).length > 0).length;
  expect(rejected / corpus.length).toBeGreaterThan(0.8);
});

test("no message holds the schema library's phrasing, and every problem names a path", () => {
  const leaks: string[] = [];
  for (const c of corpus) {
    for (const p of problems(c.config)) {
      if (LIBRARY_TEXT.test(p.message) || p.message.trim() === '' || p.path.trim() === '') leaks.push(`${c.name} -> ${p.path}: ${p.message}`);
    }
  }
  expect(leaks.slice(0, 20)).toEqual([]);
});

test('every first-hour mistake is rejected with a message of its own', () => {
  const seen = new Map<string, string>();
  for (const c of firstHourMistakes()) {
    const found = problems(c.config);
    expect([c.name, found.length > 0]).toEqual([c.name, true]);
    const text = found.map((p) => `${p.path}: ${p.message}`).join('\n');
    expect([c.name, seen.get(text)]).toEqual([c.name, undefined]);
    seen.set(text, c.name);
  }
});

test('union fields report by their own path with their own expected shapes', () => {
  const m = Object.fromEntries(firstHourMistakes().map((c) => [c.name, problems(c.config).map((p) => `${p.path}: ${p.message}`)]));
  expect(m['approval: yes']).toEqual([
    'pipelines[0].stages[0].approval: expected true, false, or { snsTopicArn, comment }: a manual approval before the stage, got the text "yes" (YAML 1.2 reads yes as text: write true or false)',
  ]);
  expect(m['unquoted account ID']).toEqual([
    'pipelines[0].source.codecommit.account: expected a 12-digit AWS account ID as text; YAML read 123456789012 as a number: quote it ("123456789012")',
  ]);
  expect(m['11-digit account ID'][0]).toContain('(11 digits: if it began with 0, YAML dropped the 0): quote it ("012345678901")');
  expect(m['two sources']).toEqual(['pipelines[0].source: has codecommit and s3; keep exactly one of codecommit, s3, connection']);
  expect(m['misspelled source kind']).toEqual([
    'pipelines[0].source.codecomit: unknown key; expected exactly one of codecommit, s3, connection; did you mean "codecommit"?',
  ]);
  expect(m['no source kind'][0]).toMatch(/^pipelines\[0\]\.source: expected exactly one of codecommit/);
  expect(m['two deploy kinds']).toEqual([
    'pipelines[0].stages[0]: a stage needs exactly one of cloudformation, codedeploy, stackset, codebuild, lambda or custom; it has cloudformation and codedeploy',
  ]);
  expect(m['parameters value a list']).toEqual(['pipelines[0].stages[0].cloudformation.parameters.Env: expected text, a number or true/false, got a list']);
  expect(m['approval object typo']).toEqual(['pipelines[0].stages[0].approval.coment: unknown key; did you mean "comment"?']);
  expect(m['misspelled stage key']).toEqual(['pipelines[0].stages[0].cloudformaton: unknown key; did you mean "cloudformation"?']);
});

test('regions: typos get the nearest names', () => {
  const m = Object.fromEntries(firstHourMistakes().map((c) => [c.name, problems(c.config).map((p) => `${p.path}: ${p.message}`)]));
  expect(m['home region typo']).toEqual(['homeRegion: "eu-wset-1" is not an AWS region; did you mean "eu-west-1"?']);
  expect(m['region that does not exist']).toEqual([
    'targets.prod.regions[0]: "eu-west-9" is not an AWS region; did you mean one of "eu-west-1", "eu-west-2", "eu-west-3"?',
  ]);
});
