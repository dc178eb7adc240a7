import { asList, built, CONFIGS, statementsIn, template } from '../support/build';
import type { Json } from '../support/json';

const role = (config: string, name: string, id: string) => template(config, name).Resources[id].Properties as Record<string, Json>;
const allowActions = (doc: unknown) =>
  statementsIn(doc)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => asList<string>(s.Action));

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
    expect(asList(s.Resource).map((r: Json) => r['Fn::Sub'])).toEqual(
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
  const p = t.Resources.CloudFormationRole.Properties as Record<string, Json>;

  test('is trusted only by CloudFormation, with no source condition (CloudFormation documents none for a stack role)', () => {
    const trust = statementsIn(p.AssumeRolePolicyDocument);
    expect(trust).toHaveLength(1);
    expect(trust[0].Principal).toEqual({ Service: 'cloudformation.amazonaws.com' });
    expect(trust[0].Condition).toBeUndefined();
  });

  test('carries the configured managed policies in the stack partition', () => {
    const expected = config === 'default' ? ['AdministratorAccess'] : ['PowerUserAccess', 'IAMFullAccess'];
    expect(p.ManagedPolicyArns).toEqual(expected.map((n) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/${n}` })));
  });

  test('carries the permissions boundary, which the escalation proofs evaluate (test/lint/access-paths-escalation)', () => {
    expect(p.PermissionsBoundary).toEqual({ Ref: 'PermissionsBoundary' });
    const boundary = t.Resources.PermissionsBoundary;
    expect(boundary.Metadata).toEqual({ 'xacct:purpose': 'permissions-boundary' });
    const s = statementsIn(boundary.Properties!.PolicyDocument);
    expect(s.find((x) => x.Sid === 'DenyRolesWithoutThisBoundary')!.Condition.StringNotEquals['iam:PermissionsBoundary']).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/${Prefix}-cfn-boundary',
    });
  });

  test('publishes the boundary ARN as an export and an SSM parameter for app stacks', () => {
    expect(t.Outputs!.PermissionsBoundaryArn.Export!.Name).toEqual({ 'Fn::Sub': '${Prefix}-permissions-boundary-arn' });
    expect(t.Outputs!.PermissionsBoundaryArn.Value).toEqual({ Ref: 'PermissionsBoundary' });
    expect(t.Resources.PermissionsBoundaryArnParameter.Properties!.Name).toEqual({ 'Fn::Sub': '/${Prefix}/permissions-boundary-arn' });
  });

  test('allows passing and assuming only roles named after the configured stacks', () => {
    const s = statementsIn(t.Resources.PermissionsBoundary.Properties!.PolicyDocument).find((x) => x.Sid === 'DenyOutsideTheAppStacks')!;
    const expected = config === 'default' ? ['app-*'] : ['ledger-*', 'payments-*'];
    expect(asList(s.NotResource).filter((r) => typeof r === 'string' && r.includes(':role/'))).toEqual(expected.map((n) => `arn:*:iam::*:role/${n}`));
  });
});

describe.each(CONFIGS)('read-only-role (%s config)', (config) => {
  const p = role(config, 'read-only-role', 'ReadOnlyRole');
  const inline = statementsIn(p.Policies);

  test('is trusted by the CI pipeline and build roles only', () => {
    const [trust] = statementsIn(p.AssumeRolePolicyDocument);
    expect(trust.Condition.ArnEquals['aws:PrincipalArn'].map((a: Json) => a['Fn::Sub']).sort()).toEqual([
      'arn:${AWS::Partition}:iam::${CiAccountId}:role/${Prefix}-build',
      'arn:${AWS::Partition}:iam::${CiAccountId}:role/${Prefix}-pipeline',
    ]);
  });

  test("is based on AWS's ViewOnlyAccess; its only own Allow is xacct's discovery parameters", () => {
    expect(p.ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/job-function/ViewOnlyAccess' }]);
    expect(inline.filter((x) => x.Effect === 'Allow').map((x) => x.Sid)).toEqual(['ReadXacctDiscoveryParameters']);
  });

  test('explicitly denies data reads on every resource', () => {
    const deny = inline.find((x) => x.Sid === 'DenyDataReads')!;
    expect(asList(deny.Action)).toEqual(
      expect.arrayContaining(['kms:Decrypt', 's3:GetObject', 'logs:GetLogEvents', 'sqs:ReceiveMessage', 'lambda:GetFunction']),
    );
    expect(deny.Resource).toBe('*');
  });
});

test('automation-role exists only when configured, and only reads artifacts', () => {
  expect(() => template('default', 'automation-role')).toThrow(/no template/);
  const p = role('two-ous', 'automation-role', 'AutomationRole');
  expect(p.RoleName).toEqual({ 'Fn::Sub': '${Prefix}-automation' });
  expect(allowActions(p.Policies).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*', 's3:GetObject', 's3:GetObjectVersion']);
  const trust = statementsIn(p.AssumeRolePolicyDocument);
  // CodeBuild documents aws:SourceAccount when it assumes a role; Lambda documents no source key.
  expect(trust.find((s) => s.Principal.Service === 'codebuild.amazonaws.com')!.Condition.StringEquals['aws:SourceAccount']).toEqual({
    'Fn::Sub': '${AWS::AccountId}',
  });
  expect(trust.find((s) => s.Principal.Service === 'lambda.amazonaws.com')!.Condition).toBeUndefined();
});

test.each(['cross-account-role', 'cloudformation-role', 'read-only-role'])(
  '%s publishes its ARN as export and SSM parameter; account IDs are Parameters',
  (name) => {
    const t = template('default', name);
    expect(Object.values(t.Outputs!)[0].Export).toBeDefined();
    expect(Object.values(t.Resources).some((r) => r.Type === 'AWS::SSM::Parameter')).toBe(true);
    // Only templates that trust CI-account roles declare CiAccountId (an unused parameter is cfn-lint W2001).
    if (name === 'cloudformation-role') expect(t.Parameters!.CiAccountId).toBeUndefined();
    else expect(t.Parameters!.CiAccountId.AllowedPattern).toBe('^\\d{12}$');
    expect(t.Parameters!.Prefix.AllowedPattern).toBeDefined();
  },
);

describe('codedeploy-instance-role', () => {
  const t = template('codedeploy-instance-role', 'codedeploy-instance-role');
  const p = t.Resources.CodeDeployInstanceRole.Properties as Record<string, Json>;

  test('deployed only when a CodeDeploy stage names no instance role', () => {
    expect(built('codedeploy-instance-role').manifest.templates.find((m) => m.name === 'codedeploy-instance-role')!.deployed).toBe(true);
    // Every stage of the codedeploy config names its own role: the template is only a building block there.
    expect(built('codedeploy').manifest.templates.find((m) => m.name === 'codedeploy-instance-role')!.deployed).toBe(false);
    expect(built('default').manifest.templates.find((m) => m.name === 'codedeploy-instance-role')!.deployed).toBe(false);
  });

  test('the role has the name the key and bucket policies admit, trusted by EC2 alone, with AmazonSSMManagedInstanceCore', () => {
    expect(p.RoleName).toEqual({ 'Fn::Sub': '${Prefix}-codedeploy-instance' });
    expect(statementsIn(p.AssumeRolePolicyDocument)).toEqual([
      { Sid: 'TrustEc2', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(p.ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore' }]);
    expect(allowActions(p.Policies).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*', 's3:GetObject', 's3:GetObjectVersion']);
    const bucket = statementsIn(template('codedeploy-instance-role', 'buckets').Resources.ArtifactBucketPolicy.Properties!.PolicyDocument).find(
      (s) => s.Sid === 'TargetRolesReadWrite',
    )!;
    expect(bucket.Condition.ArnLike['aws:PrincipalArn']).toContainEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/${Prefix}-codedeploy-instance' });
  });

  test('an instance profile of the same name holds the role; both published', () => {
    expect(t.Resources.CodeDeployInstanceProfile.Properties).toEqual({
      InstanceProfileName: { 'Fn::Sub': '${Prefix}-codedeploy-instance' },
      Roles: [{ Ref: 'CodeDeployInstanceRole' }],
    });
    expect(t.Outputs!.CodeDeployInstanceProfileName.Export!.Name).toEqual({ 'Fn::Sub': '${Prefix}-codedeploy-instance-profile-name' });
    expect(t.Outputs!.CodeDeployInstanceRoleArn.Export!.Name).toEqual({ 'Fn::Sub': '${Prefix}-codedeploy-instance-role-arn' });
    expect((t.Resources.CodeDeployInstanceRoleArnParameter.Properties as Json).Name).toEqual({ 'Fn::Sub': '/${Prefix}/roles/codedeploy-instance' });
  });
});
