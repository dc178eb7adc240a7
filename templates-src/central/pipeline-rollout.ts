/**
 * The CI-account side of `stackset:` stages and `selfUpdate`: a CodeBuild project per pipeline that
 * runs xacct's own StackSet engine (`xacct rollout`), installed from the templates bucket where
 * `xacct deploy` put it under a content-hashed key, with the role `<prefix>-stackset-deploy`; and a
 * project that runs `xacct deploy` from the repository's config with `<prefix>-self-update`, whose
 * policy is the deployer's own. CodePipeline's own StackSets actions refuse delegated administrators
 * ("AWS CloudFormation StackSets deploy action reference"), hence CodeBuild.
 */
import { CodeBuild, IAM, Logs, Template, Value } from '../cfn-types';
import type Parameter from 'cloudform-types/types/parameter';
import type { Config, Pipeline, Stage } from '../config';
import { getAtt, importValue, ref, retain, sub, tags, P } from '../cfn';
import { DeployerConfig, deployerPolicy } from '../deployer-policy';
import type { DeployContext } from '../index';
import { names, PREFIX_TAG } from '../names';
import { policy, Statement } from '../policies/document';
import { trustService } from '../target/role-template';
import { pascal } from './pipeline-plan';

export const STACKSET_DEPLOY_ROLE = 'StacksetDeployRole';
export const SELF_UPDATE_ROLE = 'SelfUpdateRole';
/** The image the engine runs in: Node.js from `runtime-versions`, the AWS CLI to fetch it ("Docker images provided by CodeBuild"). */
export const ENGINE_IMAGE = 'aws/codebuild/amazonlinux-x86_64-standard:5.0';
/** The exported variable that carries the preview's summary into the approval ("Variables reference": CodeBuild action variables). */
export const PREVIEW_VARIABLE = 'XACCT_PREVIEW';
/** Template Parameters for the engine's and the resolved config's keys in dist/ (xacct deploy gives literal keys). */
export const ENGINE_KEY_PARAMETER = 'RolloutEngineKey';
export const CONFIG_KEY_PARAMETER = 'RolloutConfigKey';
const LOG_RETENTION_DAYS = 365;

const keyArn = () => importValue(sub(names.export(P.prefix, 'artifact-key-arn')));
const templatesBucket = () => names.bucket(P.prefix, 'templates', P.account, P.region);
const artifactsBucket = () => names.bucket(P.prefix, 'artifacts', P.account, P.region);

export const hasStacksetStages = (p: Pipeline) => p.stages.some((s) => s.stackset);
/** Pipelines, or the config, that need xacct's engine in the templates bucket. */
export const needsEngine = (config: Config) => config.pipelines.some((p) => hasStacksetStages(p) || p.selfUpdate);

/** The CI-account roles the engine runs as for this config (their names, for the key policy). */
export function engineRoleNames(config: Config): Array<(prefix: string) => string> {
  return [
    ...(config.pipelines.some(hasStacksetStages) ? [names.stacksetDeployRole] : []),
    ...(config.pipelines.some((p) => p.selfUpdate) ? [names.selfUpdateRole] : []),
  ];
}

/** `Preview-<Stage>`: the namespace of a stackset: stage's preview action (unique per pipeline, as stage names are). */
export function previewNamespace(s: Stage): string {
  return `Preview-${s.name}`;
}

/** The preview report's key in the artifact bucket, for this execution (`#{codepipeline.PipelineExecutionId}` resolves at run time). */
function previewKey(p: Pipeline, s: Stage): string {
  return names.previewKey(p.name, s.name, '#{codepipeline.PipelineExecutionId}');
}

/** S3 console page of the preview report: the approval's ExternalEntityLink. */
export function previewLink(p: Pipeline, s: Stage): string {
  return `https://s3.console.aws.amazon.com/s3/object/${artifactsBucket()}?region=${P.region}&prefix=${previewKey(p, s)}`;
}

/**
 * The approval's CustomData: the comment and the preview's summary. "do not exceed the 1000-character
 * limit for the configuration fields" ("Variables reference") counts the text as written here; the
 * summary the preview exports is kept short enough that the resolved text stays within it too.
 */
export function approvalText(p: Pipeline, s: Stage, comment?: string): string {
  return `${comment ?? `Approve the rollout of ${p.name} to ${s.name}`}. What it changes: #{${previewNamespace(s)}.${PREVIEW_VARIABLE}}`;
}

/** Longest summary the preview exports: the approval text around it, and 1,000 characters in all. */
export const MAX_PREVIEW_SUMMARY = 700;

