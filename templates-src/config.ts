/**
 * The xacct configuration: schema, defaults and validation.
 *
 * One schema serves four readers: the loader (readable errors with field paths), the JSON Schema
 * written for editors (descriptions, patterns and limits come from here), the README's Config
 * reference (rendered from the same descriptions by config-reference.ts), and the builders (which
 * receive the parsed, defaulted `Config`).
 */
import { z } from 'zod';
import { ConfigError, issueMessage, problemsOf } from './config-errors';
import { crossFieldRules } from './config-rules';
import { maxPrefixLength } from './names';
import { partitionOf, regionNames } from './regions';
import { didYouMean } from './suggest';

export { ConfigError, formatPath } from './config-errors';
export type { ConfigProblem } from './config-errors';

const ACCOUNT_ID = /^\d{12}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
/** An OU path starts at the root: `Root/Workloads/Prod`. Segment names follow the OU name rules. */
const OU_PATH = /^Root(\/[^/]{1,128})*$/;
const NAME = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
/** Lowercase letters, digits and single inner hyphens: it forms S3 bucket and IAM role names. */
const PREFIX = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

/**
 * A 12-digit account ID. YAML reads an unquoted 123456789012 as a number (and drops a leading zero),
 * so a number gets its own message: quote it.
 */
const accountId = z
  .string({
    error: (iss) => {
      if (typeof iss.input !== 'number') return undefined;
      const digits = String(iss.input);
      const lost = digits.length === 11 ? ' (11 digits: if it began with 0, YAML dropped the 0)' : '';
      return `expected a 12-digit AWS account ID as text; YAML read ${digits} as a number${lost}: quote it ("${digits.padStart(12, '0')}")`;
    },
  })
  .regex(ACCOUNT_ID, { message: 'expected a 12-digit AWS account ID' })
  .describe('12-digit AWS account ID, quoted');

/** A region AWS has, by the SDK's partition data: a typo gets the nearest names. */
const region = z
  .string()
  .superRefine((value, ctx) => {
    if (partitionOf(value)) return;
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an AWS region${didYouMean(value, regionNames()) || ' (see aws ec2 describe-regions)'}` });
  })
  .meta({ description: 'an AWS region, such as eu-west-1', enum: regionNames() });

/** An OU reference: a path from the root, an `ou-` ID or an `r-` root ID. */
export const ouRef = z
  .string()
  .superRefine((value, ctx) => {
    if (value !== value.trim()) {
      const where = value.startsWith(' ') || value.startsWith('\t') ? 'leading' : 'trailing';
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} has ${where} space` });
      return;
    }
    if (OU_ID.test(value) || ROOT_ID.test(value)) return;
    if (value.startsWith('ou-') || value.startsWith('r-')) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a valid OU or root ID` });
      return;
    }
    if (!OU_PATH.test(value) || value.split('/').some((s) => s.length === 0 || s !== s.trim())) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is neither an OU path from the root (Root/Workloads/Prod) nor an ou-/r- ID` });
    }
  })
  .meta({
    description: 'an OU path from the root (Root/Workloads/Prod) or an ou-/r- ID',
    pattern: '^(Root(/[^/\\s]([^/]{0,126}[^/\\s])?)*|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$',
  });

const prefix = z
  .string()
  .superRefine((value, ctx) => {
    const max = maxPrefixLength();
    if (!/^[a-z][a-z0-9-]*$/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} must start with a lowercase letter and hold only lowercase letters, digits and hyphens (it forms S3 bucket and IAM role names)`,
      });
    } else if (value.endsWith('-') || value.includes('--')) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} may not end with a hyphen or hold two in a row` });
    } else if (value.length > max) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} is ${value.length} characters; at most ${max} fit S3's 63-character bucket names once account ID and region are appended`,
      });
    }
  })
  .meta({ pattern: PREFIX.source, maxLength: maxPrefixLength() });

