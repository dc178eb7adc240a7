import { parseConfig, ConfigError } from '../../templates-src/config';
import { planPipelines } from '../../templates-src/central/pipeline-plan';
import { pipelineProblems } from '../../templates-src/central/pipeline-rules';
import { validatedPlans } from '../../templates-src/central/pipeline';

const config = (stages: unknown[], source: unknown = { codecommit: { repository: 'app' } }) =>
  parseConfig({ targets: { nonprod: { ous: ['Root/NonProd'] }, prod: { ous: ['Root/Prod'] } }, pipelines: [{ name: 'app', source, stages }] });
const cfn = (extra: Record<string, unknown> = {}) => ({ stackName: 'app', template: 'BuildOutput::t.yml', ...extra });
const messages = (c: ReturnType<typeof config>) => pipelineProblems(c, planPipelines(c)).map((p) => `${p.path}: ${p.message}`);

describe('CodePipeline cross-account rules', () => {
  test('a valid three-account pipeline has no problems', () => {
    expect(
      messages(
        config([
          { name: 'A', target: 'nonprod', cloudformation: cfn() },
          { name: 'B', target: 'prod', approval: true, cloudformation: cfn() },
        ]),
      ),
    ).toEqual([]);
  });

  test('an artifact may not pass between two non-pipeline accounts', () => {
    const c = config([
      { name: 'A', target: 'nonprod', cloudformation: cfn({ outputFileName: 'out.json' }) },
      { name: 'B', target: 'prod', input: 'AOutput', cloudformation: cfn() },
    ]);
    expect(messages(c)).toEqual([
      'pipelines[0].stages[1].input: artifact "AOutput" would pass from the account in Parameter AppAAccountId to the account in Parameter AppBAccountId; CodePipeline passes artifacts only between the pipeline account and one other account. Add a build step in the pipeline account, or deploy the artifact from where it was made.',
    ]);
  });

  test('the same artifact may come back to the account that made it', () => {
    const c = config([
      { name: 'A', target: 'nonprod', cloudformation: cfn({ outputFileName: 'out.json' }) },
      { name: 'A2', target: 'nonprod', input: 'AOutput', cloudformation: cfn() },
    ]);
    const plans = planPipelines(c);
    // Same target, same account Parameter name is per stage: model one shared account explicitly.
    plans[0].stages[3].actions.forEach((a) => (a.account = { kind: 'account', id: '222222222222' }));
    plans[0].stages[2].actions.forEach((a) => (a.account = { kind: 'account', id: '222222222222' }));
    expect(pipelineProblems(c, plans)).toEqual([]);
  });

  test('an input artifact must be produced by an earlier stage', () => {
    expect(messages(config([{ name: 'A', target: 'prod', input: 'Nope', cloudformation: cfn() }]))[0]).toMatch(
      /^pipelines\[0\]\.stages\[0\]\.input: artifact "Nope" is not produced by an earlier stage \(known: SourceOutput, BuildOutput\)/,
    );
  });

  test('every action region needs an artifact store', () => {
    const c = config([{ name: 'P', target: 'prod', regions: ['eu-west-1', 'us-east-1'], cloudformation: cfn() }]);
    expect(pipelineProblems(c, planPipelines(c))).toEqual([]);
    expect(pipelineProblems(c, planPipelines(c), ['eu-west-1']).map((p) => p.message)).toEqual([
      'action "Prepare-Account-us-east-1" runs in us-east-1, which has no artifact store (stores: eu-west-1)',
      'action "Execute-Account-us-east-1" runs in us-east-1, which has no artifact store (stores: eu-west-1)',
    ]);
  });

  test('source actions belong in the first stage and the home region', () => {
    const c = config([{ name: 'P', target: 'prod', cloudformation: cfn() }]);
    const plans = planPipelines(c);
    const [source] = plans[0].stages[0].actions;
    plans[0].stages[0].actions = [];
    plans[0].stages[1].actions.unshift({ ...source, region: 'us-east-1' });
    expect(pipelineProblems(c, plans, ['eu-west-1', 'us-east-1']).map((p) => p.message)).toEqual([
      'source action "Source" must be in the first stage',
      'source action "Source" must run in the home region eu-west-1, not us-east-1',
    ]);
  });

  test('one account whose actions alone exceed 50 cannot be split, and the message points to fewer regions or stackset:', () => {
    const regions = [
      'eu-west-1',
      'eu-west-2',
      'eu-west-3',
      'eu-central-1',
      'eu-north-1',
      'us-east-1',
      'us-east-2',
      'us-west-1',
      'us-west-2',
      'ca-central-1',
      'sa-east-1',
      'ap-south-1',
      'ap-northeast-1',
      'ap-northeast-2',
      'ap-southeast-1',
      'ap-southeast-2',
      'af-south-1',
      'me-south-1',
      'eu-south-1',
      'ap-east-1',
      'il-central-1',
      'mx-central-1',
      'ap-southeast-3',
      'eu-central-2',
      'ap-south-2',
      'eu-south-2',
    ];
    const c = config([{ name: 'World', target: 'prod', regions, cloudformation: cfn() }]);
    expect(messages(c)).toEqual([
      'pipelines[0].stages[0]: stage "World" needs 52 actions (1 accounts x 26 regions x 2); CodePipeline allows 50 per stage, and one account\'s 52 actions do not fit one stage. Deploy to fewer regions per stage, or use a stackset: stage (one action whatever the number of accounts and regions).',
    ]);
  });

  test('Jenkins-style custom actions cannot be cross-account', () => {
    expect(messages(config([{ name: 'J', target: 'prod', custom: { provider: 'Jenkins' } }]))).toEqual([
      'pipelines[0].stages[0].custom: custom (Jenkins-style) actions cannot be cross-account: CodePipeline runs them only in the pipeline account. Use a cloudformation, codedeploy, codebuild or lambda stage, or a build step in the pipeline account.',
    ]);
  });

  test('the template builder refuses a broken pipeline with a ConfigError listing the problems', () => {
    const c = config([{ name: 'J', target: 'prod', custom: { provider: 'Jenkins' } }]);
    expect(() => validatedPlans(c)).toThrow(ConfigError);
    expect(() => validatedPlans(c)).toThrow(/pipelines\[0\]\.stages\[0\]\.custom: custom \(Jenkins-style\)/);
  });

  test('a stage needs exactly one kind of action', () => {
    expect(() => config([{ name: 'X', target: 'prod' }])).toThrow(
      /stages\[0\]: a stage needs exactly one of cloudformation, codedeploy, stackset, codebuild, lambda or custom/,
    );
  });
});
