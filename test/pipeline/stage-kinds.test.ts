/**
 * The pipeline template for the new stage kinds: a stackset: stage as one CodeBuild action on
 * xacct's engine, its preview before the approval within CodePipeline's configuration limits, the
 * self-update stage with the deployer's policy; codebuild: and lambda: actions through the
 * cross-account role.
 */
import Ajv from 'ajv';
import { parse } from 'yaml';
import { synth } from '../../templates-src/cfn';
import { pipelineTemplate } from '../../templates-src/central/pipeline';
import { deployerStatements, MAX_PREVIEW_SUMMARY, rolloutBuildspec, selfUpdateBuildspec } from '../../templates-src/central/pipeline-rollout';
import { CODEPIPELINE_LIMITS } from '../../templates-src/checks/codepipeline-limits';
import type { DeployContext } from '../../templates-src/index';
import { BUILDSPEC_SCHEMA } from '../support/buildspec-schema';
import { asList, configInput, fixtureConfig, statementsIn, template } from '../support/build';
import { parseConfig } from '../../templates-src/config';
import type { Json } from '../support/json';

type Action = Record<string, Json>;
const stagesOf = (t: ReturnType<typeof template>, id: string) => (t.Resources[id].Properties as Json).Stages as Array<{ Name: string; Actions: Action[] }>;
const env = (a: Action) => JSON.parse(a.Configuration.EnvironmentVariables) as Array<{ name: string; value: string; type: string }>;

