/**
 * Change-set stages at any size, against the in-memory organization: a target over CodePipeline's
 * 50 actions per stage is split into consecutive stages with every account once; a target without
 * accounts is left out (deploy and plan say so); a pipeline CodePipeline would refuse is refused
 * before the first mutating call; accounts that join or leave an OU show in plan and status until
 * deploy brings the pipeline up to date.
 */
import { describeFailure } from '../../deploy/cli';
import { parseConfig } from '../../templates-src/config';
import { CI_ACCOUNT, FakeAws } from '../support/fake-aws';
import { deploy } from '../support/deploy-harness';
import { plan, status } from '../support/ops-harness';

// About 2 s per test on the loaded 2-core machine.
jest.setTimeout(30_000);

type Stage = { Name: string; Actions: Array<{ Name: string; RoleArn?: { 'Fn::Sub': string } }> };

let fake: FakeAws;
afterEach(() => fake?.restore());

/** A CI account, `prodAccounts` accounts in Root/Workloads/Prod and an empty Root/Workloads/Staging. */
function org(prodAccounts: number, o: { managementCaller?: boolean; trustedAccess?: 'ENABLED' | 'DISABLED' } = {}): FakeAws {
  const f = new FakeAws({ orgPageSize: 20, cfnPageSize: 100, trustedAccess: o.trustedAccess });
  f.addAccount(f.ou('Root/Infrastructure'), CI_ACCOUNT, 'ACTIVE', 'ci');
  const prod = f.ou('Root/Workloads/Prod');
  f.ou('Root/Workloads/Staging');
  for (let i = 0; i < prodAccounts; i++) f.addAccount(prod, String(400000000000 + i));
  f.caller = o.managementCaller ? f.managementAccountId : CI_ACCOUNT;
  f.delegatedAdmins.add(CI_ACCOUNT);
  return f.install();
}

function config(stages: unknown[], regions = ['eu-west-1']) {
  return parseConfig({
    targets: { prod: { ous: ['Root/Workloads/Prod'], regions }, staging: { ous: ['Root/Workloads/Staging'] } },
    pipelines: [{ name: 'app', source: { codecommit: { repository: 'app' } }, stages }],
  });
}

const changeSets = (name: string, target: string, approval = false) => ({
  name,
  target,
  approval,
  cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' },
});
const stagesOf = (): Stage[] => JSON.parse(fake.stack('eu-west-1', 'xacct-pipeline')!.body).Resources.AppPipeline.Properties.Stages;
const accountOf = (a: Stage['Actions'][number]) => /iam::(\d{12}):role/.exec(a.RoleArn?.['Fn::Sub'] ?? '')?.[1];

describe('a change-set stage over 60 accounts', () => {
  test('is split into consecutive stages within 50 actions, in account-ID order, every account once', async () => {
    fake = org(60);
    const run = await deploy(config([changeSets('Prod', 'prod', true)]));
    expect(run.error).toBeUndefined();
    const stages = stagesOf();
    expect(stages.map((s) => [s.Name, s.Actions.length])).toEqual([
      ['Source', 1],
      ['Build', 1],
      ['ApproveProd', 1],
      ['Prod-1', 50],
      ['Prod-2', 50],
      ['Prod-3', 20],
    ]);
    const covered = stages.filter((s) => s.Name.startsWith('Prod-')).flatMap((s) => s.Actions.filter((a) => a.Name.startsWith('Prepare-')).map(accountOf));
    const expected = fake.accountsUnder(fake.ou('Root/Workloads/Prod'));
    expect(covered).toEqual(expected);
    expect(new Set(covered).size).toBe(60);
    // Each account's change set pair stays in one stage.
    for (const s of stages.filter((x) => x.Name.startsWith('Prod-'))) {
      const accounts = s.Actions.map(accountOf);
      expect(accounts.filter((_, i) => i % 2 === 0)).toEqual(accounts.filter((_, i) => i % 2 === 1));
    }
  });

  test('two regions halve the accounts per stage', async () => {
    fake = org(60);
    const run = await deploy(config([changeSets('Prod', 'prod')], ['eu-west-1', 'us-east-1']));
    expect(run.error).toBeUndefined();
    // 4 actions an account (2 regions x 2): 12 accounts, 48 actions a stage.
    expect(
      stagesOf()
        .filter((s) => s.Name.startsWith('Prod-'))
        .map((s) => s.Actions.length),
    ).toEqual([48, 48, 48, 48, 48]);
  });
});

describe('a target without an ACTIVE account', () => {
  test('its stage (and its approval) is left out, never an empty stage, and plan and deploy say so', async () => {
    fake = org(3);
    const cfg = config([changeSets('Staging', 'staging', true), changeSets('Prod', 'prod', true)]);
    const warning =
      'pipeline app: stage Staging is left out: target "staging" has no ACTIVE account (it comes back with the first account and the next deploy)';
    const planned = await plan(cfg);
    expect(planned.error).toBeUndefined();
    expect(planned.result!.warnings).toEqual([warning]);
    expect(planned.io.results[0].text).toContain(`warning: ${warning}`);
    const run = await deploy(cfg);
    expect(run.error).toBeUndefined();
    expect(run.io.text('warn')).toContain(warning);
    expect(stagesOf().map((s) => s.Name)).toEqual(['Source', 'Build', 'ApproveProd', 'Prod']);
    expect(stagesOf().every((s) => s.Actions.length > 0)).toBe(true);
    expect(JSON.parse(fake.stack('eu-west-1', 'xacct-pipeline')!.body).Resources.AppPipeline.Metadata).toEqual({ 'xacct:emptyStages': ['Staging'] });

    // The first account to join brings the stage in with the next deploy; plan says it joined.
    fake.addAccount(fake.ou('Root/Workloads/Staging'), '450000000000');
    const after = await plan(cfg);
    expect(after.result!.membership).toEqual([{ pipeline: 'app', stage: 'Staging', target: 'staging', joined: ['450000000000'], left: [] }]);
    expect((await deploy(cfg)).error).toBeUndefined();
    expect(stagesOf().map((s) => s.Name)).toEqual(['Source', 'Build', 'ApproveStaging', 'Staging', 'ApproveProd', 'Prod']);
  });
});

