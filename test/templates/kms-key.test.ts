import { asList, CONFIGS, statementsIn, template } from '../support/build';

describe.each(CONFIGS)('kms-key (%s config)', (config) => {
  const t = template(config, 'kms-key');
  const key = t.Resources.ArtifactKey;
  const props = key.Properties!;
  const statements = statementsIn(props.KeyPolicy);

  test('is a symmetric customer-managed key with rotation and a 30-day window', () => {
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(props.KeySpec).toBe('SYMMETRIC_DEFAULT');
    expect(props.EnableKeyRotation).toBe(true);
    expect(props.PendingWindowInDays).toBe(30);
  });

  test('is retained on delete and on replacement', () => {
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.UpdateReplacePolicy).toBe('Retain');
  });

  test('has an alias derived from the prefix', () => {
    expect(t.Resources.ArtifactKeyAlias.Properties!.AliasName).toEqual({ 'Fn::Sub': 'alias/${Prefix}-artifacts' });
  });

  test('administration and the key-policy break-glass are separate statements (evaluated in test/lint/access-paths-stores)', () => {
    const admin = statements.find((s) => s.Sid === 'AccountAdministration')!;
    expect(admin.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } });
    expect(asList(admin.Action).filter((a: string) => a.startsWith('kms:Put') || a === 'kms:ReplicateKey')).toEqual([]);
    expect(asList(statements.find((s) => s.Sid === 'KeyPolicyBreakGlass')!.Action)).toEqual(['kms:PutKeyPolicy', 'kms:ReplicateKey']);
  });

  test('pipeline and build roles may use the key, named by ARN condition', () => {
    const use = statements.find((s) => s.Sid === 'PipelineAndBuildUse')!;
    expect(use.Condition.ArnEquals['aws:PrincipalArn']).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Prefix}-pipeline' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Prefix}-build' },
    ]);
  });

  test('target roles are admitted only inside the org, under the target OU paths, by fixed name, through S3', () => {
    const target = statements.find((s) => s.Sid === 'TargetRolesUseThroughS3')!;
    expect(target.Principal).toBe('*');
    expect(target.Condition.StringEquals['aws:PrincipalOrgID']).toEqual({ Ref: 'OrganizationId' });
    expect(target.Condition['ForAnyValue:StringLike']['aws:PrincipalOrgPaths']).toEqual({ Ref: 'TargetOrgPaths' });
    const arns = target.Condition.ArnLike['aws:PrincipalArn'].map((a: { 'Fn::Sub': string }) => a['Fn::Sub']);
    expect(arns).toContain('arn:${AWS::Partition}:iam::*:role/${Prefix}-cross-account');
    expect(arns).toContain('arn:${AWS::Partition}:iam::*:role/${Prefix}-cfn-exec');
    expect(target.Condition.StringLike['kms:ViaService']).toBe('s3.*.amazonaws.com');
    expect(asList(target.Action)).not.toContain('kms:*');
  });

  test('every Principal "*" statement carries an organization condition', () => {
    for (const s of statements.filter((s) => s.Principal === '*' && s.Effect === 'Allow')) {
      expect(s.Condition?.StringEquals?.['aws:PrincipalOrgID']).toBeDefined();
    }
  });

  test('service principals are bounded to this account', () => {
    const logs = statements.find((s) => s.Sid === 'CloudWatchLogsUse')!;
    expect(JSON.stringify(logs.Condition)).toContain('${AWS::AccountId}');
  });

  test('publishes the key ARN as an export and an SSM parameter', () => {
    expect(t.Outputs!.ArtifactKeyArn.Export!.Name).toEqual({ 'Fn::Sub': '${Prefix}-artifact-key-arn' });
    expect(t.Resources.ArtifactKeyArnParameter.Properties!.Name).toEqual({ 'Fn::Sub': '/${Prefix}/artifact-key-arn' });
  });

  test('organization and OU paths are Parameters with allowed patterns', () => {
    expect(t.Parameters!.OrganizationId.AllowedPattern).toBeDefined();
    expect(t.Parameters!.TargetOrgPaths.Type).toBe('CommaDelimitedList');
    expect(t.Parameters!.TargetOrgPaths.AllowedPattern).toBeDefined();
  });
});

test('the automation role is admitted to the key only when configured', () => {
  const text = (c: string) => JSON.stringify(template(c, 'kms-key').Resources.ArtifactKey.Properties!.KeyPolicy);
  expect(text('default')).not.toContain('-automation');
  expect(text('two-ous')).toContain('${Prefix}-automation');
});
