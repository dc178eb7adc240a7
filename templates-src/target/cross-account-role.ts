import { Template, Value } from '../cfn-types';
import type { Config, Stage } from '../config';
import { stageRegions } from '../central/pipeline-plan';
import { sub, P } from '../cfn';
import { names } from '../names';
import { artifactBucketArns, ciKeyUseViaS3, S3_ARTIFACT_READ, S3_ARTIFACT_WRITE, S3_BUCKET_READ, Statement } from '../policies/document';
import { roleTemplate, trustCiRoles, RoleSpec } from './role-template';

export const CROSS_ACCOUNT_ROLE = 'CrossAccountRole';

/** CloudFormation actions a CHANGE_SET_REPLACE / CHANGE_SET_EXECUTE pair and a plain deploy need. */
const CFN_STACK_ACTIONS = [
  'cloudformation:CreateChangeSet',
  'cloudformation:CreateStack',
  'cloudformation:DeleteChangeSet',
  'cloudformation:DeleteStack',
  'cloudformation:DescribeChangeSet',
  'cloudformation:DescribeStackEvents',
  'cloudformation:DescribeStacks',
  'cloudformation:ExecuteChangeSet',
  'cloudformation:GetTemplate',
  'cloudformation:SetStackPolicy',
  'cloudformation:UpdateStack',
];

/** The stack-name patterns the cross-account role may manage: configured, else the pipeline's stack names. */
export function stackNamePatterns(config: Config): string[] {
  if (config.stackNamePatterns && config.stackNamePatterns.length > 0) return [...new Set(config.stackNamePatterns)].sort();
  const fromStages = config.pipelines.flatMap((p) => p.stages.flatMap((s) => (s.cloudformation ? [s.cloudformation.stackName] : [])));
  return fromStages.length > 0 ? [...new Set(fromStages)].sort() : [`${config.prefix}-*`];
}

function codedeployStatement(config: Config): Statement[] {
  const stages = config.pipelines.flatMap((p) => p.stages.filter((s) => s.codedeploy));
  if (stages.length === 0) return [];
  const resources: Value<string>[] = [];
  for (const s of stages) {
    const cd = s.codedeploy!;
    resources.push(sub(`arn:${P.partition}:codedeploy:*:${P.account}:application:${cd.application}`));
    resources.push(sub(`arn:${P.partition}:codedeploy:*:${P.account}:deploymentgroup:${cd.application}/${cd.deploymentGroup}`));
  }
  resources.push(sub(`arn:${P.partition}:codedeploy:*:${P.account}:deploymentconfig:*`));
  return [
    {
      Sid: 'CodeDeployDeployments',
      Effect: 'Allow',
      Action: [
        'codedeploy:CreateDeployment',
        'codedeploy:GetApplication',
        'codedeploy:GetApplicationRevision',
        'codedeploy:GetDeployment',
        'codedeploy:GetDeploymentConfig',
        'codedeploy:RegisterApplicationRevision',
      ],
      Resource: [...new Map(resources.map((r) => [JSON.stringify(r), r])).values()],
    },
  ];
}

/** Each (name, region) once, in config order: a project or function in every region its stages deploy to. */
function perRegion(config: Config, pick: (s: Stage) => string | undefined): Array<{ name: string; region: string }> {
  const out = new Map<string, { name: string; region: string }>();
  for (const p of config.pipelines) {
    for (const s of p.stages) {
      const name = pick(s);
      if (name !== undefined) for (const region of stageRegions(config, s)) out.set(`${region}/${name}`, { name, region });
    }
  }
  return [...out.values()];
}

/**
 * codebuild: stages start the named projects in this account and watch their builds (the calls
 * CodePipeline's CodeBuild action makes with its role: StartBuild, BatchGetBuilds); lambda: stages
 * invoke the named functions. Nothing when no stage uses them.
 */
function targetActionStatements(config: Config): Statement[] {
  const out: Statement[] = [];
  const projects = perRegion(config, (s) => s.codebuild?.project);
  if (projects.length > 0) {
    out.push({
      Sid: 'StartConfiguredBuilds',
      Effect: 'Allow',
      Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild'],
      Resource: projects.map((x) => sub(`arn:${P.partition}:codebuild:${x.region}:${P.account}:project/${x.name}`)),
    });
  }
  const functions = perRegion(config, (s) => s.lambda?.function);
  if (functions.length > 0) {
    out.push({
      Sid: 'InvokeConfiguredFunctions',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: functions.map((x) => sub(`arn:${P.partition}:lambda:${x.region}:${P.account}:function:${x.name}`)),
    });
  }
  return out;
}

export function crossAccountStatements(config: Config): Statement[] {
  const artifacts = artifactBucketArns(true);
  return [
    {
      Sid: 'ManageConfiguredStacks',
      Effect: 'Allow',
      Action: CFN_STACK_ACTIONS,
      Resource: stackNamePatterns(config).map((name) => sub(`arn:${P.partition}:cloudformation:*:${P.account}:stack/${name}/*`)),
    },
    { Sid: 'ValidateTemplates', Effect: 'Allow', Action: 'cloudformation:ValidateTemplate', Resource: '*' },
    {
      Sid: 'PassOnlyTheCloudFormationRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: sub(`arn:${P.partition}:iam::${P.account}:role/${names.cfnExecRole(P.prefix)}`),
      Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    },
    { Sid: 'ReadWriteArtifacts', Effect: 'Allow', Action: [...S3_ARTIFACT_READ, ...S3_ARTIFACT_WRITE], Resource: artifacts.objects },
    { Sid: 'ListArtifactBuckets', Effect: 'Allow', Action: S3_BUCKET_READ, Resource: artifacts.buckets },
    ciKeyUseViaS3('UseArtifactKeyThroughS3', true),
    ...codedeployStatement(config),
    ...targetActionStatements(config),
  ];
}

/**
 * cross-account-role — lands in every account of the target OUs (home region, via StackSets).
 * The role the CI account's pipeline assumes: trusted only by the pipeline role, allowed to manage
 * the configured stacks, pass the CloudFormation role to CloudFormation, and move artifacts.
 */
export function crossAccountRole(config: Config): Template {
  const spec: RoleSpec = {
    id: CROSS_ACCOUNT_ROLE,
    name: names.crossAccountRole,
    slug: 'cross-account',
    description: 'Assumed by the xacct pipeline in the CI account to deploy into this account',
    trust: trustCiRoles([names.pipelineRole]),
    inline: crossAccountStatements(config),
  };
  return roleTemplate(config, 'xacct cross-account-role (every target account): the role the pipeline assumes', spec);
}