/** What one rollout or preview action tells the project: stage, template path in the input artifact, mode. */
export function rolloutVariables(s: Stage, mode: 'rollout' | 'preview', p?: Pipeline): Record<string, string> {
  const path = s.stackset!.template.split('::').slice(1).join('::');
  const out: Record<string, string> = { XACCT_STAGE: s.name, XACCT_TEMPLATE: path, XACCT_MODE: mode };
  if (mode === 'preview' && p) out.XACCT_REPORT_KEY = previewKey(p, s);
  return out;
}

/**
 * A buildspec that installs xacct's engine from the templates bucket into /tmp/xacct.js (Node 22)
 * and then runs `commands`; `env` lines go under `env:` after the shell.
 */
function engineBuildspec(env: string[], commands: string[]): string {
  return [
    'version: 0.2',
    'env:',
    '  shell: bash',
    ...env,
    'phases:',
    '  install:',
    '    runtime-versions:',
    '      nodejs: 22',
    '  build:',
    '    commands:',
    '      - aws s3 cp --only-show-errors "s3://${XACCT_BUCKET}/${XACCT_ENGINE_KEY}" /tmp/xacct.js',
    ...commands,
    '',
  ].join('\n');
}

/** The buildspec of the rollout project: install the engine from the templates bucket, run it. */
export function rolloutBuildspec(): string {
  return engineBuildspec(
    ['  variables:', `    ${PREVIEW_VARIABLE}: ""`, '  exported-variables:', `    - ${PREVIEW_VARIABLE}`],
    [
      '      - aws s3 cp --only-show-errors "s3://${XACCT_BUCKET}/${XACCT_CONFIG_KEY}" /tmp/xacct-config.json',
      '      - |',
      '        set -euo pipefail',
      '        args=(rollout --config /tmp/xacct-config.json --pipeline "$XACCT_PIPELINE" --stage "$XACCT_STAGE" --template "$CODEBUILD_SRC_DIR/$XACCT_TEMPLATE" --no-color)',
      '        if [ "$XACCT_MODE" = preview ]; then',
      '          node /tmp/xacct.js "${args[@]}" --preview --summary-file /tmp/xacct-summary.txt | tee /tmp/xacct-preview.txt',
      '          aws s3 cp --only-show-errors /tmp/xacct-preview.txt "s3://${XACCT_REPORT_BUCKET}/${XACCT_REPORT_KEY}" --sse aws:kms --sse-kms-key-id "$XACCT_KEY_ARN" --content-type "text/plain; charset=utf-8"',
      `          export ${PREVIEW_VARIABLE}="$(cat /tmp/xacct-summary.txt)"`,
      '        else',
      '          node /tmp/xacct.js "${args[@]}"',
      '        fi',
    ],
  );
}

/** The buildspec of the self-update project: the same engine, `xacct deploy` with the repository's config. */
export function selfUpdateBuildspec(): string {
  return engineBuildspec(
    [],
    // Without --yes: removing what left the config, or recreating a failed stack, waits for a person.
    ['      - node /tmp/xacct.js deploy --config "$CODEBUILD_SRC_DIR/$XACCT_CONFIG_PATH" --no-color'],
  );
}

/** The engine's and config's keys: literal at deploy time, Parameters in dist/. */
function keys(ctx?: DeployContext): { engine: Value<string>; config: Value<string> } {
  if (ctx?.rollout) return { engine: ctx.rollout.engineKey, config: ctx.rollout.configKey };
  return { engine: ref(ENGINE_KEY_PARAMETER), config: ref(CONFIG_KEY_PARAMETER) };
}

export function rolloutParameters(config: Config, ctx?: DeployContext): Record<string, Parameter> {
  if (!needsEngine(config) || ctx?.rollout) return {};
  const key = (what: string): Parameter => ({
    Type: 'String',
    Description: `Key in the templates bucket of ${what} (xacct deploy uploads it and gives the key)`,
    AllowedPattern: '^xacct/[a-z]+/[0-9a-f]{16}\\.(js|json)$',
    ConstraintDescription: 'an xacct/<kind>/<hash>.js or .json key',
  });
  return { [ENGINE_KEY_PARAMETER]: key("xacct's StackSet engine, a single-file bundle"), [CONFIG_KEY_PARAMETER]: key('the resolved config the engine reads') };
}

