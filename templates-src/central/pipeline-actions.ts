/**
 * Planned actions -> CodePipeline action declarations. Every cross-account action carries the
 * target account's `<prefix>-cross-account` role; CloudFormation actions pass `<prefix>-cfn-exec`.
 */
import { Value } from '../cfn-types';
import type { ActionDeclaration, StageDeclaration } from 'cloudform-types/types/codePipeline/pipeline';
import type { Config, Pipeline, Stage } from '../config';
import { sub, P } from '../cfn';
import { names } from '../names';
import { AccountRef, PipelinePlan, PlannedAction } from './pipeline-plan';
import { approvalText, previewLink, previewNamespace, rolloutVariables } from './pipeline-rollout';

export function accountExpr(a: AccountRef): string {
  return a.kind === 'ci' ? P.account : a.kind === 'account' ? a.id : `\${${a.name}}`;
}

export function roleIn(a: AccountRef, name: (prefix: string) => string): Value<string> {
  return sub(`arn:${P.partition}:iam::${accountExpr(a)}:role/${name(P.prefix)}`);
}

type Body = Pick<ActionDeclaration, 'ActionTypeId' | 'Configuration' | 'RoleArn'>;

const type = (Category: string, Provider: string) => ({ Category, Owner: 'AWS', Provider, Version: '1' });
const artifacts = (list: string[]) => (list.length > 0 ? list.map((Name) => ({ Name })) : undefined);

function sourceDeclaration(p: Pipeline, a: PlannedAction): Body {
  if ('codecommit' in p.source) {
    const cc = p.source.codecommit;
    return {
      ActionTypeId: type('Source', 'CodeCommit'),
      // Started by EventBridge rules, never by polling.
      Configuration: { RepositoryName: cc.repository, BranchName: cc.branch, PollForSourceChanges: 'false', OutputArtifactFormat: 'CODE_ZIP' },
      RoleArn: a.account.kind === 'ci' ? undefined : roleIn(a.account, names.sourceAccessRole),
    };
  }
  if ('s3' in p.source) {
    return { ActionTypeId: type('Source', 'S3'), Configuration: { S3Bucket: p.source.s3.bucket, S3ObjectKey: p.source.s3.key, PollForSourceChanges: 'false' } };
  }
  const c = p.source.connection;
  return {
    ActionTypeId: type('Source', 'CodeStarSourceConnection'),
    Configuration: { ConnectionArn: c.arn, FullRepositoryId: c.repository, BranchName: c.branch, OutputArtifactFormat: 'CODE_ZIP', DetectChanges: 'true' },
  };
}

/** A CodeBuild action on a project of the CI account, with per-action environment variables ("AWS CodeBuild build and test action reference": EnvironmentVariables). */
function ciBuild(project: string, variables: Record<string, string>): Body {
  const env = Object.entries(variables).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' }));
  return { ActionTypeId: type('Build', 'CodeBuild'), Configuration: { ProjectName: sub(project), EnvironmentVariables: JSON.stringify(env) } };
}

/** Actions that run in a target account through its cross-account role: CodeBuild projects and Lambda functions there. */
function targetDeclaration(s: Stage, a: PlannedAction): Body | undefined {
  if (a.kind === 'codebuild')
    return {
      ActionTypeId: type('Build', 'CodeBuild'),
      Configuration: { ProjectName: s.codebuild!.project },
      RoleArn: roleIn(a.account, names.crossAccountRole),
    };
  if (a.kind === 'lambda') {
    // "AWS Lambda invoke action reference": FunctionName, and UserParameters passed to the function in the job.
    const fn = s.lambda!;
    return {
      ActionTypeId: type('Invoke', 'Lambda'),
      Configuration: { FunctionName: fn.function, ...(fn.userParameters ? { UserParameters: fn.userParameters } : {}) },
      RoleArn: roleIn(a.account, names.crossAccountRole),
    };
  }
  return undefined;
}

