import { asList, CONFIGS, statementsIn, template } from '../support/build';

const role = (config: string, name: string, id: string) => template(config, name).Resources[id].Properties as Record<string, any>;
const allowActions = (doc: unknown) => statementsIn(doc).filter((s) => s.Effect === 'Allow').flatMap((s) => asList<string>(s.Action));

describe.each(CONFIGS)('cross-account-role (%s config)', (config) => {
  const p = role(config, 'cross-account-role', 'CrossAccountRole');
  const inline = statementsIn(p.Policies);

  test('has the fixed name', () => {
    expect(p.RoleName).toEqual({ 'Fn::Sub': '${Prefix}-cross-account' });
  });

  test('trusts the CI account root only as the pipeline role (valid before that role exists)', () => {
    const [trust] = statementsIn(p.AssumeRolePolicyDocument);
    expect(trust.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${CiAccountId}:root' } });
    expect(trust.Condition.ArnEquals['aws:PrincipalArn']).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${CiAccountId}:role/${Prefix}-pipeline' }]);
  });

  test('manages only stacks matching the configured name patterns', () => {
    const s = inline.find((x) => x.Sid === 'ManageConfiguredStacks')!;
    const expected = config === 'default' ? ['app'] : ['ledger', 'payments-*'];
    expect(asList(s.Resource).map((r: any) => r['Fn::Sub'])).toEqual(
      expected.map((n) => `arn:\${AWS::Partition}:cloudformation:*:\${AWS::AccountId}:stack/${n}/*`),
    );
    expect(asList(s.Action)).toEqual(expect.arrayContaining(['cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet']));
  });

  test('passes only the CloudFormation role, only to CloudFormation', () => {
    const s = inline.find((x) => x.Sid === 'PassOnlyTheCloudFormationRole')!;
    expect(s.Action).toBe('iam:PassRole');
    expect(s.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Prefix}-cfn-exec' });
    expect(s.Condition.StringEquals['iam:PassedToService']).toBe('cloudformation.amazonaws.com');
  });

  test('reads and writes artifacts of the CI account and uses its keys only through S3', () => {
    expect(JSON.stringify(inline.find((x) => x.Sid === 'ReadWriteArtifacts')!.Resource)).toContain('${Prefix}-artifacts-${CiAccountId}-*/*');
    const kms = inline.find((x) => x.Sid === 'UseArtifactKeyThroughS3')!;
    expect(kms.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:kms:*:${CiAccountId}:key/*' });
    expect(kms.Condition.StringLike['kms:ViaService']).toBe('s3.*.amazonaws.com');
  });

  test('no wildcard actions and no CodeDeploy permissions without a CodeDeploy stage', () => {
    for (const a of allowActions(p.Policies)) expect(a === '*' || a.endsWith(':*')).toBe(false);
    expect(allowActions(p.Policies).some((a) => a.startsWith('codedeploy:'))).toBe(false);
  });
});

describe.each(CONFIGS)('cloudformation-role (%s config)', (config) => {
  const t = template(config, 'cloudformation-role');
  const p = t.Resources.CloudFormationRole.Properties as Record<string, any>;

  test('is trusted only by CloudFormation, for this account', () => {
    const [trust] = statementsIn(p.AssumeRolePolicyDocument);
    expect(trust.Principal).toEqual({ Service: 'cloudformation.amazonaws.com' });
    expect(trust.Condition.StringEquals['aws:SourceAccount']).toEqual({ 'Fn::Sub': '${AWS::AccountId}' });
  });

  test('carries the configured managed policies in the stack partition', () => {
    const expected = config === 'default' ? ['AdministratorAccess'] : ['PowerUserAccess', 'IAMFullAccess'];
    expect(p.ManagedPolicyArns).toEqual(expected.map((n) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/${n}` })));
  });

  test('has a permissions boundary that blocks privilege escalation', () => {
    expect(p.PermissionsBoundary).toEqual({ Ref: 'PermissionsBoundary' });
    const boundary = t.Resources.PermissionsBoundary;
    expect(boundary.Metadata).toEqual({ 'xacct:purpose': 'permissions-boundary' });
    const s = statementsIn(boundary.Properties!.PolicyDocument);
    const noBoundary = s.find((x) => x.Sid === 'DenyRolesAndUsersWithoutThisBoundary')!;
    expect(noBoundary.Effect).toBe('Deny');
    expect(asList(noBoundary.Action)).toEqual(expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']));
    expect(noBoundary.Condition.StringNotEquals['iam:PermissionsBoundary']).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/${Prefix}-cfn-boundary',
    });
    expect(s.find((x) => x.Sid === 'DenyBoundaryEdits')!.Effect).toBe('Deny');
    expect(s.find((x) => x.Sid === 'DenyBoundaryRemoval')!.Effect).toBe('Deny');
    expect(s.find((x) => x.Sid === 'DenyChangesToXacctRoles')!.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Prefix}-*' });
  });
});

describe.each(CONFIGS)('read-only-role (%s config)', (config) => {
  const p = role(config, 'read-only-role', 'ReadOnlyRole');
  const inline = statementsIn(p.Policies);

  test('is trusted by the CI pipeline and build roles only', () => {
    const [trust] = statementsIn(p.AssumeRolePolicyDocument);
    expect(trust.Condition.ArnEquals['aws:PrincipalArn'].map((a: any) => a['Fn::Sub'])).toEqual([
      'arn:${AWS::Partition}:iam::${CiAccountId}:role/${Prefix}-pipeline',
      'arn:${AWS::Partition}:iam::${CiAccountId}:role/${Prefix}-build',
    ]);
  });

  test('describes CloudFormation and uses the tagging API', () => {
    const actions = allowActions(p.Policies);
    expect(actions).toEqual(expect.arrayContaining(['cloudformation:DescribeStacks', 'tag:GetResources']));
  });

  test('explicitly denies decryption and data reads', () => {
    const deny = inline.find((x) => x.Effect === 'Deny')!;
    expect(asList(deny.Action)).toEqual(expect.arrayContaining(['kms:Decrypt', 's3:GetObject', 'secretsmanager:GetSecretValue']));
    expect(deny.Resource).toBe('*');
  });
});

test('automation-role exists only when configured, and only reads artifacts', () => {
  expect(() => template('default', 'automation-role')).toThrow(/no template/);
  const p = role('two-ous', 'automation-role', 'AutomationRole');
  expect(p.RoleName).toEqual({ 'Fn::Sub': '${Prefix}-automation' });
  expect(allowActions(p.Policies).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*', 's3:GetObject', 's3:GetObjectVersion']);
  const [trust] = statementsIn(p.AssumeRolePolicyDocument);
  expect(trust.Condition.StringEquals['aws:SourceAccount']).toBeDefined();
});

test.each(['cross-account-role', 'cloudformation-role', 'read-only-role'])('%s publishes its ARN as export and SSM parameter; account IDs are Parameters', (name) => {
  const t = template('default', name);
  expect(Object.values(t.Outputs!)[0].Export).toBeDefined();
  expect(Object.values(t.Resources).some((r) => r.Type === 'AWS::SSM::Parameter')).toBe(true);
  // Only templates that trust CI-account roles declare CiAccountId (an unused parameter is cfn-lint W2001).
  if (name === 'cloudformation-role') expect(t.Parameters!.CiAccountId).toBeUndefined();
  else expect(t.Parameters!.CiAccountId.AllowedPattern).toBe('^\\d{12}$');
  expect(t.Parameters!.Prefix.AllowedPattern).toBeDefined();
});
