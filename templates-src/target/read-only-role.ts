import { Template } from '../cfn-types';
import type { Config } from '../config';
import { sub, P } from '../cfn';
import { names } from '../names';
import { Statement } from '../policies/document';
import { partitioned } from './cloudformation-role';
import { roleTemplate, trustCiRoles, RoleSpec } from './role-template';

export const READ_ONLY_ROLE = 'ReadOnlyRole';

/** AWS's view-only job-function policy: describe, list and get of metadata across services. */
export const VIEW_ONLY_ACCESS = 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess';

/**
 * Actions that return data rather than metadata, by service family. Denied explicitly, so neither
 * ViewOnlyAccess (which grants a few of them, e.g. lex:GetUtterancesView, cognito-idp:List*,
 * ec2:DescribeInstance*) nor any policy attached later can make this role read data.
 */
export const DATA_READS: Record<string, string[]> = {
  'CloudWatch Logs': [
    'logs:FilterLogEvents',
    'logs:GetLogEvents',
    'logs:GetLogRecord',
    'logs:GetQueryResults',
    'logs:StartLiveTail',
    'logs:StartQuery',
    'logs:Unmask',
  ],
  DynamoDB: [
    'dax:BatchGetItem',
    'dax:GetItem',
    'dax:Query',
    'dax:Scan',
    'dynamodb:BatchGetItem',
    'dynamodb:ExportTableToPointInTime',
    'dynamodb:GetItem',
    'dynamodb:GetRecords',
    'dynamodb:PartiQLSelect',
    'dynamodb:Query',
    'dynamodb:Scan',
  ],
  'SQS and Kinesis': ['kinesis:GetRecords', 'kinesis:SubscribeToShard', 'sqs:ReceiveMessage'],
  'Lambda code': ['lambda:GetFunction', 'lambda:GetLayerVersion'],
  'ECR images': ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
  CodeCommit: ['codecommit:GetBlob', 'codecommit:GetDifferences', 'codecommit:GetFile', 'codecommit:GetFolder', 'codecommit:GitPull'],
  'Query results': [
    'athena:GetQueryResults',
    'athena:GetQueryResultsStream',
    'cloudtrail:GetQueryResults',
    'rds-data:BatchExecuteStatement',
    'rds-data:ExecuteStatement',
    'redshift-data:GetStatementResult',
    'redshift:ViewQueriesInConsole',
    'timestream:Select',
  ],
  EC2: [
    'ec2:DescribeInstanceAttribute',
    'ec2:GetConsoleOutput',
    'ec2:GetConsoleScreenshot',
    'ec2:GetLaunchTemplateData',
    'ec2:GetPasswordData',
    'lightsail:GetInstanceAccessDetails',
  ],
  'S3 and archives': [
    'ebs:GetSnapshotBlock',
    'glacier:GetJobOutput',
    's3-object-lambda:GetObject',
    's3:GetObject',
    's3:GetObjectTorrent',
    's3:GetObjectVersion',
    's3:GetObjectVersionTorrent',
  ],
  'Secrets and keys': ['kms:Decrypt', 'kms:ReEncryptFrom', 'secretsmanager:BatchGetSecretValue', 'secretsmanager:GetSecretValue'],
  'Other data stores': [
    'codeartifact:ReadFromRepository',
    'cognito-idp:AdminGetUser',
    'cognito-idp:ListUsers',
    'cognito-idp:ListUsersInGroup',
    'es:ESHttpGet',
    'es:ESHttpPost',
    'kafka-cluster:ReadData',
    'lex:GetUtterancesView',
    'rds:DownloadCompleteDBLogFile',
    'rds:DownloadDBLogFilePortion',
    'states:GetExecutionHistory',
    'xray:BatchGetTraces',
  ],
};

export const PARAMETER_READS = ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:GetParameters', 'ssm:GetParametersByPath'];

export function readOnlyStatements(): Statement[] {
  const xacctParameters = sub(`arn:${P.partition}:ssm:*:${P.account}:parameter/${P.prefix}/*`);
  return [
    // Discovery reads xacct's own parameters (role ARNs, bucket and key names); ViewOnlyAccess has no ssm:GetParameter*.
    { Sid: 'ReadXacctDiscoveryParameters', Effect: 'Allow', Action: PARAMETER_READS, Resource: xacctParameters },
    { Sid: 'DenyParametersOutsideXacct', Effect: 'Deny', Action: PARAMETER_READS, NotResource: xacctParameters },
    { Sid: 'DenyDataReads', Effect: 'Deny', Action: Object.values(DATA_READS).flat(), Resource: '*' },
  ];
}

/**
 * read-only-role — lands in every account of the target OUs (home region, via StackSets).
 * Discovery from the CI account: trusted by the pipeline and build roles; AWS's ViewOnlyAccess for
 * describe and list, xacct's own SSM parameters, and every data read (logs, items, messages, code,
 * images, objects, secrets, decryption, query results) explicitly denied.
 */
export function readOnlyRole(config: Config): Template {
  const spec: RoleSpec = {
    id: READ_ONLY_ROLE,
    name: names.readOnlyRole,
    slug: 'read-only',
    description: 'Read-only discovery of this account by the xacct pipeline and build roles',
    trust: trustCiRoles([names.pipelineRole, names.buildRole]),
    managedPolicyArns: [partitioned(VIEW_ONLY_ACCESS)],
    inline: readOnlyStatements(),
  };
  return roleTemplate(config, 'xacct read-only-role (every target account): read-only discovery role', spec);
}