function deployDeclaration(config: Config, p: Pipeline, s: Stage, a: PlannedAction): Body {
  const changeSet = `${config.prefix}-${p.name}`;
  if (a.kind === 'stackset-rollout') return ciBuild(names.rolloutProject(P.prefix, p.name), rolloutVariables(s, 'rollout'));
  if (a.kind === 'stackset-preview') return ciBuild(names.rolloutProject(P.prefix, p.name), rolloutVariables(s, 'preview', p));
  const target = targetDeclaration(s, a);
  if (target) return target;
  if (a.kind === 'cfn-replace') {
    const cfn = s.cloudformation!;
    return {
      ActionTypeId: type('Deploy', 'CloudFormation'),
      Configuration: {
        ActionMode: 'CHANGE_SET_REPLACE',
        StackName: cfn.stackName,
        ChangeSetName: changeSet,
        TemplatePath: cfn.template,
        Capabilities: 'CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND',
        RoleArn: roleIn(a.account, names.cfnExecRole),
        ...(cfn.templateConfiguration ? { TemplateConfiguration: cfn.templateConfiguration } : {}),
        ...(cfn.parameters ? { ParameterOverrides: JSON.stringify(cfn.parameters) } : {}),
      },
      RoleArn: roleIn(a.account, names.crossAccountRole),
    };
  }
  if (a.kind === 'cfn-execute') {
    const cfn = s.cloudformation!;
    return {
      ActionTypeId: type('Deploy', 'CloudFormation'),
      Configuration: {
        ActionMode: 'CHANGE_SET_EXECUTE',
        StackName: cfn.stackName,
        ChangeSetName: changeSet,
        ...(cfn.outputFileName ? { OutputFileName: cfn.outputFileName } : {}),
      },
      RoleArn: roleIn(a.account, names.crossAccountRole),
    };
  }
  const cd = s.codedeploy!;
  return {
    ActionTypeId: type('Deploy', 'CodeDeploy'),
    Configuration: { ApplicationName: cd.application, DeploymentGroupName: cd.deploymentGroup },
    RoleArn: roleIn(a.account, names.crossAccountRole),
  };
}

function declaration(config: Config, plan: PipelinePlan, a: PlannedAction): ActionDeclaration {
  const p = plan.pipeline;
  let body: Body;
  if (a.kind.startsWith('source-')) body = sourceDeclaration(p, a);
  else if (a.kind === 'build') body = { ActionTypeId: type('Build', 'CodeBuild'), Configuration: { ProjectName: sub(names.buildProject(P.prefix, p.name)) } };
  else if (a.kind === 'self-update')
    body = { ActionTypeId: type('Build', 'CodeBuild'), Configuration: { ProjectName: sub(names.selfUpdateProject(P.prefix, p.name)) } };
  else if (a.kind === 'approval') {
    const stage = p.stages[a.configStage];
    const options = typeof stage.approval === 'object' ? stage.approval : {};
    body = {
      ActionTypeId: type('Approval', 'Manual'),
      Configuration: {
        CustomData: stage.stackset ? approvalText(p, stage, options.comment) : (options.comment ?? `Approve deployment of ${p.name} to ${stage.name}`),
        // The preview's full report, in the artifact bucket ("Manage approval actions": ExternalEntityLink).
        ...(stage.stackset ? { ExternalEntityLink: sub(previewLink(p, stage)) } : {}),
        ...(options.snsTopicArn ? { NotificationArn: options.snsTopicArn } : {}),
      },
    };
  } else body = deployDeclaration(config, p, p.stages[a.configStage], a);
  return {
    Name: a.name,
    ...body,
    ...(a.kind === 'stackset-preview' ? { Namespace: previewNamespace(p.stages[a.configStage]) } : {}),
    InputArtifacts: artifacts(a.inputs),
    OutputArtifacts: artifacts(a.outputs),
    RunOrder: a.runOrder,
    // Region only where it differs: actions in the pipeline's region use its default store.
    Region: a.region === config.homeRegion ? undefined : a.region,
  };
}

export function stageDeclarations(config: Config, plan: PipelinePlan): StageDeclaration[] {
  return plan.stages.map((s) => ({ Name: s.name, Actions: s.actions.map((a) => declaration(config, plan, a)) }));
}