function project(o: {
  id: string;
  name: string;
  pipeline: string;
  role: string;
  buildspec: string;
  env: Record<string, Value<string>>;
}): Template['Resources'] {
  return {
    [`${o.id}Logs`]: retain(new Logs.LogGroup({ LogGroupName: sub(`/aws/codebuild/${o.name}`), RetentionInDays: LOG_RETENTION_DAYS, KmsKeyId: keyArn() })),
    [o.id]: new CodeBuild.Project({
      Name: sub(o.name),
      Description: `xacct's engine for the ${o.pipeline} pipeline`,
      ServiceRole: getAtt(o.role, 'Arn'),
      EncryptionKey: keyArn(),
      Source: { Type: 'CODEPIPELINE', BuildSpec: o.buildspec },
      Artifacts: { Type: 'CODEPIPELINE' },
      Environment: {
        Type: 'LINUX_CONTAINER',
        ComputeType: 'BUILD_GENERAL1_SMALL',
        Image: ENGINE_IMAGE,
        PrivilegedMode: false,
        EnvironmentVariables: Object.entries(o.env).map(([Name, Value]) => ({ Name, Value, Type: 'PLAINTEXT' })),
      },
      LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: sub(`/aws/codebuild/${o.name}`) } },
      TimeoutInMinutes: 480,
      Tags: tags(ref('Prefix')),
    }).dependsOn(`${o.id}Logs`),
  };
}

/** Per pipeline: the rollout project (stackset: stages) and the self-update project (selfUpdate). */
export function engineProjects(p: Pipeline, ctx?: DeployContext): Template['Resources'] {
  const id = pascal(p.name);
  const k = keys(ctx);
  const common = { XACCT_BUCKET: sub(templatesBucket()), XACCT_ENGINE_KEY: k.engine };
  let out: Template['Resources'] = {};
  if (hasStacksetStages(p)) {
    const env = { ...common, XACCT_CONFIG_KEY: k.config, XACCT_PIPELINE: p.name, XACCT_REPORT_BUCKET: sub(artifactsBucket()), XACCT_KEY_ARN: keyArn() };
    out = {
      ...out,
      ...project({
        id: `${id}Rollout`,
        name: names.rolloutProject(P.prefix, p.name),
        pipeline: p.name,
        role: STACKSET_DEPLOY_ROLE,
        buildspec: rolloutBuildspec(),
        env,
      }),
    };
  }
  if (p.selfUpdate) {
    const path = typeof p.selfUpdate === 'object' ? p.selfUpdate.config : 'xacct.yaml';
    out = {
      ...out,
      ...project({
        id: `${id}SelfUpdate`,
        name: names.selfUpdateProject(P.prefix, p.name),
        pipeline: p.name,
        role: SELF_UPDATE_ROLE,
        buildspec: selfUpdateBuildspec(),
        env: { ...common, XACCT_CONFIG_PATH: path },
      }),
    };
  }
  return out;
}

const logStatement = (sid: string, projects: string[]): Statement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: projects.map((n) => sub(`arn:${P.partition}:logs:${P.region}:${P.account}:log-group:/aws/codebuild/${n}:*`)),
});

/** Use of the artifact key, only through S3 and only for this account's xacct buckets (alias, like the pipeline role's). */
const keyThroughS3 = (sid: string): Statement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
  Resource: sub(`arn:${P.partition}:kms:${P.region}:${P.account}:key/*`),
  Condition: {
    'ForAnyValue:StringEquals': { 'kms:ResourceAliases': sub(names.keyAlias(P.prefix)) },
    StringLike: { 'kms:ViaService': sub(`s3.${P.region}.amazonaws.com`) },
  },
});

/**
 * `<prefix>-stackset-deploy`: exactly the calls `xacct rollout` makes. The StackSet calls on the
 * stage StackSets by name (they live in the management account even when a delegated administrator
 * makes them: "CreateStackSet - AWS CloudFormation", CallAs), CreateStackSet (which has no resource
 * in the Service Authorization Reference) only with the prefix tag, the Organizations reads that
 * resolve OUs and count their accounts, the engine, config and large templates in the templates
 * bucket, the input artifact, the preview report, and the key through S3.
 */