/** GitHub repository owners: letters, digits, hyphens; repository names add '.' and '_'. */
export const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** A git ref name without the characters git forbids (git check-ref-format) nor IAM wildcards. */
// eslint-disable-next-line no-control-regex -- git check-ref-format forbids ASCII control characters; this range refuses them
export const GITHUB_BRANCH = /^(?!\/|.*\/\/|.*\/$|.*\.\.|.*@\{|.*\.lock$|refs\/)[^\s~^:?*[\\\x00-\x1f\x7f]{1,200}$/;
const MANAGED_POLICY_ARN = /^arn:(aws[a-z-]*|\$\{AWS::Partition\}):iam::(aws|\d{12}|\$\{AWS::AccountId\}):policy\/.+$/;

const github = z
  .strictObject({
    repository: z
      .string()
      .regex(GITHUB_REPOSITORY, { message: 'expected owner/repository as on GitHub' })
      .describe('owner/repository whose workflows may assume the roles, spelled as GitHub spells it (the sub claim is compared case-sensitively)'),
    branch: z
      .string()
      .regex(GITHUB_BRANCH, { message: 'expected a branch name without refs/heads/ (no spaces, wildcards, : or ..)' })
      .default('main')
      .describe('the branch whose workflows may deploy'),
    immutableIds: z
      .strictObject({
        owner: z.number().int().positive().describe('numeric ID of the owner'),
        repository: z.number().int().positive().describe('numeric ID of the repository'),
      })
      .optional()
      .describe('for repositories whose OIDC sub claim carries IDs (repo:owner@ID/repo@ID:...): survives a rename, refuses a recycled name'),
    deployPolicyArns: z
      .array(z.string().regex(MANAGED_POLICY_ARN, { message: 'expected an IAM managed policy ARN' }))
      .min(1)
      .optional()
      .describe("managed policies of <prefix>-github-deploy; default: xacct's own deployer policy, inline"),
    planRole: z.boolean().default(true).describe('add <prefix>-github-plan, which pull requests of the repository assume to run xacct plan'),
    planPolicyArns: z
      .array(z.string().regex(MANAGED_POLICY_ARN, { message: 'expected an IAM managed policy ARN' }))
      .min(1)
      .optional()
      .describe('managed policies of <prefix>-github-plan; default: the read-only part of the deployer policy, inline'),
    createProvider: z.boolean().default(true).describe("create GitHub's OIDC provider in the CI account; false when it has one (at most one per issuer URL)"),
    maxSessionSeconds: z.number().int().min(3600).max(43200).default(3600).describe('longest session a workflow may ask for, in seconds'),
  })
  .superRefine((g, ctx) => {
    if (g.planRole === false && g.planPolicyArns)
      ctx.addIssue({ code: 'custom', path: ['planPolicyArns'], message: 'given without a plan role: planRole is false' });
  })
  .describe('roles in the CI account that GitHub Actions workflows of one repository assume through OIDC to run xacct (examples/github-actions)');

/** An IAM role name, or a pattern of one with `*` (IAM names: letters, digits and +=,.@_-, at most 64). */
const roleNamePattern = z.string().regex(/^[\w+=,.@*-]{1,64}$/, { message: 'expected an IAM role name, * as a wildcard' });

const parameterValue = z.union([z.string(), z.number(), z.boolean()]).describe('text, a number or true/false');
const ARTIFACT_FILE = /^[A-Za-z0-9_-]+::.+$/;

const cloudformationAction = z
  .strictObject({
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { message: 'expected a CloudFormation stack name' })
      .describe('the application stack created or updated in each target account and region'),
    template: z
      .string()
      .regex(ARTIFACT_FILE, { message: 'expected ArtifactName::path/to/template' })
      .describe('the template, as ArtifactName::path/in/artifact.yml'),
    templateConfiguration: z
      .string()
      .regex(ARTIFACT_FILE, { message: 'expected ArtifactName::path/to/config.json' })
      .optional()
      .describe('a template configuration file (parameters, tags), as ArtifactName::path'),
    parameters: z.record(z.string(), parameterValue).optional().describe('parameter overrides, by parameter name'),
    outputFileName: z
      .string()
      .regex(/^[\w./-]+$/, { message: 'expected a file name' })
      .optional()
      .describe('write the stack outputs to this file in an output artifact named <Stage>Output'),
  })
  .describe('deploy a CloudFormation stack through a change set (replace, then execute) in each account and region');

const codedeployAction = z
  .strictObject({
    application: z.string().min(1).max(100).describe('CodeDeploy application name in the target accounts'),
    deploymentGroup: z.string().min(1).max(100).describe('deployment group of that application'),
    instanceRoleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, { message: 'expected an IAM role name' })
      .optional()
      .describe(
        'EC2 instance role in the target accounts that reads the artifacts; default: <prefix>-codedeploy-instance, which xacct creates with its instance profile',
      ),
  })
  .describe('deploy with CodeDeploy in each target account');

