/**
 * The xacct configuration: schema, defaults and validation.
 *
 * One schema serves three readers: the loader (readable errors with field paths), the JSON Schema
 * written for editors, and the builders (which receive the parsed, defaulted `Config`).
 */
import { z } from 'zod';
import { maxPrefixLength } from './names';

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
/** An OU path starts at the root: `Root/Workloads/Prod`. Segment names follow the OU name rules. */
const OU_PATH = /^Root(\/[^/]{1,128})*$/;
const NAME = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

const accountId = z
  .string()
  .regex(ACCOUNT_ID, { message: 'expected a 12-digit AWS account ID' });
const region = z.string().regex(REGION, { message: 'expected an AWS region such as eu-west-1' });

/** An OU reference: a path from the root, an `ou-` ID or an `r-` root ID. */
export const ouRef = z.string().superRefine((value, ctx) => {
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
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is neither an OU path from the root (Root/Workloads/Prod) nor an ou-/r- ID`,
    });
  }
});

const prefix = z.string().superRefine((value, ctx) => {
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
});

const parameterValue = z.union([z.string(), z.number(), z.boolean()]);

const cloudformationAction = z.strictObject({
  stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { message: 'expected a CloudFormation stack name' }),
  /** `ArtifactName::path/in/artifact.yml` */
  template: z.string().regex(/^[A-Za-z0-9_-]+::.+$/, { message: 'expected ArtifactName::path/to/template' }),
  templateConfiguration: z.string().regex(/^[A-Za-z0-9_-]+::.+$/).optional(),
  parameters: z.record(z.string(), parameterValue).optional(),
  /** Write the stack outputs to this file in an output artifact named `<Stage>Output`. */
  outputFileName: z.string().regex(/^[\w./-]+$/).optional(),
});

const codedeployAction = z.strictObject({
  application: z.string().min(1).max(100),
  deploymentGroup: z.string().min(1).max(100),
  /** Name of the EC2 instance role in the target accounts that reads the artifacts. */
  instanceRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/).optional(),
});

const stage = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9.@_-]{1,100}$/, { message: 'expected a CodePipeline stage name' }),
    target: z.string(),
    /** Input artifact: BuildOutput (default), SourceOutput, or `<Stage>Output` of an earlier stage. */
    input: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/).optional(),
    approval: z.union([z.boolean(), z.strictObject({ snsTopicArn: z.string().optional(), comment: z.string().optional() })]).optional(),
    regions: z.array(region).min(1).optional(),
    cloudformation: cloudformationAction.optional(),
    codedeploy: codedeployAction.optional(),
    /** Jenkins-style custom actions cannot run cross-account; accepted only to be rejected clearly. */
    custom: z.strictObject({ provider: z.string(), category: z.string().optional() }).optional(),
  })
  .superRefine((s, ctx) => {
    const kinds = [s.cloudformation, s.codedeploy, s.custom].filter(Boolean).length;
    if (kinds !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a stage needs exactly one of cloudformation, codedeploy or custom' });
    }
  });

const source = z.union([
  z.strictObject({
    codecommit: z.strictObject({
      repository: z.string().regex(/^[\w.-]{1,100}$/, { message: 'expected a CodeCommit repository name' }),
      branch: z.string().min(1).default('main'),
      account: accountId.optional(),
    }),
  }),
  z.strictObject({ s3: z.strictObject({ bucket: z.string().min(3).max(63), key: z.string().min(1) }) }),
  z.strictObject({
    connection: z.strictObject({
      arn: z.string().regex(/^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/, {
        message: 'expected a CodeConnections connection ARN',
      }),
      repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { message: 'expected owner/repository' }),
      branch: z.string().min(1).default('main'),
    }),
  }),
]);

const pipeline = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, { message: 'expected a lowercase name (letters, digits, hyphens; up to 31)' }),
  source,
  build: z
    .strictObject({
      buildspec: z.string().min(1).default('buildspec.yml'),
      image: z.string().default('aws/codebuild/amazonlinux-x86_64-standard:5.0'),
      computeType: z.enum(['BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_MEDIUM', 'BUILD_GENERAL1_LARGE']).default('BUILD_GENERAL1_SMALL'),
    })
    .prefault({}),
  stages: z.array(stage).min(1),
});

const target = z.strictObject({
  ous: z.array(ouRef).min(1),
  /** Regions where regional stacks of this group go; IAM roles always go to the home region only. */
  regions: z.array(region).optional(),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    prefix: prefix.default('xacct'),
    homeRegion: region.default('eu-west-1'),
    targets: z.record(z.string().regex(NAME, { message: 'expected a target name (letters, digits, hyphens)' }), target),
    pipelines: z.array(pipeline).default([]),
    /** CloudFormation stacks the cross-account role may manage, as name patterns (`*` allowed). */
    stackNamePatterns: z.array(z.string().regex(/^[A-Za-z*][A-Za-z0-9*-]{0,127}$/)).optional(),
    cloudformationRole: z
      .strictObject({
        managedPolicyArns: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/)).default(['arn:aws:iam::aws:policy/AdministratorAccess']),
        permissionsBoundary: z.boolean().default(true),
      })
      .prefault({}),
    automationRole: z.boolean().default(false),
    artifacts: z
      .strictObject({
        expireDays: z.number().int().min(1).max(3650).default(90),
        noncurrentVersionDays: z.number().int().min(1).max(3650).default(30),
        logRetentionDays: z.number().int().min(1).max(3650).default(365),
      })
      .prefault({}),
    rollout: z
      .strictObject({
        failureTolerancePercentage: z.number().int().min(0).max(100).default(10),
        maxConcurrentPercentage: z.number().int().min(1).max(100).default(100),
        regionConcurrency: z.enum(['SEQUENTIAL', 'PARALLEL']).default('SEQUENTIAL'),
        retainStacksOnAccountRemoval: z.boolean().default(false),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, string>();
    for (const name of Object.keys(cfg.targets)) {
      const key = name.toLowerCase();
      const other = seen.get(key);
      if (other !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['targets', name], message: `duplicate target name: "${name}" and "${other}" differ only in case` });
      }
      seen.set(key, name);
    }
    const pipelineNames = new Set<string>();
    cfg.pipelines.forEach((p, i) => {
      if (pipelineNames.has(p.name)) {
        ctx.addIssue({ code: 'custom', path: ['pipelines', i, 'name'], message: `duplicate pipeline name "${p.name}"` });
      }
      pipelineNames.add(p.name);
      const stageNames = new Set<string>();
      p.stages.forEach((s, j) => {
        if (!(s.target in cfg.targets)) {
          ctx.addIssue({
            code: 'custom',
            path: ['pipelines', i, 'stages', j, 'target'],
            message: `unknown target "${s.target}"; defined targets: ${Object.keys(cfg.targets).join(', ') || '(none)'}`,
          });
        }
        if (stageNames.has(s.name)) {
          ctx.addIssue({ code: 'custom', path: ['pipelines', i, 'stages', j, 'name'], message: `duplicate stage name "${s.name}"` });
        }
        stageNames.add(s.name);
      });
    });
  });

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

/** One problem found in a config: where, and what was expected. */
export interface ConfigProblem {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `targets.prod.ous[0]` from `['targets', 'prod', 'ous', 0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

function problemsOf(error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: formatPath([...issue.path, key]), message: 'unknown key' });
      }
    } else if (issue.code === 'invalid_union') {
      // A source is one of several shapes: name the shapes rather than every branch's complaint.
      problems.push({ path: formatPath(issue.path), message: 'expected exactly one of: codecommit, s3, connection' });
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}

/** Validate raw input (already parsed from YAML/JSON). Throws ConfigError listing every problem. */
export function parseConfig(input: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(source, problemsOf(result.error));
  return result.data;
}

export function defaultConfig(): Config {
  return parseConfig(defaultConfigInput, 'embedded default config');
}

/** JSON Schema for editors (`$schema` in a config file). */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
