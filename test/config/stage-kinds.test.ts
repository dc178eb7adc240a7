/**
 * The stage kinds stackset:, codebuild: and lambda:, and selfUpdate, as the config sees them: each
 * rule refuses its broken config with the field's path and what to change; CodePipeline's
 * cross-account rules hold for the new actions.
 */
import { ConfigError, parseConfig } from '../../templates-src/config';
import { planPipelines } from '../../templates-src/central/pipeline-plan';
import { pipelineProblems } from '../../templates-src/central/pipeline-rules';
import { stageStackSetProblems } from '../../deploy/config-file';

const base = (stages: unknown[], extra: Record<string, unknown> = {}, pipeline: Record<string, unknown> = {}) => ({
  targets: { nonprod: { ous: ['Root/NonProd'] }, prod: { ous: ['Root/Prod'], regions: ['eu-west-1', 'us-east-1'] } },
  pipelines: [{ name: 'app', source: { codecommit: { repository: 'app' } }, stages, ...pipeline }],
  ...extra,
});

function problems(input: unknown): string[] {
  try {
    parseConfig(input);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

const stackset = (extra: Record<string, unknown> = {}) => ({ template: 'BuildOutput::template.yml', ...extra });

describe('stackset: stages', () => {
  test('a valid stage parses with its defaults: regions from the target, preferences from rollout', () => {
    const c = parseConfig(base([{ name: 'Prod', target: 'prod', stackset: stackset({ rollout: { maxConcurrentPercentage: 25 } }) }]));
    expect(c.pipelines[0].stages[0].regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(c.pipelines[0].stages[0].stackset!.rollout).toEqual({ maxConcurrentPercentage: 25 });
  });

  test('the stage name becomes a StackSet name: letters, digits and hyphens only', () => {
    expect(problems(base([{ name: 'Prod.EU', target: 'prod', stackset: stackset() }]))).toEqual([
      'pipelines[0].stages[0].name: stage "Prod.EU" names the StackSet xacct-app-Prod.EU, but StackSet names hold only letters, digits and hyphens; rename the stage',
    ]);
  });

  test('two stages of two pipelines may not become one StackSet', () => {
    const input = {
      targets: { prod: { ous: ['Root/Prod'] } },
      pipelines: [
        { name: 'a-b', source: { codecommit: { repository: 'x' } }, stages: [{ name: 'c', target: 'prod', stackset: stackset() }] },
        { name: 'a', source: { codecommit: { repository: 'y' } }, stages: [{ name: 'b-c', target: 'prod', stackset: stackset() }] },
      ],
    };
    expect(problems(input)).toEqual([
      'pipelines[1].stages[0].name: stage "b-c" of pipeline "a" and stage "c" of pipeline "a-b" (pipelines[0].stages[0].name) both become Parameter "ABCAccountId"; rename one',
      'pipelines[1].stages[0].name: stage "b-c" of pipeline "a" and stage "c" of pipeline "a-b" both become the StackSet xacct-a-b-c; rename one',
    ]);
  });

  test('regions once, within the target', () => {
    expect(problems(base([{ name: 'Prod', target: 'prod', regions: ['eu-west-1'], stackset: stackset({ regions: ['eu-west-1'] }) }]))).toEqual([
      'pipelines[0].stages[0].stackset.regions: the stage names regions already; give them once, in regions or in stackset.regions',
    ]);
    expect(problems(base([{ name: 'Prod', target: 'prod', stackset: stackset({ regions: ['eu-central-1'] }) }]))).toEqual([
      'pipelines[0].stages[0].stackset.regions[0]: eu-central-1 is not among the regions of target "prod" (eu-west-1, us-east-1); add it there or deploy this stage elsewhere',
    ]);
  });

  test("the stage reads its template's artifact, no other input", () => {
    expect(problems(base([{ name: 'Prod', target: 'prod', input: 'SourceOutput', stackset: stackset() }]))).toEqual([
      'pipelines[0].stages[0].input: a stackset: stage reads its template\'s artifact (BuildOutput); input "SourceOutput" would be another',
    ]);
  });

  test('the rollout preferences are checked field by field', () => {
    expect(
      problems(base([{ name: 'Prod', target: 'prod', stackset: stackset({ rollout: { maxConcurrentPercentage: 0, regionConcurency: 'PARALLEL' } }) }])),
    ).toEqual([
      'pipelines[0].stages[0].stackset.rollout.maxConcurrentPercentage: expected 1 or more, got 0',
      'pipelines[0].stages[0].stackset.rollout.regionConcurency: unknown key; did you mean "regionConcurrency"?',
    ]);
  });

  test('a StackSet xacct gives its own StackSets is refused (config load, before anything reads AWS)', () => {
    const c = parseConfig({
      targets: { prod: { ous: ['Root/Prod'] } },
      pipelines: [{ name: 'cross', source: { codecommit: { repository: 'x' } }, stages: [{ name: 'account-role', target: 'prod', stackset: stackset() }] }],
    });
    expect(stageStackSetProblems(c).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'pipelines[0].stages[0].name: stage "account-role" of pipeline "cross" would be the StackSet xacct-cross-account-role, a name xacct gives its own StackSets (xacct-cross-account-role); rename the stage',
    ]);
    expect(stageStackSetProblems(parseConfig(base([{ name: 'Prod', target: 'prod', stackset: stackset() }])))).toEqual([]);
  });
});

describe('codebuild: and lambda: stages', () => {
  test('a CodeBuild project in target accounts needs the automation role to read artifacts', () => {
    expect(problems(base([{ name: 'Migrate', target: 'prod', codebuild: { project: 'migrate' } }]))).toEqual([
      "pipelines[0].stages[0].codebuild: the project reads the pipeline's artifacts with its service role, and the artifact key and bucket admit only xacct's roles: set automationRole: true and give the project the service role xacct-automation",
    ]);
    expect(problems(base([{ name: 'Migrate', target: 'prod', codebuild: { project: 'migrate' } }], { automationRole: true }))).toEqual([]);
  });

  test('names are checked: a project name, a function name with an optional alias or version', () => {
    expect(problems(base([{ name: 'Smoke', target: 'prod', lambda: { function: 'fn/bad' } }]))).toEqual([
      'pipelines[0].stages[0].lambda.function: expected a Lambda function name, optionally with :version or :alias',
    ]);
    expect(problems(base([{ name: 'Smoke', target: 'prod', lambda: { function: 'smoke:$LATEST' } }]))).toEqual([]);
    expect(problems(base([{ name: 'B', target: 'prod', codebuild: { project: 'x' } }], { automationRole: true }))).toEqual([
      'pipelines[0].stages[0].codebuild.project: expected a CodeBuild project name',
    ]);
  });

  test("an artifact a codebuild: stage writes in one account cannot reach a stage in another (CodePipeline's cross-account rule)", () => {
    const c = parseConfig(
      base(
        [
          { name: 'A', target: 'nonprod', codebuild: { project: 'make', outputArtifact: true } },
          { name: 'B', target: 'prod', input: 'AOutput', lambda: { function: 'use' } },
        ],
        { automationRole: true },
      ),
    );
    expect(pipelineProblems(c, planPipelines(c)).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'pipelines[0].stages[1].input: artifact "AOutput" would pass from the account in Parameter AppAAccountId to the account in Parameter AppBAccountId; CodePipeline passes artifacts only between the pipeline account and one other account. Add a build step in the pipeline account, or deploy the artifact from where it was made.',
    ]);
  });

  test('their actions run in every region of the stage, each with an artifact store', () => {
    const c = parseConfig(base([{ name: 'Smoke', target: 'prod', lambda: { function: 'smoke' } }]));
    const stage = planPipelines(c)[0].stages.find((s) => s.name === 'Smoke')!;
    expect(stage.actions.map((a) => [a.name, a.kind, a.region])).toEqual([
      ['Invoke-Account-eu-west-1', 'lambda', 'eu-west-1'],
      ['Invoke-Account-us-east-1', 'lambda', 'us-east-1'],
    ]);
    expect(pipelineProblems(c, planPipelines(c), ['eu-west-1']).map((p) => p.message)).toEqual([
      'action "Invoke-Account-us-east-1" runs in us-east-1, which has no artifact store (stores: eu-west-1)',
    ]);
  });
});

describe('selfUpdate', () => {
  test('adds UpdatePipeline after Source, which no stage may be called', () => {
    const c = parseConfig(base([{ name: 'Prod', target: 'prod', stackset: stackset() }], {}, { selfUpdate: true }));
    expect(planPipelines(c)[0].stages.map((s) => s.name)).toEqual(['Source', 'UpdatePipeline', 'Build', 'Prod']);
    expect(problems(base([{ name: 'UpdatePipeline', target: 'prod', stackset: stackset() }], {}, { selfUpdate: true }))).toEqual([
      'pipelines[0].stages[0].name: stage "UpdatePipeline" needs a CodePipeline stage named "UpdatePipeline", which is already the self-update stage xacct adds (selfUpdate)',
    ]);
    expect(problems(base([{ name: 'UpdatePipeline', target: 'prod', stackset: stackset() }]))).toEqual([]);
  });

  test('true, or where the config is in the repository', () => {
    expect(parseConfig(base([{ name: 'Prod', target: 'prod', stackset: stackset() }], {}, { selfUpdate: {} })).pipelines[0].selfUpdate).toEqual({
      config: 'xacct.yaml',
    });
    expect(problems(base([{ name: 'Prod', target: 'prod', stackset: stackset() }], {}, { selfUpdate: 'yes' }))[0]).toMatch(/^pipelines\[0\]\.selfUpdate: /);
  });
});
