import { CodeBuild, Events, Logs, SSM, Template, Value, IntrinsicFunction } from '../cfn-types';
import type Parameter from 'cloudform-types/types/parameter';
import type { Config, Pipeline } from '../config';
import { ConfigError } from '../config';
import { getAtt, importValue, merge, parameters, ref, retain, sub, tags, P } from '../cfn';
import { PipelineV2 } from '../cfn-ext';
import type { DeployContext } from '../index';
import { names } from '../names';
import { stageDeclarations } from './pipeline-actions';
import { extraRegions, pascal, PipelinePlan, planPipelines, sourceAccountParameter } from './pipeline-plan';
import { pipelineProblems } from './pipeline-rules';
import { BUILD_ROLE, EVENTS_ROLE, PIPELINE_ROLE, pipelineRoles } from './pipeline-roles';
import { engineProjects, engineRoles, rolloutParameters } from './pipeline-rollout';

const keyArn = () => importValue(sub(names.export(P.prefix, 'artifact-key-arn')));
const LOG_RETENTION_DAYS = 365;

function pipelineArn(p: Pipeline): Value<string> {
  return sub(`arn:${P.partition}:codepipeline:${P.region}:${P.account}:${names.pipelineName(P.prefix, p.name)}`);
}

/** One artifact store per region: the home bucket and key, plus each regional store (a replica of the key). */
function artifactStores(config: Config) {
  const home = { Type: 'S3', Location: importValue(sub(names.export(P.prefix, 'artifacts-bucket'))), EncryptionKey: { Id: keyArn(), Type: 'KMS' } };
  const regions = extraRegions(config);
  if (regions.length === 0) return { ArtifactStore: home };
  // Replicas of a multi-Region key share its key ID, so their ARNs are known here without a lookup.
  const keyId = new IntrinsicFunction('Fn::Select', [1, new IntrinsicFunction('Fn::Split', ['/', keyArn()])]);
  return {
    ArtifactStores: [
      { Region: sub(P.region), ArtifactStore: home },
      ...regions.map((r) => ({
        Region: r,
        ArtifactStore: {
          Type: 'S3',
          Location: sub(names.bucket(P.prefix, 'artifacts', P.account, r)),
          EncryptionKey: {
            Id: new IntrinsicFunction('Fn::Sub', [`arn:\${AWS::Partition}:kms:${r}:\${AWS::AccountId}:key/\${KeyId}`, { KeyId: keyId }]),
            Type: 'KMS',
          },
        },
      })),
    ],
  };
}

function buildResources(p: Pipeline): Template['Resources'] {
  const id = pascal(p.name);
  const project = names.buildProject(P.prefix, p.name);
  return {
    [`${id}BuildLogs`]: retain(new Logs.LogGroup({ LogGroupName: sub(`/aws/codebuild/${project}`), RetentionInDays: LOG_RETENTION_DAYS, KmsKeyId: keyArn() })),
    [`${id}Build`]: new CodeBuild.Project({
      Name: sub(project),
      Description: `Build stage of the ${p.name} pipeline`,
      ServiceRole: getAtt(BUILD_ROLE, 'Arn'),
      EncryptionKey: keyArn(),
      Source: { Type: 'CODEPIPELINE', BuildSpec: p.build.buildspec },
      Artifacts: { Type: 'CODEPIPELINE' },
      Environment: { Type: 'LINUX_CONTAINER', ComputeType: p.build.computeType, Image: p.build.image, PrivilegedMode: false },
      LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: sub(`/aws/codebuild/${project}`) } },
      TimeoutInMinutes: 60,
      Tags: tags(ref('Prefix')),
    }).dependsOn(`${id}BuildLogs`),
  };
}

/** The EventBridge rule (and, for another account, the bus policy) that starts the pipeline. */
function triggerResources(p: Pipeline): Template['Resources'] {
  const id = pascal(p.name);
  const target = { Arn: pipelineArn(p), Id: 'pipeline', RoleArn: getAtt(EVENTS_ROLE, 'Arn') };
  if ('codecommit' in p.source) {
    const cc = p.source.codecommit;
    const account = cc.account ? `\${${sourceAccountParameter(p)}}` : P.account;
    const pattern = {
      source: ['aws.codecommit'],
      'detail-type': ['CodeCommit Repository State Change'],
      ...(cc.account ? { account: [ref(sourceAccountParameter(p))] } : {}),
      resources: [sub(`arn:${P.partition}:codecommit:${P.region}:${account}:${cc.repository}`)],
      detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'], referenceName: [cc.branch] },
    };
    const out: Template['Resources'] = {
      [`${id}SourceRule`]: new Events.Rule({
        Description: `Start ${p.name} on pushes to ${cc.repository}/${cc.branch}`,
        EventPattern: pattern,
        State: 'ENABLED',
        Targets: [target],
      }),
    };
    if (cc.account) {
      out[`${id}SourceBusPolicy`] = new Events.EventBusPolicy({
        EventBusName: 'default',
        StatementId: sub(`${P.prefix}-${p.name}-source`),
        Statement: {
          Effect: 'Allow',
          Principal: { AWS: sub(`arn:${P.partition}:iam::${account}:root`) },
          Action: 'events:PutEvents',
          Resource: sub(`arn:${P.partition}:events:${P.region}:${P.account}:event-bus/default`),
          Condition: { StringEquals: { 'aws:PrincipalOrgID': ref('OrganizationId') } },
        },
      });
    }
    return out;
  }
  if ('s3' in p.source) {
    // Needs EventBridge notifications turned on for the source bucket.
    const pattern = {
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [p.source.s3.bucket] }, object: { key: [p.source.s3.key] } },
    };
    return {
      [`${id}SourceRule`]: new Events.Rule({
        Description: `Start ${p.name} on new source objects`,
        EventPattern: pattern,
        State: 'ENABLED',
        Targets: [target],
      }),
    };
  }
  return {}; // CodeConnections sources start the pipeline themselves.
}

