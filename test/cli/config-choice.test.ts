/**
 * Which config a command uses, and config mistakes that must stop it: AWS commands never fall back
 * to the embedded default; region typos, stage regions outside their target's, YAML-1.1 booleans and
 * unquoted account IDs exit 2 before anything is read or written; rule errors name the config file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FakeAws, standardOrg } from '../support/fake-aws';
import { parseConfig } from '../../templates-src/config';
import { cli, GOOD_CONFIG, scratch } from './support';

let fake: FakeAws;
beforeEach(() => {
  fake = standardOrg().install();
});
afterEach(() => fake.restore());

test.each(['deploy', 'plan', 'status', 'destroy'])('%s without --config and without xacct.yaml exits 2 and calls nothing', async (command) => {
  const r = await cli([command], { cwd: scratch() });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(
    'error: no config: pass --config FILE, or run where xacct.yaml, xacct.yml, xacct.json is (commands that call AWS never use the embedded default)\n',
  );
  expect(fake.calls).toEqual([]);
});

test('xacct.yaml in the current directory is used, and named', async () => {
  const r = await cli(['plan'], { cwd: scratch({ 'xacct.yaml': GOOD_CONFIG }) });
  expect(r.code).toBe(0);
  expect(r.stderr.split('\n')[0]).toBe('config: xacct.yaml (found in the current directory)');
  expect(fake.calls.length).toBeGreaterThan(0);
  expect(fake.mutatingCalls()).toEqual([]);
}, 30_000);

test('two candidate config files are ambiguous', async () => {
  const r = await cli(['plan'], { cwd: scratch({ 'xacct.yaml': GOOD_CONFIG, 'xacct.json': '{}' }) });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('found xacct.yaml and xacct.json in');
  expect(fake.calls).toEqual([]);
});

test('build without a config says it used the embedded default', async () => {
  const dir = scratch();
  const r = await cli(['build', '--out', join(dir, 'out')], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stderr.split('\n')[0]).toBe('config: the embedded default (three-account baseline); pass --config FILE or add xacct.yaml to use your own');
});

const badBuild = async (config: string) => {
  const dir = scratch({ 'acme.yaml': config });
  const r = await cli(['build', '--config', join(dir, 'acme.yaml'), '--out', join(dir, 'out')]);
  expect(existsSync(join(dir, 'out'))).toBe(false);
  expect(r.code).toBe(2);
  return r.stderr.split(join(dir, 'acme.yaml')).join('acme.yaml');
};

test('homeRegion: eu-wset-1 and regions: [eu-west-9] are refused at build, with the nearest regions', async () => {
  const err = await badBuild(
    GOOD_CONFIG.replace('homeRegion: eu-west-1', 'homeRegion: eu-wset-1').replace(
      'prod: { ous: [Root/Workloads/Prod] }',
      'prod: { ous: [Root/Workloads/Prod], regions: [eu-west-9] }',
    ),
  );
  expect(err).toContain('error: invalid config acme.yaml: 2 problems\n');
  expect(err).toContain('  homeRegion: "eu-wset-1" is not an AWS region; did you mean "eu-west-1"?\n');
  expect(err).toContain('  targets.prod.regions[0]: "eu-west-9" is not an AWS region; did you mean one of "eu-west-1", "eu-west-2", "eu-west-3"?\n');
});

test("a stage region outside its target's regions is refused", async () => {
  const err = await badBuild(
    GOOD_CONFIG.replace('prod: { ous: [Root/Workloads/Prod] }', 'prod: { ous: [Root/Workloads/Prod], regions: [eu-west-1] }').replace(
      'approval: true,',
      'approval: true, regions: [eu-west-1, us-east-1],',
    ),
  );
  expect(err).toContain(
    '  pipelines[0].stages[1].regions[1]: us-east-1 is not among the regions of target "prod" (eu-west-1); add it there or deploy this stage elsewhere\n',
  );
});

test('targets.<name>.regions is the default of a stage that names none', () => {
  const c = parseConfig({
    targets: { prod: { ous: ['Root/Prod'], regions: ['eu-west-1', 'us-east-1'] } },
    pipelines: [
      {
        name: 'app',
        source: { s3: { bucket: 'bbb', key: 'k' } },
        stages: [{ name: 'Prod', target: 'prod', cloudformation: { stackName: 's', template: 'B::t.yml' } }],
      },
    ],
  });
  expect(c.pipelines[0].stages[0].regions).toEqual(['eu-west-1', 'us-east-1']);
});

test('approval: yes and an unquoted account ID are each reported at their own path', async () => {
  const err = await badBuild(GOOD_CONFIG.replace('account: "333333333333"', 'account: 333333333333').replace('approval: true', 'approval: yes'));
  expect(err).toContain(
    '  pipelines[0].source.codecommit.account: expected a 12-digit AWS account ID as text; YAML read 333333333333 as a number: quote it ("333333333333")\n',
  );
  expect(err).toContain(
    '  pipelines[0].stages[1].approval: expected true, false, or { snsTopicArn, comment }: a manual approval before the stage, got the text "yes" (YAML 1.2 reads yes as text: write true or false)\n',
  );
  expect(err).not.toMatch(/Invalid input|received|Too small|Invalid key in record/);
});

test('pipelines app-1 and app1 exit 2 naming both', async () => {
  const two = `${GOOD_CONFIG}  - name: app-1\n    source: { s3: { bucket: drops, key: a.zip } }\n    stages: [{ name: QA, target: nonprod, cloudformation: { stackName: a, template: BuildOutput::t.yml } }]\n  - name: app1\n    source: { s3: { bucket: drops, key: b.zip } }\n    stages: [{ name: QA, target: nonprod, cloudformation: { stackName: b, template: BuildOutput::t.yml } }]\n`;
  const err = await badBuild(two);
  expect(err).toContain('  pipelines[2].name: pipeline "app1" and pipeline "app-1" (pipelines[1].name) both become logical ID "App1Pipeline"; rename one\n');
});

test('stages Non-Prod and NonProd exit 2 naming both', async () => {
  const err = await badBuild(GOOD_CONFIG.replace('name: Prod, target: prod', 'name: Non-Prod, target: prod'));
  expect(err).toContain(
    '  pipelines[0].stages[1].name: stage "Non-Prod" of pipeline "app" and stage "NonProd" of pipeline "app" (pipelines[0].stages[0].name) both become Parameter "AppNonProdAccountId"; rename one\n',
  );
});

test("a CodePipeline rule broken in the config is reported under the config file's name", async () => {
  const err = await badBuild(
    GOOD_CONFIG.replace(
      'cloudformation: { stackName: app, template: BuildOutput::template.yml } }\n      - { name: Prod',
      'custom: { provider: Jenkins } }\n      - { name: Prod',
    ),
  );
  expect(err).toMatch(
    /^config: acme\.yaml \(--config\)\nerror: invalid config acme\.yaml: 1 problem\n {2}pipelines\[0\]\.stages\[0\]\.custom: custom \(Jenkins-style\) actions cannot be cross-account/,
  );
});

test("CodePipeline's per-pipeline limits found with the real accounts (plan renders what deploy sends) name the config file", async () => {
  // Root/Workloads/Prod holds 20 accounts: 20 accounts x 13 regions x 2 actions = 520, over 500 per pipeline:
  // more accounts than the stage could ever reach, found while listing them.
  const regions =
    'eu-west-1, us-east-1, us-east-2, us-west-1, us-west-2, eu-central-1, eu-west-2, eu-west-3, eu-north-1, ap-south-1, ap-northeast-1, ap-southeast-1, ca-central-1';
  const dir = scratch({
    'acme.yaml': GOOD_CONFIG.replace('prod: { ous: [Root/Workloads/Prod] }', `prod: { ous: [Root/Workloads/Prod], regions: [${regions}] }`),
  });
  const r = await cli(['plan', '--config', 'acme.yaml'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /error: invalid config acme\.yaml: 1 problem\n {2}pipelines\[0\]\.stages\[1\]: stage "app\/Prod" deploys to target "prod", which holds more than 19 ACTIVE accounts \(listing stopped there\); .* here in 13 regions, /,
  );
  expect(fake.mutatingCalls()).toEqual([]);
}, 30_000);
