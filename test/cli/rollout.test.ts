/**
 * `xacct rollout` as a CLI command: bad flags exit 2 naming the flag and what exists, before
 * anything is read from AWS; the preview's summary stays within what the approval shows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PREVIEW_SUMMARY } from '../../templates-src/central/pipeline-rollout';
import { previewSummary } from '../../deploy/rollout/preview';
import type { StackSetPreview } from '../../deploy/plan/report';
import { fixtureConfig } from '../support/build';
import { FakeAws, standardOrg } from '../support/fake-aws';
import { cli, configFile } from '../support/ops-harness';

let fake: FakeAws;
beforeEach(() => {
  fake = standardOrg({ accounts: 5 }).install();
});
afterEach(() => fake.restore());

const template = () => {
  const file = join(mkdtempSync(join(tmpdir(), 'xacct-rollout-cli-')), 'template.json');
  writeFileSync(file, JSON.stringify({ Resources: { T: { Type: 'AWS::SNS::Topic' } } }));
  return file;
};
const rollout = (...args: string[]) => cli(['rollout', '--config', configFile(fixtureConfig('stackset')), ...args]);

test.each([
  [['--pipeline', 'ap', '--stage', 'Prod'], 'error: --pipeline "ap": no such pipeline in the config; did you mean "app"? (pipelines: app)'],
  [
    ['--pipeline', 'app', '--stage', 'Prd'],
    'error: --stage "Prd": pipeline "app" has no such stage; did you mean "Prod"? (its stackset: stages: NonProd, Prod)',
  ],
  [['--pipeline', 'app', '--stage', 'Prod', '--summary-file', 'x.txt'], 'error: --summary-file goes with --preview'],
])('%j exits 2 before any call to AWS', async (args, message) => {
  const r = await rollout(...args, '--template', template());
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(message);
  expect(fake.calls).toEqual([]);
});

test('a template that is not there exits 2 naming the flag; a missing flag is refused by the parser', async () => {
  const r = await rollout('--pipeline', 'app', '--stage', 'Prod', '--template', '/nonexistent/template.yml');
  expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('error: --template /nonexistent/template.yml: no such file')]);
  const missing = await rollout('--pipeline', 'app', '--stage', 'Prod');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('template');
  expect(fake.calls).toEqual([]);
});

test('a stage that is not a stackset: stage is named as such', async () => {
  const r = await cli(['rollout', '--config', configFile(fixtureConfig('default')), '--pipeline', 'app', '--stage', 'Prod', '--template', template()]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('error: stage "Prod" of pipeline "app" is not a stackset: stage (its stackset: stages: none)');
});

test("the preview's summary is cut to what the approval shows, whatever the change", () => {
  const preview: StackSetPreview = {
    name: 'xacct-app-Prod',
    action: 'update',
    reasons: ['template changed', `parameters changed: ${Array.from({ length: 60 }, (_, i) => `Parameter${i}`).join(', ')}`],
    runningOperations: [],
    parameters: Array.from({ length: 60 }, (_, i) => ({ key: `Parameter${i}`, from: 'a', to: 'b' })),
    add: [],
    remove: [],
    accountsAffected: 5000,
    affectedAccounts: [],
    operations: [{ kind: 'update', description: 'update', accounts: 5000, regions: ['eu-west-1'], waves: 1, seconds: 60 }],
    estimate: { waves: 1, seconds: 60, text: '60 s' },
    warnings: [],
  };
  const summary = previewSummary(preview);
  expect(summary.length).toBe(MAX_PREVIEW_SUMMARY);
  expect(summary).toMatch(/^StackSet xacct-app-Prod: update \(template changed; parameters changed: Parameter0, /);
  expect(summary.endsWith('...')).toBe(true);
});