/** Stages left out for want of accounts, recorded on the pipeline so plan and status can tell them from stages that are new. */
function emptyStagesMetadata(plan: PipelinePlan): Record<string, string[]> | undefined {
  return plan.skipped.length > 0 ? { 'xacct:emptyStages': plan.skipped.map((k) => k.name) } : undefined;
}

function pipelineResources(config: Config, plan: PipelinePlan, ctx?: DeployContext): Template {
  const p = plan.pipeline;
  const id = pascal(p.name);
  const resource = new PipelineV2({
    Name: sub(names.pipelineName(P.prefix, p.name)),
    RoleArn: getAtt(PIPELINE_ROLE, 'Arn'),
    PipelineType: 'V2',
    ExecutionMode: 'QUEUED',
    // With selfUpdate, a run that changed the pipeline is followed by one on the new structure (as CDK Pipelines' self-mutation does).
    RestartExecutionOnUpdate: Boolean(p.selfUpdate),
    ...artifactStores(config),
    Stages: stageDeclarations(config, plan),
    Tags: tags(ref('Prefix')),
  });
  const metadata = emptyStagesMetadata(plan);
  const pipeline: Template['Resources'] = {
    [`${id}Pipeline`]: metadata ? resource.metadata(metadata) : resource,
    [`${id}PipelineNameParameter`]: new SSM.Parameter({
      Name: sub(names.ssm(P.prefix, `pipelines/${p.name}`)),
      Type: 'String',
      Value: ref(`${id}Pipeline`),
      Description: `Name of the xacct ${p.name} pipeline`,
    }),
  };
  const outputs = { [`${id}PipelineName`]: { Description: `Name of the ${p.name} pipeline`, Value: ref(`${id}Pipeline`) } };
  return merge(
    `pipeline ${p.name}`,
    { Resources: buildResources(p) },
    { Resources: engineProjects(p, ctx) },
    { Resources: pipeline, Outputs: outputs },
    { Resources: triggerResources(p) },
  );
}

function accountParameters(plans: PipelinePlan[]): Record<string, Parameter> {
  const out: Record<string, Parameter> = {};
  const account = (description: string, value?: string): Parameter => ({
    Type: 'String',
    Description: description,
    AllowedPattern: '^\\d{12}$',
    ConstraintDescription: 'a 12-digit AWS account ID',
    ...(value ? { Default: value } : {}),
  });
  for (const plan of plans) {
    const p = plan.pipeline;
    if ('codecommit' in p.source && p.source.codecommit.account) {
      out[sourceAccountParameter(p)] = account(
        `Account holding the ${p.source.codecommit.repository} repository of pipeline ${p.name}`,
        p.source.codecommit.account,
      );
    }
    for (const stage of plan.stages) {
      for (const a of stage.actions) {
        if (a.account.kind === 'parameter' && !(a.account.name in out) && a.configStage >= 0) {
          out[a.account.name] = account(
            `Account that stage ${stage.name} of pipeline ${p.name} deploys to (xacct deploy expands the stage to every account of target "${p.stages[a.configStage].target}")`,
          );
        }
      }
    }
  }
  return out;
}

/** Plan and validate; throws ConfigError naming each broken CodePipeline rule. */
export function validatedPlans(config: Config, ctx?: DeployContext): PipelinePlan[] {
  const plans = planPipelines(config, ctx);
  const problems = pipelineProblems(config, plans);
  if (problems.length > 0) throw new ConfigError('pipelines', problems);
  return plans;
}

/**
 * pipeline — lands in the CI account. The pipeline, build and events roles; per configured pipeline a
 * CodeBuild project with its log group, a V2 CodePipeline whose artifact stores use the key by ARN,
 * and the EventBridge rule that starts it. In `dist/` each deploy stage targets one account given as
 * a Parameter; at deploy time each stage expands to every account of its target OUs (split into
 * consecutive stages within CodePipeline's quotas, left out while the target has no account). A
 * stackset: stage is one CodeBuild action on xacct's engine whatever the number of accounts.
 */
export function pipelineTemplate(config: Config, ctx?: DeployContext): Template {
  const plans = validatedPlans(config, ctx);
  const description = 'xacct pipeline (CI account): pipelines, build projects, their roles and triggers';
  const shared: Template = {
    Parameters: {
      Prefix: parameters.Prefix(config.prefix),
      OrganizationId: parameters.OrganizationId(),
      ...accountParameters(plans),
      ...rolloutParameters(config, ctx),
    },
    Resources: { ...pipelineRoles(config, config.pipelines.map(pipelineArn)), ...engineRoles(config) },
    Outputs: {
      PipelineRoleArn: {
        Description: 'ARN of the pipeline role',
        Value: getAtt(PIPELINE_ROLE, 'Arn'),
        Export: { Name: sub(names.export(P.prefix, 'pipeline-role-arn')) },
      },
      BuildRoleArn: { Description: 'ARN of the build role', Value: getAtt(BUILD_ROLE, 'Arn'), Export: { Name: sub(names.export(P.prefix, 'build-role-arn')) } },
    },
  };
  return merge(description, shared, ...plans.map((plan) => pipelineResources(config, plan, ctx)));
}