/** A StackSet's rollout settings, per stage; each unset field falls back to the config's `rollout`. */
const stageRollout = z
  .strictObject({
    failureTolerancePercentage: z
      .number()
      .int()
      .min(0)
      .max(100)
      .optional()
      .describe('failure tolerance per region, in percent of accounts (default: rollout.failureTolerancePercentage)'),
    maxConcurrentPercentage: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('accounts deployed at once, in percent (default: rollout.maxConcurrentPercentage)'),
    regionConcurrency: z.enum(['SEQUENTIAL', 'PARALLEL']).optional().describe('regions one after another or in parallel (default: rollout.regionConcurrency)'),
    retainStacksOnAccountRemoval: z
      .boolean()
      .optional()
      .describe('keep the stacks of an account that leaves the OUs (default: rollout.retainStacksOnAccountRemoval)'),
  })
  .describe("this stage's StackSet operation preferences; unset fields come from rollout");

const stacksetAction = z
  .strictObject({
    template: z
      .string()
      .regex(ARTIFACT_FILE, { message: 'expected ArtifactName::path/to/template' })
      .describe('the application template, as ArtifactName::path/in/artifact.yml'),
    parameters: z
      .record(z.string(), parameterValue)
      .optional()
      .describe('StackSet parameter values, by parameter name (the same in every account: per-account values come from SSM parameters)'),
    regions: z
      .array(region)
      .min(1)
      .optional()
      .describe("regions of the stack instances; default: the stage's regions (the target's, else homeRegion), home region first"),
    rollout: stageRollout.optional(),
  })
  .describe(
    'deploy the template to every account of the target OUs, now and joining later, as one service-managed StackSet <prefix>-<pipeline>-<stage> (one pipeline action)',
  );

const codebuildAction = z
  .strictObject({
    project: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$/, { message: 'expected a CodeBuild project name' })
      .describe('CodeBuild project in each target account and region, with source type CODEPIPELINE'),
    outputArtifact: z.boolean().optional().describe('the first account and region writes an output artifact named <Stage>Output'),
  })
  .describe('run a CodeBuild project in each target account and region, through the cross-account role');

const lambdaAction = z
  .strictObject({
    function: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/, { message: 'expected a Lambda function name, optionally with :version or :alias' })
      .describe('Lambda function in each target account and region (name, or name:alias); it reports back with PutJobSuccessResult'),
    userParameters: z.string().max(1000).optional().describe("text passed to the function as the job's UserParameters"),
  })
  .describe('invoke a Lambda function in each target account and region, through the cross-account role');

const approval = z
  .union([
    z.boolean(),
    z.strictObject({
      snsTopicArn: z.string().optional().describe('SNS topic to notify'),
      comment: z.string().optional().describe('text shown to the approver'),
    }),
  ])
  .describe('true, false, or { snsTopicArn, comment }: a manual approval before the stage');

/** What a stage does: exactly one of these keys. */
export const STAGE_KINDS = ['cloudformation', 'codedeploy', 'stackset', 'codebuild', 'lambda', 'custom'] as const;
const kindList = `${STAGE_KINDS.slice(0, -1).join(', ')} or ${STAGE_KINDS[STAGE_KINDS.length - 1]}`;

