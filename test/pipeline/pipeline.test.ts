import { template, statementsIn, asList, fixtureConfig, built, resourcesOfType } from '../support/build';
import { pipelineTemplate } from '../../templates-src/central/pipeline';
import { codecommitSource } from '../../templates-src/source/codecommit-source';
import { synth } from '../../templates-src/cfn';
import type { DeployContext } from '../../templates-src/index';
import { MAX_INLINE_BYTES, templateDelivery } from '../../templates-src/delivery';
import type { Json } from '../support/json';

const actionsOf = (t: ReturnType<typeof template>, id = 'AppPipeline') =>
  (t.Resources[id].Properties as Json).Stages as Array<{ Name: string; Actions: Array<Record<string, Json>> }>;

describe('pipeline (default config: CodeCommit in the CI account, change sets, approval before prod)', () => {
  const t = template('default', 'pipeline');
  const stages = actionsOf(t);

  test('is a V2 pipeline whose artifact store uses the key by ARN, never an alias', () => {
    const p = t.Resources.AppPipeline.Properties as Json;
    expect(p.PipelineType).toBe('V2');
    expect(p.ArtifactStore.EncryptionKey).toEqual({ Id: { 'Fn::ImportValue': { 'Fn::Sub': '${Prefix}-artifact-key-arn' } }, Type: 'KMS' });
    expect(JSON.stringify(p)).not.toContain('alias/');
  });

  test('stages: source, build, non-prod, approval, prod', () => {
    expect(stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'NonProd', 'ApproveProd', 'Prod']);
    expect(stages[3].Actions[0].ActionTypeId).toEqual({ Category: 'Approval', Owner: 'AWS', Provider: 'Manual', Version: '1' });
  });

  test('source does not poll: an EventBridge rule on the branch starts the pipeline', () => {
    const src = stages[0].Actions[0];
    expect(src.Configuration).toMatchObject({ RepositoryName: 'app', BranchName: 'main', PollForSourceChanges: 'false' });
    expect(src.RoleArn).toBeUndefined();
    const rule = t.Resources.AppSourceRule.Properties as Json;
    expect(rule.EventPattern.detail).toEqual({ event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'], referenceName: ['main'] });
    expect(rule.Targets[0].RoleArn).toEqual({ 'Fn::GetAtt': ['EventsRole', 'Arn'] });
  });

  test('each deploy stage: CHANGE_SET_REPLACE then CHANGE_SET_EXECUTE with the target roles', () => {
    for (const name of ['NonProd', 'Prod']) {
      const [prepare, execute] = stages.find((s) => s.Name === name)!.Actions;
      const param = name === 'NonProd' ? 'AppNonProdAccountId' : 'AppProdAccountId';
      expect([prepare.RunOrder, execute.RunOrder]).toEqual([1, 2]);
      expect(prepare.Configuration.ActionMode).toBe('CHANGE_SET_REPLACE');
      expect(execute.Configuration.ActionMode).toBe('CHANGE_SET_EXECUTE');
      expect(prepare.RoleArn).toEqual({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${${param}}:role/\${Prefix}-cross-account` });
      expect(prepare.Configuration.RoleArn).toEqual({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${${param}}:role/\${Prefix}-cfn-exec` });
      expect(prepare.Configuration.Capabilities).toBe('CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND');
      expect(t.Parameters![param].AllowedPattern).toBe('^\\d{12}$');
    }
  });

  test('the build project is encrypted with the key, logs to its own group, runs as the build role', () => {
    const b = t.Resources.AppBuild.Properties as Json;
    expect(b.EncryptionKey).toEqual({ 'Fn::ImportValue': { 'Fn::Sub': '${Prefix}-artifact-key-arn' } });
    expect(b.ServiceRole).toEqual({ 'Fn::GetAtt': ['BuildRole', 'Arn'] });
    expect(b.Source.BuildSpec).toBe('buildspec.yml');
    expect((t.Resources.AppBuildLogs.Properties as Json).KmsKeyId).toEqual(b.EncryptionKey);
  });

  test('the pipeline role may assume only the fixed cross-account role, inside the organization', () => {
    const s = statementsIn(t.Resources.PipelineRole.Properties!.Policies);
    const assume = s.filter((x) => asList(x.Action).includes('sts:AssumeRole'));
    expect(assume).toHaveLength(1);
    expect(assume[0].Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/${Prefix}-cross-account' }]);
    expect(assume[0].Condition.StringEquals['aws:ResourceOrgID']).toEqual({ Ref: 'OrganizationId' });
    expect(asList(s.find((x) => x.Sid === 'ReadSameAccountRepositories')!.Action)).toEqual(
      expect.arrayContaining(['codecommit:GetBranch', 'codecommit:UploadArchive']),
    );
    expect(asList(s.find((x) => x.Sid === 'RunBuilds')!.Action)).toEqual(['codebuild:BatchGetBuilds', 'codebuild:StartBuild']);
  });

  test('roles trust their service, for this account where the service documents aws:SourceAccount (CodeBuild, EventBridge)', () => {
    for (const id of ['BuildRole', 'EventsRole']) {
      const [trust] = statementsIn(t.Resources[id].Properties!.AssumeRolePolicyDocument);
      expect(trust.Condition.StringEquals['aws:SourceAccount']).toEqual({ 'Fn::Sub': '${AWS::AccountId}' });
    }
    const [pipeline] = statementsIn(t.Resources.PipelineRole.Properties!.AssumeRolePolicyDocument);
    expect(pipeline.Principal).toEqual({ Service: 'codepipeline.amazonaws.com' });
    expect(pipeline.Condition).toBeUndefined();
  });
});

describe('pattern 1: cross-account CodeCommit source', () => {
  const t = template('cross-account-source', 'pipeline');
  const src = template('cross-account-source', 'codecommit-source-333333333333');

  test('the source action assumes the source account access role', () => {
    const action = actionsOf(t)[0].Actions[0];
    expect(action.RoleArn).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AppSourceAccountId}:role/${Prefix}-source-access' });
    expect(t.Parameters!.AppSourceAccountId.Default).toBe('333333333333');
  });

  test('the CI bus admits the source account (org-scoped) and a rule matches its forwarded events', () => {
    const policy = t.Resources.AppSourceBusPolicy.Properties as Json;
    expect(policy.Statement.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AppSourceAccountId}:root' } });
    expect(policy.Statement.Condition.StringEquals['aws:PrincipalOrgID']).toEqual({ Ref: 'OrganizationId' });
    expect((t.Resources.AppSourceRule.Properties as Json).EventPattern.account).toEqual([{ Ref: 'AppSourceAccountId' }]);
  });

  test('the pipeline role may also assume the source access role', () => {
    const assume = statementsIn(t.Resources.PipelineRole.Properties!.Policies).find((x) => x.Sid === 'AssumeXacctRolesInOrganization')!;
    expect(assume.Resource).toContainEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/${Prefix}-source-access' });
  });

  test('source account: access role trusted by the pipeline role, with repository read and artifact put', () => {
    const role = src.Resources.SourceAccessRole.Properties as Json;
    const [trust] = statementsIn(role.AssumeRolePolicyDocument);
    expect(trust.Condition.ArnEquals['aws:PrincipalArn']).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${CiAccountId}:role/${Prefix}-pipeline' }]);
    const actions = statementsIn(role.Policies).flatMap((s) => asList<string>(s.Action));
    expect(actions).toEqual(
      expect.arrayContaining([
        'codecommit:GetBranch',
        'codecommit:GetCommit',
        'codecommit:UploadArchive',
        'codecommit:GetUploadArchiveStatus',
        'codecommit:CancelUploadArchive',
        's3:PutObject',
      ]),
    );
  });

  test('source account: events forwarded to the CI default bus by a role allowed only PutEvents there', () => {
    const rule = src.Resources.ForwardAppMainEvents.Properties as Json;
    expect(rule.EventPattern['detail-type']).toEqual(['CodeCommit Repository State Change']);
    expect(rule.EventPattern.detail.referenceName).toEqual(['main']);
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${CiAccountId}:event-bus/default' });
    const s = statementsIn(src.Resources.SourceEventsRole.Properties!.Policies);
    expect(s).toEqual([{ Sid: 'PutEventsOnCiBusOnly', Effect: 'Allow', Action: 'events:PutEvents', Resource: rule.Targets[0].Arn }]);
  });

  test('the key and artifact bucket admit the source-access role from the source accounts only', () => {
    const key = statementsIn(template('cross-account-source', 'kms-key').Resources.ArtifactKey.Properties!.KeyPolicy).find(
      (s) => s.Sid === 'SourceAccessRolesUseThroughS3',
    )!;
    expect(key.Condition.StringEquals['aws:PrincipalAccount']).toEqual({ Ref: 'SourceAccountIds' });
    const bucket = statementsIn(template('cross-account-source', 'buckets').Resources.ArtifactBucketPolicy.Properties!.PolicyDocument).find(
      (s) => s.Sid === 'SourceAccessRolesReadWrite',
    )!;
    expect(bucket.Condition.ArnLike['aws:PrincipalArn']).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/${Prefix}-source-access' });
    expect(JSON.stringify(template('default', 'kms-key'))).not.toContain('source-access');
  });
});

describe('pattern 1 at scale: pipelines sharing a source account (shared-source config)', () => {
  const t = template('shared-source', 'pipeline');
  const src = template('shared-source', 'codecommit-source-333333333333');
  const rules = resourcesOfType(src, 'AWS::Events::Rule').map(([id, r]) => [id, r.Properties as Json] as const);

  test('one source template for the account, none per pipeline', () => {
    expect([...built('shared-source').templates.keys()].filter((n) => n.startsWith('codecommit-source'))).toEqual(['codecommit-source-333333333333']);
    expect(
      built('shared-source')
        .manifest.templates.filter((m) => m.name === 'codecommit-source')
        .map((m) => m.deployAs),
    ).toEqual(['xacct-codecommit-source-333333333333']);
  });

  test('one access role reading exactly the repositories pipelines read there', () => {
    const [read] = statementsIn(src.Resources.SourceAccessRole.Properties!.Policies).filter((s) => s.Sid === 'ReadRepositories');
    expect(read.Resource).toEqual(['platform', 'web'].map((r) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:codecommit:\${AWS::Region}:\${AWS::AccountId}:${r}` })));
    expect(
      resourcesOfType(src, 'AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual(['SourceAccessRole', 'SourceEventsRole']);
    expect(resourcesOfType(src, 'AWS::SSM::Parameter').map(([, r]) => (r.Properties as Json).Name)).toEqual([{ 'Fn::Sub': '/${Prefix}/roles/source-access' }]);
    expect(Object.values(src.Outputs ?? {}).flatMap((o) => (o.Export ? [o.Export.Name] : []))).toEqual([{ 'Fn::Sub': '${Prefix}-source-access-role-arn' }]);
  });

  test('one forwarding rule per repository and branch, each matching only its own', () => {
    const matched = rules.map(
      ([, r]) => `${JSON.stringify(r.EventPattern.resources[0]).match(/:([a-z]+)"\}$/)![1]}/${r.EventPattern.detail.referenceName.join()}`,
    );
    expect(matched.sort()).toEqual(['platform/hotfix', 'platform/main', 'web/main']);
    expect(rules.map(([id]) => id).sort()).toEqual(['ForwardPlatformHotfixEvents', 'ForwardPlatformMainEvents', 'ForwardWebMainEvents']);
  });

  test('two pipelines on the same repository and branch share its rule; each still has its own trigger in the CI account', () => {
    const config = fixtureConfig('shared-source');
    const twice = { ...config, pipelines: [...config.pipelines, { ...config.pipelines[2], name: 'web-preview' }] };
    const body = synth(codecommitSource(twice, '333333333333'));
    expect(
      resourcesOfType(body, 'AWS::Events::Rule')
        .map(([id]) => id)
        .sort(),
    ).toEqual(['ForwardPlatformHotfixEvents', 'ForwardPlatformMainEvents', 'ForwardWebMainEvents']);
    expect(
      Object.keys(synth(pipelineTemplate(twice)).Resources)
        .filter((id) => id.endsWith('SourceRule'))
        .sort(),
    ).toEqual(['ApiHotfixSourceRule', 'ApiSourceRule', 'WebPreviewSourceRule', 'WebSourceRule']);
  });

  test('each pipeline starts from its own repository and branch, assuming the one access role', () => {
    for (const [id, repo, branch] of [
      ['Api', 'platform', 'main'],
      ['ApiHotfix', 'platform', 'hotfix'],
      ['Web', 'web', 'main'],
    ]) {
      const pattern = (t.Resources[`${id}SourceRule`].Properties as Json).EventPattern;
      expect(pattern.detail.referenceName).toEqual([branch]);
      expect(JSON.stringify(pattern.resources)).toContain(`:${repo}"`);
      expect(actionsOf(t, `${id}Pipeline`)[0].Actions[0].RoleArn).toEqual({
        'Fn::Sub': `arn:\${AWS::Partition}:iam::\${${id}SourceAccountId}:role/\${Prefix}-source-access`,
      });
    }
  });
});

describe('pattern 2: CodeDeploy into a target account', () => {
  const t = template('codedeploy', 'pipeline');
  const cd = actionsOf(t, 'SitePipeline').find((s) => s.Name === 'Prod')!.Actions[0];

  test('the CodeDeploy action runs as the cross-account role', () => {
    expect(cd.ActionTypeId.Provider).toBe('CodeDeploy');
    expect(cd.Configuration).toEqual({ ApplicationName: 'site', DeploymentGroupName: 'site-prod' });
    expect(cd.RoleArn).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${SiteProdAccountId}:role/${Prefix}-cross-account' });
  });

  test('the cross-account role gains CodeDeploy permissions only here', () => {
    const s = statementsIn(template('codedeploy', 'cross-account-role').Resources.CrossAccountRole.Properties!.Policies).find(
      (x) => x.Sid === 'CodeDeployDeployments',
    )!;
    expect(asList(s.Action)).toContain('codedeploy:CreateDeployment');
  });

  test('the instance role reads artifacts: managed policy, and key/bucket policies admit it by name', () => {
    const policy = template('codedeploy', 'codedeploy-instance-policy').Resources.CodeDeployInstancePolicy.Properties as Json;
    expect(statementsIn(policy.PolicyDocument).flatMap((s) => asList<string>(s.Action))).toEqual(expect.arrayContaining(['s3:GetObject', 'kms:Decrypt']));
    expect(JSON.stringify(template('codedeploy', 'kms-key').Resources.ArtifactKey)).toContain(':role/site-instance');
    expect(JSON.stringify(template('codedeploy', 'buckets').Resources.ArtifactBucketPolicy)).toContain(':role/site-instance');
    expect(policy.ManagedPolicyName).toEqual({ 'Fn::Sub': '${Prefix}-codedeploy-instance' });
    expect(template('codedeploy', 'codedeploy-instance-policy').Outputs!.CodeDeployInstancePolicyArn.Export!.Name).toEqual({
      'Fn::Sub': '${Prefix}-codedeploy-instance-policy-arn',
    });
  });

  test('a CodeConnections source needs no polling rule and the role may use the connection', () => {
    expect(Object.keys(t.Resources).some((k) => k.endsWith('SourceRule'))).toBe(false);
    const s = statementsIn(t.Resources.PipelineRole.Properties!.Policies).find((x) => x.Sid === 'UseConnections')!;
    expect(asList(s.Action)).toContain('codeconnections:UseConnection');
    expect(statementsIn(t.Resources.PipelineRole.Properties!.Policies).find((x) => x.Sid === 'NotifyApprovers')!.Resource).toEqual([
      'arn:aws:sns:eu-central-1:111111111111:approvals',
    ]);
  });
});

describe('pattern 4 across regions: a two-region prod stage', () => {
  const t = template('two-region', 'pipeline');
  const prod = actionsOf(t).find((s) => s.Name === 'Prod')!.Actions;

  test('one artifact store per region; the regional key named by ARN from the replica key ID', () => {
    const stores = (t.Resources.AppPipeline.Properties as Json).ArtifactStores;
    expect(stores.map((s: Json) => s.Region)).toEqual([{ 'Fn::Sub': '${AWS::Region}' }, 'us-east-1']);
    const us = stores[1].ArtifactStore;
    expect(us.Location).toEqual({ 'Fn::Sub': '${Prefix}-artifacts-${AWS::AccountId}-us-east-1' });
    expect(JSON.stringify(us.EncryptionKey.Id)).toContain('arn:${AWS::Partition}:kms:us-east-1:${AWS::AccountId}:key/${KeyId}');
  });

  test('prepare/execute pairs in both regions; only the other region names Region', () => {
    expect(prod.map((a) => a.Name)).toEqual([
      'Prepare-Account-eu-west-1',
      'Execute-Account-eu-west-1',
      'Prepare-Account-us-east-1',
      'Execute-Account-us-east-1',
    ]);
    expect(prod.map((a) => a.Region)).toEqual([undefined, undefined, 'us-east-1', 'us-east-1']);
    expect(prod[1].Configuration.OutputFileName).toBe('outputs.json');
    expect(prod[0].Configuration.TemplateConfiguration).toBe('BuildOutput::prod.json');
  });

  test('the regional store replicates the key with the same policy and hardened buckets', () => {
    const r = template('two-region', 'regional-store');
    expect(r.Resources.ArtifactKeyReplica.Type).toBe('AWS::KMS::ReplicaKey');
    expect(r.Resources.ArtifactKeyReplica.DeletionPolicy).toBe('Retain');
    expect(r.Resources.ArtifactKeyReplica.Properties!.KeyPolicy).toEqual(template('two-region', 'kms-key').Resources.ArtifactKey.Properties!.KeyPolicy);
    expect(r.Resources.ArtifactBucket.Properties!.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['ArtifactKeyReplica', 'Arn'] } }, BucketKeyEnabled: true },
      ],
    });
    expect(template('two-region', 'kms-key').Resources.ArtifactKey.Properties!.MultiRegion).toBe(true);
  });

  test('S3 source parameters are passed as JSON overrides', () => {
    const nonprod = actionsOf(t).find((s) => s.Name === 'NonProd')!.Actions[0];
    expect(JSON.parse(nonprod.Configuration.ParameterOverrides)).toEqual({ Stage: 'nonprod' });
  });
});