describe('stackset: stages (stackset config)', () => {
  const t = template('stackset', 'pipeline');
  const stages = stagesOf(t, 'AppPipeline');

  test('Source, the self-update, Build, then one Rollout action per stage and a preview before the approval', () => {
    expect(stages.map((s) => [s.Name, s.Actions.map((a) => a.Name)])).toEqual([
      ['Source', ['Source']],
      ['UpdatePipeline', ['Deploy']],
      ['Build', ['Build']],
      ['NonProd', ['Rollout']],
      ['ApproveProd', ['Preview', 'Approve']],
      ['Prod', ['Rollout']],
    ]);
    const [preview, approve] = stages[4].Actions;
    expect([preview.RunOrder, approve.RunOrder]).toEqual([1, 2]);
    expect(preview.Namespace).toBe('Preview-Prod');
  });

  test('the Rollout action runs the rollout project in the CI account on the template artifact, with the stage in its variables', () => {
    const rollout = stages[5].Actions[0];
    expect(rollout.ActionTypeId).toEqual({ Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' });
    expect(rollout.RoleArn).toBeUndefined();
    expect(rollout.Region).toBeUndefined();
    expect(rollout.Configuration.ProjectName).toEqual({ 'Fn::Sub': '${Prefix}-app-rollout' });
    expect(rollout.InputArtifacts).toEqual([{ Name: 'BuildOutput' }]);
    expect(env(rollout)).toEqual([
      { name: 'XACCT_STAGE', value: 'Prod', type: 'PLAINTEXT' },
      { name: 'XACCT_TEMPLATE', value: 'template.yml', type: 'PLAINTEXT' },
      { name: 'XACCT_MODE', value: 'rollout', type: 'PLAINTEXT' },
    ]);
  });

  test("the approval shows the preview's summary and links its report, within 1,000 characters even once resolved", () => {
    const approve = stages[4].Actions[1];
    const text: string = approve.Configuration.CustomData;
    expect(text).toBe('Roll the app out to every prod account. What it changes: #{Preview-Prod.XACCT_PREVIEW}');
    expect(text.replace('#{Preview-Prod.XACCT_PREVIEW}', 'x'.repeat(MAX_PREVIEW_SUMMARY)).length).toBeLessThanOrEqual(
      CODEPIPELINE_LIMITS.maxConfigurationValue,
    );
    expect(approve.Configuration.ExternalEntityLink).toEqual({
      'Fn::Sub':
        'https://s3.console.aws.amazon.com/s3/object/${Prefix}-artifacts-${AWS::AccountId}-${AWS::Region}?region=${AWS::Region}&prefix=xacct/previews/app/Prod/#{codepipeline.PipelineExecutionId}.txt',
    });
    const preview = env(stages[4].Actions[0]);
    expect(preview.find((v) => v.name === 'XACCT_REPORT_KEY')!.value).toBe('xacct/previews/app/Prod/#{codepipeline.PipelineExecutionId}.txt');
    for (const a of stages.flatMap((s) => s.Actions))
      for (const v of Object.values(a.Configuration ?? {}))
        if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(CODEPIPELINE_LIMITS.maxConfigurationValue);
  });

  test('the rollout project installs the engine and the resolved config from the templates bucket (Parameters in dist/, literal keys from xacct deploy)', () => {
    const p = t.Resources.AppRollout.Properties as Json;
    expect(p.ServiceRole).toEqual({ 'Fn::GetAtt': ['StacksetDeployRole', 'Arn'] });
    expect(p.Source).toEqual({ Type: 'CODEPIPELINE', BuildSpec: rolloutBuildspec() });
    const vars = Object.fromEntries(p.Environment.EnvironmentVariables.map((v: Json) => [v.Name, v.Value]));
    expect(vars).toEqual({
      XACCT_BUCKET: { 'Fn::Sub': '${Prefix}-templates-${AWS::AccountId}-${AWS::Region}' },
      XACCT_ENGINE_KEY: { Ref: 'RolloutEngineKey' },
      XACCT_CONFIG_KEY: { Ref: 'RolloutConfigKey' },
      XACCT_PIPELINE: 'app',
      XACCT_REPORT_BUCKET: { 'Fn::Sub': '${Prefix}-artifacts-${AWS::AccountId}-${AWS::Region}' },
      XACCT_KEY_ARN: { 'Fn::ImportValue': { 'Fn::Sub': '${Prefix}-artifact-key-arn' } },
    });
    const ctx: DeployContext = {
      ciAccountId: '222222222222',
      organizationId: 'o-abcdefghij',
      targets: { nonprod: { ouIds: ['ou-ab12-11111111'], orgPaths: [], accounts: [] }, prod: { ouIds: ['ou-ab12-22222222'], orgPaths: [], accounts: [] } },
      rollout: { engineKey: 'xacct/engine/0123456789abcdef.js', configKey: 'xacct/config/fedcba9876543210.json' },
    };
    const deployed = synth(pipelineTemplate(fixtureConfig('stackset'), ctx));
    const at = (deployed.Resources.AppRollout.Properties as Json).Environment.EnvironmentVariables;
    expect(at.find((v: Json) => v.Name === 'XACCT_ENGINE_KEY').Value).toBe('xacct/engine/0123456789abcdef.js');
    expect(Object.keys(deployed.Parameters!)).toEqual(['Prefix', 'OrganizationId']);
    // Accounts are not listed for a stackset: stage: the same template whatever the OUs hold.
    expect(deployed).toEqual(
      synth(pipelineTemplate(fixtureConfig('stackset'), { ...ctx, targets: { ...ctx.targets, prod: { ...ctx.targets.prod, accounts: ['400000000000'] } } })),
    );
  });

  test.each([
    ['rollout', rolloutBuildspec()],
    ['self-update', selfUpdateBuildspec()],
  ])('the %s buildspec is valid for CodeBuild (buildspec reference schema)', (_, text) => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(BUILDSPEC_SCHEMA);
    expect([validate(parse(text)), validate.errors]).toEqual([true, null]);
  });

  test('the rollout buildspec runs rollout, or the preview that uploads its report with the artifact key and exports the summary', () => {
    const spec = parse(rolloutBuildspec());
    expect(spec.env['exported-variables']).toEqual(['XACCT_PREVIEW']);
    const script = spec.phases.build.commands.join('\n');
    expect(script).toContain('node /tmp/xacct.js "${args[@]}" --preview --summary-file /tmp/xacct-summary.txt');
    expect(script).toContain('--sse aws:kms --sse-kms-key-id "$XACCT_KEY_ARN"');
    expect(script).toContain('export XACCT_PREVIEW="$(cat /tmp/xacct-summary.txt)"');
  });

  test('selfUpdate: xacct deploy with the config in the source, without --yes; the role is the deployer policy plus its logs and the source; the pipeline restarts when updated', () => {
    const deploy = stages[1].Actions[0];
    expect(deploy.Configuration).toEqual({ ProjectName: { 'Fn::Sub': '${Prefix}-app-self-update' } });
    expect(deploy.InputArtifacts).toEqual([{ Name: 'SourceOutput' }]);
    const p = t.Resources.AppSelfUpdate.Properties as Json;
    expect(p.Environment.EnvironmentVariables.find((v: Json) => v.Name === 'XACCT_CONFIG_PATH').Value).toBe('infra/xacct.yaml');
    expect(parse(selfUpdateBuildspec()).phases.build.commands[1]).toBe('node /tmp/xacct.js deploy --config "$CODEBUILD_SRC_DIR/$XACCT_CONFIG_PATH" --no-color');
    const statements = statementsIn(t.Resources.SelfUpdateRole.Properties!.Policies);
    expect(statements.slice(0, -3)).toEqual(JSON.parse(JSON.stringify(deployerStatements())));
    expect(statements.slice(-3).map((s) => s.Sid)).toEqual(['ReadSourceArtifacts', 'UseArtifactKeyThroughS3ForSource', 'WriteSelfUpdateLogs']);
    expect((t.Resources.AppPipeline.Properties as Json).RestartExecutionOnUpdate).toBe(true);
    expect((template('default', 'pipeline').Resources.AppPipeline.Properties as Json).RestartExecutionOnUpdate).toBe(false);
  });

  test('the pipeline role may start the engine projects; the key policy admits the engine roles through S3 only', () => {
    const run = statementsIn(t.Resources.PipelineRole.Properties!.Policies).find((s) => s.Sid === 'RunBuilds')!;
    expect(run.Resource).toEqual(
      ['build', 'rollout', 'self-update'].map((k) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:codebuild:\${AWS::Region}:\${AWS::AccountId}:project/\${Prefix}-app-${k}`,
      })),
    );
    const key = statementsIn(template('stackset', 'kms-key').Resources.ArtifactKey.Properties!.KeyPolicy).find((s) => s.Sid === 'EngineRolesUseThroughS3')!;
    expect(key.Condition.ArnEquals['aws:PrincipalArn']).toEqual(
      ['stackset-deploy', 'self-update'].map((r) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/\${Prefix}-${r}` })),
    );
    expect(key.Condition.StringLike['kms:ViaService']).toBe('s3.*.amazonaws.com');
    expect(JSON.stringify(template('default', 'kms-key'))).not.toContain('EngineRolesUseThroughS3');
  });

  test('selfUpdate: the role also carries what the config adds to the deployer policy (a connection passed to CodePipeline, the stores)', () => {
    const arn = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-aaaa-bbbb-cccc-111122223333';
    const input = configInput('stackset') as { pipelines: Array<Record<string, unknown>> };
    const config = parseConfig(
      {
        ...input,
        ecr: { repositories: ['api'] },
        pipelines: [{ ...input.pipelines[0], source: { connection: { arn, repository: 'acme/app', branch: 'main' } } }],
      },
      'stackset+connection',
    );
    const role = synth(pipelineTemplate(config)).Resources.SelfUpdateRole.Properties as Json;
    const sids = statementsIn(role.Policies).map((s) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(['CentralStackPassCodeConnections', 'CentralStackImageRepositories']));
    expect(statementsIn(role.Policies).find((s) => s.Sid === 'CentralStackPassCodeConnections')!.Resource).toEqual([arn]);
    expect(statementsIn(t.Resources.SelfUpdateRole.Properties!.Policies).map((s) => s.Sid)).not.toContain('CentralStackPassCodeConnections');
  });

  test('the templates bucket, where the engine lives, expires only old versions', () => {
    const rules = (template('stackset', 'buckets').Resources.TemplatesBucket.Properties as Json).LifecycleConfiguration.Rules;
    expect(rules.map((r: Json) => r.ExpirationInDays)).toEqual([undefined]);
  });
});