describe('a pipeline CodePipeline would refuse', () => {
  test('is refused by deploy before any mutating call (exit 2), even trusted access stays off', async () => {
    // Two change-set stages to 200 accounts: each fits on its own (249 at most), together 802 actions, over CodePipeline's 500 per pipeline.
    fake = org(200, { managementCaller: true, trustedAccess: 'DISABLED' });
    const run = await deploy(config([changeSets('Test', 'prod'), changeSets('Prod', 'prod')]));
    expect(run.error).toBeDefined();
    expect(fake.mutatingCalls()).toEqual([]);
    expect(fake.trustedAccess).toBe('DISABLED');
    const failure = describeFailure(run.error, { configName: 'xacct.yaml' });
    expect(failure.exitCode).toBe(2);
    expect(failure.message).toBe(
      'invalid config xacct.yaml: 1 problem\n' +
        '  pipelines[0].stages[0]: pipeline "app" needs 802 actions in 18 stages; CodePipeline allows 500 actions and 50 stages per pipeline. ' +
        'Stage "Test" deploys to 200 accounts (2 actions each); beside the rest of the pipeline 49 accounts fit. ' +
        'For targets of this size use a stackset: stage (one action whatever the number of accounts, and accounts that join the OUs later are covered).',
    );
  });

  test('a single stage to more accounts than any pipeline holds is refused while its accounts are listed: listing stops at the ceiling', async () => {
    // 300 accounts of change sets: 600 actions, over CodePipeline's 500 per pipeline whatever the rest of the pipeline.
    fake = org(300, { managementCaller: true, trustedAccess: 'DISABLED' });
    const run = await deploy(config([changeSets('Prod', 'prod')]));
    expect(fake.mutatingCalls()).toEqual([]);
    expect(fake.trustedAccess).toBe('DISABLED');
    const failure = describeFailure(run.error, { configName: 'xacct.yaml' });
    expect(failure.exitCode).toBe(2);
    expect(failure.message).toBe(
      'invalid config xacct.yaml: 1 problem\n' +
        '  pipelines[0].stages[0]: stage "app/Prod" deploys to target "prod", which holds more than 249 ACTIVE accounts (listing stopped there); ' +
        'a cloudformation stage takes two CodePipeline actions (prepare, execute) per account and region, here in 1 region, and CodePipeline allows 500 actions per pipeline, ' +
        'Source and Build included ("Quotas in AWS CodePipeline"). For targets of this size use a stackset: stage (one action whatever the number of accounts, ' +
        'and accounts that join the OUs later are covered), or aim the stage at a smaller target.',
    );
    // 250 accounts of 20 a page.
    expect(fake.count('ListAccountsForParent')).toBe(13);
  });

  test('the same organization deploys with a stackset: stage', async () => {
    fake = org(300);
    const run = await deploy(config([{ name: 'Prod', target: 'prod', stackset: { template: 'BuildOutput::template.yml' } }]));
    expect(run.error).toBeUndefined();
    expect(stagesOf().map((s) => [s.Name, s.Actions.length])).toEqual([
      ['Source', 1],
      ['Build', 1],
      ['Prod', 1],
    ]);
  });
});

describe('membership of a change-set stage', () => {
  test('plan and status list accounts that joined or left its OU since the pipeline was deployed; deploy reconciles', async () => {
    fake = org(4);
    const cfg = config([changeSets('Prod', 'prod')]);
    expect((await deploy(cfg)).error).toBeUndefined();
    const prod = fake.ou('Root/Workloads/Prod');
    fake.addAccount(prod, '460000000000');
    fake.accounts.get('400000000001')!.state = 'SUSPENDED';

    const expected = [{ pipeline: 'app', stage: 'Prod', target: 'prod', joined: ['460000000000'], left: ['400000000001'] }];
    const planned = await plan(cfg);
    expect(planned.result!.membership).toEqual(expected);
    expect(planned.result!.stacks.find((s) => s.name === 'xacct-pipeline')!.action).toBe('update');
    expect(planned.io.results[0].text).toContain(
      'pipeline app, stage Prod: accounts of target "prod" changed since the pipeline was deployed: 1 joined (460000000000), 1 left (400000000001); deploy updates the pipeline',
    );
    const st = await status(cfg);
    expect(st.result!.membership).toEqual(expected);
    expect(st.io.results[0].text).toContain('1 joined (460000000000), 1 left (400000000001); the next deploy updates the pipeline');

    const run = await deploy(cfg);
    expect(run.error).toBeUndefined();
    expect(run.io.text('info')).toContain('1 joined (460000000000), 1 left (400000000001); updating the pipeline');
    const accounts = stagesOf()
      .find((s) => s.Name === 'Prod')!
      .Actions.map(accountOf);
    expect([...new Set(accounts)]).toEqual(['400000000000', '400000000002', '400000000003', '460000000000']);
    expect((await plan(cfg)).result!.membership).toEqual([]);
  });
});
