/**
 * The CI-account roles of the pipeline: `<prefix>-pipeline` (CodePipeline), `<prefix>-build`
 * (CodeBuild) and `<prefix>-events` (EventBridge starting pipelines). Their policies match the
 * fixed target role names with a wildcard account, so their size does not grow with the
 * number of target accounts.
 */
import { CODECOMMIT_SOURCE_ACTIONS } from '../policies/codecommit';
import { IAM, Value } from '../cfn-types';
import type { Config, Pipeline } from '../config';
import { ref, sub, tags, P } from '../cfn';
import { names } from '../names';
import { policy, Statement } from '../policies/document';
import { trustService } from '../target/role-template';
import { buildRoleStoreStatements } from '../policies/stores';

export const PIPELINE_ROLE = 'PipelineRole';
export const BUILD_ROLE = 'BuildRole';
export const EVENTS_ROLE = 'EventsRole';

const ownArtifacts = () => sub(`arn:${P.partition}:s3:::${names.bucket(P.prefix, 'artifacts', P.account, '*')}`);

/** Use of this account's artifact keys (home and replicas share the alias), in any region. */
function ownKeyUse(sid: string): Statement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
    Resource: sub(`arn:${P.partition}:kms:*:${P.account}:key/*`),
    Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': sub(names.keyAlias(P.prefix)) } },
  };
}

function artifactObjects(sid: string): Statement[] {
  return [
    {
      Sid: sid,
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
      Resource: sub(`arn:${P.partition}:s3:::${names.bucket(P.prefix, 'artifacts', P.account, '*')}/*`),
    },
    { Sid: `${sid}Buckets`, Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:GetBucketVersioning', 's3:ListBucket'], Resource: ownArtifacts() },
  ];
}

function assumeInOrg(sid: string, roles: string[]): Statement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: 'sts:AssumeRole',
    Resource: roles.map((r) => sub(`arn:${P.partition}:iam::*:role/${r}`)),
    Condition: { StringEquals: { 'aws:ResourceOrgID': ref('OrganizationId') } },
  };
}

function sourceStatements(pipelines: Pipeline[]): Statement[] {
  const out: Statement[] = [];
  const repos = pipelines.flatMap((p) => ('codecommit' in p.source && !p.source.codecommit.account ? [p.source.codecommit.repository] : []));
  if (repos.length > 0) {
    out.push({
      Sid: 'ReadSameAccountRepositories',
      Effect: 'Allow',
      Action: CODECOMMIT_SOURCE_ACTIONS,
      Resource: [...new Set(repos)].map((r) => sub(`arn:${P.partition}:codecommit:${P.region}:${P.account}:${r}`)),
    });
  }
  const connections = pipelines.flatMap((p) => ('connection' in p.source ? [p.source.connection.arn] : []));
  if (connections.length > 0) {
    out.push({
      Sid: 'UseConnections',
      Effect: 'Allow',
      Action: ['codeconnections:UseConnection', 'codestar-connections:UseConnection'],
      Resource: [...new Set(connections)],
    });
  }
  const buckets = pipelines.flatMap((p) => ('s3' in p.source ? [p.source.s3] : []));
  if (buckets.length > 0) {
    out.push({
      Sid: 'ReadSourceObjects',
      Effect: 'Allow',
      Action: ['s3:GetBucketVersioning', 's3:GetObject', 's3:GetObjectVersion'],
      Resource: buckets.flatMap((b) => [sub(`arn:${P.partition}:s3:::${b.bucket}`), sub(`arn:${P.partition}:s3:::${b.bucket}/${b.key}`)]),
    });
  }
  return out;
}

function approvalTopics(pipelines: Pipeline[]): Statement[] {
  const topics = pipelines.flatMap((p) => p.stages.flatMap((s) => (typeof s.approval === 'object' && s.approval.snsTopicArn ? [s.approval.snsTopicArn] : [])));
  return topics.length > 0 ? [{ Sid: 'NotifyApprovers', Effect: 'Allow', Action: 'sns:Publish', Resource: [...new Set(topics)] }] : [];
}

export function pipelineRoleStatements(config: Config): Statement[] {
  const crossAccount = [names.crossAccountRole(P.prefix)];
  if (config.pipelines.some((p) => 'codecommit' in p.source && p.source.codecommit.account)) crossAccount.push(names.sourceAccessRole(P.prefix));
  return [
    assumeInOrg('AssumeXacctRolesInOrganization', crossAccount),
    ...artifactObjects('Artifacts'),
    ownKeyUse('UseArtifactKeys'),
    {
      Sid: 'RunBuilds',
      Effect: 'Allow',
      Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild'],
      Resource: config.pipelines.flatMap((p) =>
        [
          names.buildProject(P.prefix, p.name),
          ...(p.stages.some((s) => s.stackset) ? [names.rolloutProject(P.prefix, p.name)] : []),
          ...(p.selfUpdate ? [names.selfUpdateProject(P.prefix, p.name)] : []),
        ].map((project) => sub(`arn:${P.partition}:codebuild:${P.region}:${P.account}:project/${project}`)),
      ),
    },
    ...sourceStatements(config.pipelines),
    ...approvalTopics(config.pipelines),
  ];
}

export function buildRoleStatements(config: Config): Statement[] {
  return [
    {
      Sid: 'WriteBuildLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: config.pipelines.map((p) =>
        sub(`arn:${P.partition}:logs:${P.region}:${P.account}:log-group:/aws/codebuild/${names.buildProject(P.prefix, p.name)}:*`),
      ),
    },
    ...artifactObjects('BuildArtifacts'),
    ownKeyUse('UseArtifactKeysForBuilds'),
    assumeInOrg('AssumeReadOnlyForDiscovery', [names.readOnlyRole(P.prefix)]),
    ...buildRoleStoreStatements(config),
  ];
}

function role(id: string, name: (p: string) => string, service: string, description: string, statements: Statement[]): IAM.Role {
  return new IAM.Role({
    RoleName: sub(name(P.prefix)),
    Description: description,
    AssumeRolePolicyDocument: trustService(service),
    Policies: [{ PolicyName: sub(`${name(P.prefix)}-policy`), PolicyDocument: policy(...statements) }],
    Tags: tags(ref('Prefix')),
  }).metadata({ 'xacct:role': id });
}

export function pipelineRoles(config: Config, pipelineArns: Value<string>[]): Record<string, IAM.Role> {
  return {
    [PIPELINE_ROLE]: role(
      PIPELINE_ROLE,
      names.pipelineRole,
      'codepipeline.amazonaws.com',
      'xacct pipelines: assumes the cross-account roles',
      pipelineRoleStatements(config),
    ),
    [BUILD_ROLE]: role(BUILD_ROLE, names.buildRole, 'codebuild.amazonaws.com', 'xacct builds', buildRoleStatements(config)),
    [EVENTS_ROLE]: role(EVENTS_ROLE, names.eventsRole, 'events.amazonaws.com', 'Starts xacct pipelines on repository events', [
      { Sid: 'StartPipelines', Effect: 'Allow', Action: 'codepipeline:StartPipelineExecution', Resource: pipelineArns },
    ]),
  };
}