describe('codebuild: and lambda: stages (target-actions config)', () => {
  const t = template('target-actions', 'pipeline');
  const stages = stagesOf(t, 'SvcPipeline');

  test("one action per account and region, each through that account's cross-account role", () => {
    const migrate = stages.find((s) => s.Name === 'ProdMigrate')!.Actions;
    expect(migrate.map((a) => [a.Name, a.Region])).toEqual([
      ['Build-Account-eu-west-1', undefined],
      ['Build-Account-eu-central-1', 'eu-central-1'],
    ]);
    expect(migrate[0].ActionTypeId).toEqual({ Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' });
    expect(migrate[0].Configuration).toEqual({ ProjectName: 'svc-migrate' });
    expect(migrate[0].RoleArn).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${SvcProdMigrateAccountId}:role/${Prefix}-cross-account' });
    expect(migrate[0].OutputArtifacts).toEqual([{ Name: 'ProdMigrateOutput' }]);
    expect(migrate[1].OutputArtifacts).toBeUndefined();
    const smoke = stages.find((s) => s.Name === 'Smoke')!.Actions[0];
    expect(smoke.ActionTypeId).toEqual({ Category: 'Invoke', Owner: 'AWS', Provider: 'Lambda', Version: '1' });
    expect(smoke.Configuration).toEqual({ FunctionName: 'svc-smoke', UserParameters: 'nonprod' });
    expect(smoke.InputArtifacts).toEqual([{ Name: 'BuildOutput' }]);
  });

  test('the cross-account role gains exactly StartBuild/BatchGetBuilds on the projects and InvokeFunction on the functions, nowhere else', () => {
    const s = statementsIn(template('target-actions', 'cross-account-role').Resources.CrossAccountRole.Properties!.Policies);
    expect(s.find((x) => x.Sid === 'StartConfiguredBuilds')).toEqual({
      Sid: 'StartConfiguredBuilds',
      Effect: 'Allow',
      Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild'],
      Resource: ['eu-west-1', 'eu-central-1'].map((r) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:codebuild:${r}:\${AWS::AccountId}:project/svc-migrate` })),
    });
    expect(asList(s.find((x) => x.Sid === 'InvokeConfiguredFunctions')!.Resource)).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:eu-west-1:${AWS::AccountId}:function:svc-smoke' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:eu-west-1:${AWS::AccountId}:function:svc-smoke:live' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:eu-central-1:${AWS::AccountId}:function:svc-smoke:live' },
    ]);
    const plain = JSON.stringify(template('default', 'cross-account-role'));
    expect(plain).not.toContain('codebuild:');
    expect(plain).not.toContain('lambda:');
  });
});