describe('at deploy time with 100 target accounts', () => {
  const accounts = (n: number, from: number) => Array.from({ length: n }, (_, i) => String(from + i).padStart(12, '0'));
  const ctx: DeployContext = {
    ciAccountId: '111111111111',
    organizationId: 'o-abcdefghij',
    targets: {
      nonprod: { ouIds: ['ou-ab12-11111111'], orgPaths: ['o-abcdefghij/r-ab12/ou-ab12-11111111/*'], accounts: accounts(25, 200000000000) },
      prod: { ouIds: ['ou-ab12-22222222'], orgPaths: ['o-abcdefghij/r-ab12/ou-ab12-22222222/*'], accounts: accounts(25, 300000000000) },
    },
  };
  const t = synth(pipelineTemplate(fixtureConfig('default'), ctx));

  test('each stage expands to an action pair per account (50 actions, the limit)', () => {
    const prod = actionsOf(t).find((s) => s.Name === 'Prod')!.Actions;
    expect(prod).toHaveLength(50);
    expect(prod[0].RoleArn).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::300000000000:role/${Prefix}-cross-account' });
    expect(Object.keys(t.Parameters!)).toEqual(['Prefix', 'OrganizationId']);
  });

  test('the pipeline role policy stays far under 10,240 bytes whatever the number of accounts', () => {
    const bytes = JSON.stringify(t.Resources.PipelineRole.Properties!.Policies).length;
    expect(bytes).toBeLessThan(10_240);
    const small = synth(pipelineTemplate(fixtureConfig('default')));
    expect(bytes).toBe(JSON.stringify(small.Resources.PipelineRole.Properties!.Policies).length);
  });

  test('over the inline limit at 50 actions per stage, the template goes through the templates bucket', () => {
    const d = templateDelivery('pipeline', t);
    expect(d.bytes).toBeGreaterThan(MAX_INLINE_BYTES);
    expect(d.kind).toBe('s3');
    if (d.kind === 's3') {
      expect(d.key).toMatch(/^xacct\/templates\/pipeline\/[0-9a-f]{16}\.json$/);
      expect(d.reason).toContain('uploaded to the templates bucket and passed as TemplateURL');
    }
    expect(templateDelivery('pipeline', synth(pipelineTemplate(fixtureConfig('default')))).kind).toBe('inline');
  });

  test('the key lets account principals use it only for the templates bucket', () => {
    const s = statementsIn(template('default', 'kms-key').Resources.ArtifactKey.Properties!.KeyPolicy).find((x) => x.Sid === 'TemplatesBucketUseByAccount')!;
    expect(s.Condition.ArnLike['kms:EncryptionContext:aws:s3:arn']).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Prefix}-templates-${AWS::AccountId}-${AWS::Region}*',
    });
  });

  test('100 accounts in one stage become four consecutive stages of 25 accounts, the approval before the first', () => {
    const big: DeployContext = { ...ctx, targets: { ...ctx.targets, prod: { ...ctx.targets.prod, accounts: accounts(100, 300000000000) } } };
    const stages = actionsOf(synth(pipelineTemplate(fixtureConfig('default'), big)));
    expect(stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'NonProd', 'ApproveProd', 'Prod-1', 'Prod-2', 'Prod-3', 'Prod-4']);
    expect(stages.slice(4).map((s) => s.Actions.length)).toEqual([50, 50, 50, 50]);
  });
});