const stage = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9.@_-]{1,100}$/, { message: 'expected a CodePipeline stage name (letters, digits, . @ _ -)' })
      .describe('stage name, unique in the pipeline'),
    target: z.string().describe('the target group (a key of targets) whose accounts the stage deploys to'),
    input: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, { message: 'expected an artifact name' })
      .optional()
      .describe('input artifact: BuildOutput (default), SourceOutput, or <Stage>Output of an earlier stage'),
    approval: approval.optional(),
    regions: z
      .array(region)
      .min(1)
      .optional()
      .describe("regions to deploy to; default: the target's regions, else homeRegion; must be within the target's regions"),
    cloudformation: cloudformationAction.optional(),
    codedeploy: codedeployAction.optional(),
    stackset: stacksetAction.optional(),
    codebuild: codebuildAction.optional(),
    lambda: lambdaAction.optional(),
    /** Jenkins-style custom actions cannot run cross-account; accepted only to be rejected clearly. */
    custom: z
      .strictObject({ provider: z.string().describe('custom action provider'), category: z.string().optional().describe('action category') })
      .optional()
      .describe('a custom (Jenkins-style) action; refused for target accounts, since CodePipeline runs them only in its own account'),
  })
  .superRefine((s, ctx) => {
    const kinds = STAGE_KINDS.filter((k) => s[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a stage needs exactly one of ${kindList}${kinds.length > 1 ? `; it has ${kinds.join(' and ')}` : ''}` });
    }
  })
  .describe(`one deploy stage: name, target, and exactly one of ${kindList}`);

const branch = z.string().min(1).default('main').describe('branch that starts the pipeline');
const source = z
  .union([
    z.strictObject({
      codecommit: z
        .strictObject({
          repository: z
            .string()
            .regex(/^[\w.-]{1,100}$/, { message: 'expected a CodeCommit repository name' })
            .describe('CodeCommit repository name'),
          branch,
          account: accountId.optional().describe('account holding the repository, when not the CI account (quoted)'),
        })
        .describe('a CodeCommit repository, in the CI account or another one'),
    }),
    z.strictObject({
      s3: z
        .strictObject({
          bucket: z.string().min(3).max(63).describe('source bucket (EventBridge notifications on)'),
          key: z.string().min(1).describe('object key of the source zip'),
        })
        .describe('a zip in an S3 bucket'),
    }),
    z.strictObject({
      connection: z
        .strictObject({
          arn: z
            .string()
            .regex(/^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/, {
              message: 'expected a CodeConnections connection ARN',
            })
            .describe('CodeConnections connection ARN'),
          repository: z
            .string()
            .regex(/^[\w.-]+\/[\w.-]+$/, { message: 'expected owner/repository' })
            .describe('owner/repository'),
          branch,
        })
        .describe('a GitHub, GitLab or Bitbucket repository through a CodeConnections connection'),
    }),
  ])
  .describe('exactly one of codecommit: { repository, branch, account }, s3: { bucket, key }, connection: { arn, repository, branch }');

const pipeline = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, { message: 'expected a lowercase name (letters, digits, hyphens; up to 31)' })
      .describe('lowercase name; the pipeline is <prefix>-<name>'),
    source,
    build: z
      .strictObject({
        buildspec: z.string().min(1).default('buildspec.yml').describe('buildspec file in the source'),
        image: z.string().default('aws/codebuild/amazonlinux-x86_64-standard:5.0').describe('CodeBuild image'),
        computeType: z
          .enum(['BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_MEDIUM', 'BUILD_GENERAL1_LARGE'])
          .default('BUILD_GENERAL1_SMALL')
          .describe('CodeBuild compute type'),
      })
      .prefault({})
      .describe('the CodeBuild step between source and the deploy stages'),
    stages: z.array(stage).min(1).describe('deploy stages, in order'),
    selfUpdate: z
      .union([
        z.boolean(),
        z
          .strictObject({ config: z.string().min(1).default('xacct.yaml').describe('path of the xacct config in the source repository') })
          .describe('where the config is in the source'),
      ])
      .optional()
      .describe(
        'true, or { config }: a stage after Source runs xacct deploy with the config in the repository (default xacct.yaml), so config and OU changes reach the pipeline on every run',
      ),
  })
  .describe('one pipeline in the CI account');

const target = z
  .strictObject({
    ous: z.array(ouRef).default([]).describe('OU paths from the root (Root/Workloads/Prod) or ou-/r- IDs; every account below them is a target'),
    accounts: z
      .array(accountId)
      .default([])
      .describe('single accounts (quoted IDs), wherever they sit: for organizations without an OU per environment; deployed without auto-deployment'),
    regions: z
      .array(region)
      .min(1)
      .optional()
      .describe(
        "regions this group's stages deploy to: the default for a stage without regions, and the limit for one with them (roles always go to homeRegion only)",
      ),
  })
  .superRefine((t, ctx) => {
    if (t.ous.length === 0 && t.accounts.length === 0)
      ctx.addIssue({ code: 'custom', message: 'a target needs at least one OU (ous) or one account (accounts)' });
  })
  .describe('a named group of OUs and accounts');

/** The config's shape, field by field, before the rules across fields (config-rules.ts). */
export const configShape = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema for editors (ignored by xacct)'),
    prefix: prefix.default('xacct').describe('lowercase letters, digits, single hyphens; at most 25 characters (bucket names append account and region)'),
    homeRegion: region.default('eu-west-1').describe('region of the CI stacks and of every role StackSet instance (IAM is global)'),
    targets: z
      .record(z.string().regex(NAME, { message: 'expected a target name (a letter, then letters, digits, hyphens)' }), target)
      .describe('target groups by name, each a list of OUs and/or accounts'),
    pipelines: z.array(pipeline).default([]).describe('the pipelines in the CI account'),
    stackNamePatterns: z
      .array(z.string().regex(/^[A-Za-z*][A-Za-z0-9*-]{0,127}$/, { message: 'expected a stack name pattern (letters, digits, hyphens, *)' }))
      .optional()
      .describe("stacks the cross-account role may manage, as name patterns with *; default: the stages' stack names"),
    cloudformationRole: z
      .strictObject({
        managedPolicyArns: z
          .array(z.string().regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/, { message: 'expected an IAM managed policy ARN' }))
          .default(['arn:aws:iam::aws:policy/AdministratorAccess'])
          .describe('managed policies of <prefix>-cfn-exec'),
        permissionsBoundary: z.boolean().default(true).describe('put the escalation-closing permissions boundary on <prefix>-cfn-exec'),
      })
      .prefault({})
      .describe('the CloudFormation execution role in target accounts'),
    automationRole: z.boolean().default(false).describe('add <prefix>-automation (artifact reader for CodeBuild/Lambda) to target accounts'),
    ecr: z
      .strictObject({
        repositories: z
          .array(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { message: 'expected a lowercase name (letters, digits, hyphens; up to 63)' }))
          .min(1)
          .describe('repository names; each is <prefix>/<name> in the CI account'),
        encryption: z
          .enum(['KMS', 'AES256'])
          .default('KMS')
          .describe("KMS: the artifact key; AES256: ECR's default, S3-managed keys. Fixed when a repository is created"),
        untaggedImageDays: z.number().int().min(1).max(3650).default(14).describe('days before untagged images expire'),
        keepImages: z.number().int().min(1).max(10000).default(100).describe('images kept per repository, newest first; older ones expire'),
        pullRoles: z
          .array(roleNamePattern)
          .min(1)
          .optional()
          .describe('role names in the target accounts that may pull (* matches any characters); default: any principal of the target accounts'),
      })
      .optional()
      .describe('ECR repositories in the CI account that the target accounts pull from'),
    codeartifact: z
      .strictObject({
        repository: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$/, { message: 'expected a CodeArtifact repository name (2-100 letters, digits, . _ -)' })
          .default('shared')
          .describe('repository in the domain <prefix>-packages'),
        readRoles: z
          .array(roleNamePattern)
          .min(1)
          .optional()
          .describe('role names in the target accounts that may read packages (* matches any characters); default: any principal of the target accounts'),
      })
      .optional()
      .describe('a CodeArtifact domain and repository in the CI account that the target accounts read packages from'),
    github: github.optional(),
    artifacts: z
      .strictObject({
        expireDays: z.number().int().min(1).max(3650).default(90).describe('days before artifacts expire'),
        noncurrentVersionDays: z.number().int().min(1).max(3650).default(30).describe('days noncurrent versions are kept'),
        logRetentionDays: z.number().int().min(1).max(3650).default(365).describe('days access logs are kept'),
      })
      .prefault({})
      .describe('lifecycle of the artifact, templates and access-log buckets'),
    rollout: z
      .strictObject({
        failureTolerancePercentage: z.number().int().min(0).max(100).default(10).describe('StackSet failure tolerance per region, in percent of accounts'),
        maxConcurrentPercentage: z.number().int().min(1).max(100).default(100).describe('StackSet accounts deployed at once, in percent'),
        regionConcurrency: z.enum(['SEQUENTIAL', 'PARALLEL']).default('SEQUENTIAL').describe('StackSet regions one after another or in parallel'),
        retainStacksOnAccountRemoval: z.boolean().default(false).describe('keep the stacks of an account that leaves the target OUs'),
      })
      .prefault({})
      .describe('how StackSet operations roll out'),
  })
  .describe('xacct configuration');

export const configSchema = configShape.superRefine(crossFieldRules);

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type Pipeline = Config['pipelines'][number];
export type Stage = Pipeline['stages'][number];
export type Source = Pipeline['source'];

/** The three-account baseline: CI account, non-prod and prod OUs, CodeCommit source, approval before prod. */
export const defaultConfigInput: ConfigInput = {
  prefix: 'xacct',
  homeRegion: 'eu-west-1',
  targets: {
    nonprod: { ous: ['Root/Workloads/NonProd'] },
    prod: { ous: ['Root/Workloads/Prod'] },
  },
  pipelines: [
    {
      name: 'app',
      source: { codecommit: { repository: 'app', branch: 'main' } },
      build: { buildspec: 'buildspec.yml' },
      stages: [
        { name: 'NonProd', target: 'nonprod', cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } },
        { name: 'Prod', target: 'prod', approval: true, cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } },
      ],
    },
  ],
};

/** A stage without regions deploys to its target's regions, when the target names them. */
function withTargetRegions(config: Config): Config {
  for (const p of config.pipelines) {
    for (const s of p.stages) {
      const regions = config.targets[s.target]?.regions;
      if (s.regions === undefined && regions) s.regions = [...regions];
    }
  }
  return config;
}

/** Validate raw input (already parsed from YAML/JSON). Throws ConfigError listing every problem. */
export function parseConfig(input: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(input, { error: issueMessage as never, reportInput: true });
  if (!result.success) throw new ConfigError(source, problemsOf(configSchema, result.error.issues));
  return withTargetRegions(result.data);
}

export function defaultConfig(): Config {
  return parseConfig(defaultConfigInput, 'embedded default config');
}

/**
 * JSON Schema for editors (`# yaml-language-server: $schema=...` or `$schema` in a config file):
 * draft 2020-12, every field described, the one-of choices of a stage and a source encoded.
 */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const json = ctx.jsonSchema as Record<string, unknown>;
      if (ctx.zodSchema === stage) {
        // Exactly one deploy kind: the properties are all listed, so one `required` per branch says it.
        json.oneOf = STAGE_KINDS.map((k) => ({ required: [k] }));
      }
      if (ctx.zodSchema === target) {
        // At least one OU or one account, as the refinement on target says: not (both absent or empty).
        json.not = { properties: { ous: { type: 'array', maxItems: 0 }, accounts: { type: 'array', maxItems: 0 } } };
      }
      if (ctx.zodSchema === source && Array.isArray(json.anyOf)) {
        json.oneOf = json.anyOf;
        delete json.anyOf;
      }
    },
  });
}