export function stacksetDeployStatements(config: Config): Statement[] {
  const stageSets = config.pipelines.flatMap((p) => p.stages.filter((s) => s.stackset).map((s) => names.stageStackSet(P.prefix, p.name, s.name)));
  const projects = config.pipelines.filter(hasStacksetStages).map((p) => names.rolloutProject(P.prefix, p.name));
  const cfn = (resource: string) => sub(`arn:${P.partition}:cloudformation:${P.region}:*:${resource}`);
  return [
    {
      Sid: 'StageStackSets',
      Effect: 'Allow',
      Action: [
        'cloudformation:DescribeStackSet',
        'cloudformation:UpdateStackSet',
        'cloudformation:CreateStackInstances',
        'cloudformation:DeleteStackInstances',
        'cloudformation:ListStackInstances',
        'cloudformation:DescribeStackSetOperation',
        'cloudformation:ListStackSetOperations',
        'cloudformation:ListStackSetOperationResults',
      ],
      Resource: [
        ...stageSets.flatMap((n) => [cfn(`stackset/${n}:*`), cfn(`stackset-target/${n}:*`)]),
        sub(`arn:${P.partition}:cloudformation:*::type/resource/*`),
      ],
    },
    {
      Sid: 'CreateStageStackSets',
      Effect: 'Allow',
      Action: 'cloudformation:CreateStackSet',
      Resource: '*',
      Condition: { StringEquals: { [`aws:RequestTag/${PREFIX_TAG}`]: ref('Prefix') } },
    },
    {
      Sid: 'CallsWithoutResources',
      Effect: 'Allow',
      Action: [
        'sts:GetCallerIdentity',
        'cloudformation:DescribeOrganizationsAccess',
        'organizations:DescribeOrganization',
        'organizations:ListDelegatedAdministrators',
        'organizations:ListRoots',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListAccountsForParent',
        'organizations:ListParents',
      ],
      Resource: '*',
    },
    // The artifact key's ARN, for templates over the inline limit (the bucket refuses puts without it).
    {
      Sid: 'ReadKeyStack',
      Effect: 'Allow',
      Action: 'cloudformation:DescribeStacks',
      Resource: sub(`arn:${P.partition}:cloudformation:${P.region}:${P.account}:stack/${names.centralStack(P.prefix, 'kms-key')}/*`),
    },
    {
      Sid: 'ReadEngine',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: ['engine', 'config', 'templates'].map((k) => sub(`arn:${P.partition}:s3:::${templatesBucket()}/xacct/${k}/*`)),
    },
    {
      Sid: 'PutLargeTemplates',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: stageSets.map((n) => sub(`arn:${P.partition}:s3:::${templatesBucket()}/${names.stageTemplateKey(n, '*')}`)),
    },
    {
      Sid: 'ReadInputArtifacts',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: sub(`arn:${P.partition}:s3:::${artifactsBucket()}/*`),
    },
    { Sid: 'PutPreviewReports', Effect: 'Allow', Action: 's3:PutObject', Resource: sub(`arn:${P.partition}:s3:::${artifactsBucket()}/xacct/previews/*`) },
    keyThroughS3('UseArtifactKeyThroughS3'),
    logStatement('WriteRolloutLogs', projects),
  ];
}

/**
 * The deployer's policy (templates-src/deployer-policy.ts) for the template's Prefix Parameter: the
 * function's own statements, every name it makes from the prefix as an Fn::Sub of `${Prefix}`. With
 * a config, also the statements its options add (a source account's bus policy, connections, stores,
 * GitHub roles): a self-updating pipeline deploys that whole config.
 */
export function deployerStatements(config?: Omit<DeployerConfig, 'prefix'>): Statement[] {
  const withSub = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes(P.prefix) ? sub(v) : v;
    if (Array.isArray(v)) return v.map(withSub);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withSub(x)]));
    return v;
  };
  return deployerPolicy({ ...config, prefix: P.prefix }).Statement.map((s) => withSub(s) as Statement);
}

/** The self-update role: the deployer's policy, its logs and the source artifact. */
export function selfUpdateStatements(config: Config): Statement[] {
  const projects = config.pipelines.filter((p) => p.selfUpdate).map((p) => names.selfUpdateProject(P.prefix, p.name));
  return [
    ...deployerStatements(config),
    {
      Sid: 'ReadSourceArtifacts',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: sub(`arn:${P.partition}:s3:::${artifactsBucket()}/*`),
    },
    keyThroughS3('UseArtifactKeyThroughS3ForSource'),
    logStatement('WriteSelfUpdateLogs', projects),
  ];
}

/** The roles the engine's projects run as (CI account), only where a pipeline needs them. */
export function engineRoles(config: Config): Template['Resources'] {
  const out: Template['Resources'] = {};
  const role = (name: (p: string) => string, description: string, statements: Statement[]) =>
    new IAM.Role({
      RoleName: sub(name(P.prefix)),
      Description: description,
      AssumeRolePolicyDocument: trustService('codebuild.amazonaws.com'),
      Policies: [{ PolicyName: sub(`${name(P.prefix)}-policy`), PolicyDocument: policy(...statements) }],
      Tags: tags(ref('Prefix')),
    });
  if (config.pipelines.some(hasStacksetStages)) {
    out[STACKSET_DEPLOY_ROLE] = role(
      names.stacksetDeployRole,
      'xacct rollout in CodeBuild: the stage StackSets, nothing else',
      stacksetDeployStatements(config),
    ).metadata({ 'xacct:role': STACKSET_DEPLOY_ROLE });
  }
  if (config.pipelines.some((p) => p.selfUpdate)) {
    out[SELF_UPDATE_ROLE] = role(
      names.selfUpdateRole,
      "xacct deploy from the pipeline (selfUpdate): the deployer's policy",
      selfUpdateStatements(config),
    ).metadata({ 'xacct:role': SELF_UPDATE_ROLE });
  }
  return out;
}
