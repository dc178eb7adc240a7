/**
 * The part of the AWS CLI that dist/README.md uses, read the way the CLI reads it and sent to the
 * in-memory organization through the real SDK clients: `aws SERVICE COMMAND --option value ...`.
 * Option names become input members as the CLI derives them (`--stack-set-name` is StackSetName);
 * list options take the words up to the next option; structure options are shorthand syntax
 * (shorthand.ts), lists of structures one shorthand word per item ("Using shorthand syntax in the
 * AWS CLI"); `file://` reads a file ("Loading AWS CLI parameters from a file"). `--query` is
 * JMESPath (the `jmespath` package, the CLI's query language) and `--output text` prints scalars,
 * and lists of them tab-separated, as the CLI's text output does. `aws cloudformation deploy` is the
 * CLI's own command: a change set created, waited for, executed and waited for ("aws cloudformation
 * deploy", AWS CLI Command Reference). Anything else is refused, naming the command or option.
 *
 * `aws cloudformation deploy --s3-bucket B --s3-prefix P --kms-key-id K` puts the template into the
 * bucket (SSE-KMS with that key) under `P/<md5 of the file>.template` and passes its URL, as the CLI's
 * `deploy` does for templates over 51,200 bytes ("aws cloudformation deploy": "--s3-bucket (string)
 * The name of the S3 bucket where this command uploads your CloudFormation template. This is
 * required the deployments of templates sized greater than 51,200 bytes"). `aws s3api put-object`
 * sends PutObject with the file's bytes as Body.
 *
 * WHERE IT IS SIMPLER THAN THE CLI: `deploy` finds a running stack's parameters with DescribeStacks,
 * where the CLI asks GetTemplateSummary (the same names either way). `aws codecommit create-repository` is
 * recorded and answered, not sent: the in-memory organization has no CodeCommit, and neither xacct
 * deploy nor the README's later commands read the repository.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as CFN from '@aws-sdk/client-cloudformation';
import * as ORG from '@aws-sdk/client-organizations';
import * as S3 from '@aws-sdk/client-s3';
import { search } from 'jmespath';
import type { FakeAws } from '../fake-aws';
import { parseShorthand, ShorthandValue } from './shorthand';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface CliRun {
  stdout: string;
  stderr: string;
  code: number;
}

/** What a command sent: the service, the API and its input, and the account it ran in. */
export interface SentCommand {
  account: string;
  service: string;
  api: string;
  input: Record<string, unknown>;
}

export interface CliContext {
  fake: FakeAws;
  /** Every command run, in order. */
  sent: SentCommand[];
  /** Commands recorded but not sent (the services the in-memory organization does not have). */
  unmodelled: SentCommand[];
}

class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Members that are not plain strings, by the type the CLI reads them as. */
const LISTS = new Set(['Capabilities', 'Regions', 'RegionOrder', 'OrganizationalUnitIds', 'Accounts']);
const STRUCT_LISTS = new Set(['Tags', 'Parameters']);
const STRUCTS = new Set(['AutoDeployment', 'ManagedExecution', 'OperationPreferences', 'DeploymentTargets']);
const BOOLEANS = new Set(['Enabled', 'RetainStacksOnAccountRemoval', 'Active', 'UsePreviousValue', 'EnableTerminationProtection', 'RetainStacks']);
const INTEGERS = new Set(['FailureToleranceCount', 'FailureTolerancePercentage', 'MaxConcurrentCount', 'MaxConcurrentPercentage']);

/** The options each command accepts (its own, besides --region, --query and --output). */
const COMMANDS: Record<string, Record<string, string[]>> = {
  cloudformation: {
    'activate-organizations-access': [],
    'create-stack-set': [
      'stack-set-name',
      'description',
      'template-body',
      'permission-model',
      'auto-deployment',
      'managed-execution',
      'capabilities',
      'tags',
      'parameters',
      'call-as',
    ],
    'update-stack-set': [
      'stack-set-name',
      'description',
      'template-body',
      'auto-deployment',
      'managed-execution',
      'capabilities',
      'tags',
      'parameters',
      'call-as',
      'operation-preferences',
      'operation-id',
    ],
    'create-stack-instances': ['stack-set-name', 'deployment-targets', 'regions', 'operation-preferences', 'call-as', 'operation-id'],
    'describe-stack-set-operation': ['stack-set-name', 'operation-id', 'call-as'],
    'describe-stacks': ['stack-name'],
    'update-termination-protection': ['stack-name', 'enable-termination-protection'],
  },
  organizations: {
    'register-delegated-administrator': ['account-id', 'service-principal'],
    'put-resource-policy': ['content'],
  },
};

const member = (option: string) =>
  option
    .split('-')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

interface Parsed {
  service: string;
  command: string;
  region?: string;
  query?: string;
  output: string;
  options: Map<string, string[]>;
}

/** `aws SERVICE COMMAND --opt v v --flag --no-flag`: each option with the words after it. */
export function parseArgv(argv: string[]): Parsed {
  const [service, command, ...rest] = argv;
  const options = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const word of rest) {
    if (word.startsWith('--')) {
      current = [];
      options.set(word.slice(2), current);
    } else if (current) current.push(word);
    else throw new CliError(`aws: error: unexpected argument ${word}`, 252);
  }
  const single = (name: string) => {
    const v = options.get(name);
    options.delete(name);
    if (v && v.length !== 1) throw new CliError(`aws: error: --${name} takes one value`, 252);
    return v?.[0];
  };
  return { service, command, region: single('region'), query: single('query'), output: single('output') ?? 'json', options };
}

function fileOrText(value: string, cwd: string): string {
  if (!value.startsWith('file://')) return value;
  const path = value.slice('file://'.length);
  return readFileSync(isAbsolute(path) ? path : join(cwd, path), 'utf8');
}

function typed(name: string, v: ShorthandValue): unknown {
  if (LISTS.has(name)) return Array.isArray(v) ? v : [v];
  if (Array.isArray(v)) throw new CliError(`aws: error: ${name} takes one value, got ${v.join(',')}`, 252);
  if (BOOLEANS.has(name)) {
    if (v !== 'true' && v !== 'false') throw new CliError(`aws: error: ${name} must be true or false, got ${v}`, 252);
    return v === 'true';
  }
  if (INTEGERS.has(name)) return Number(v);
  return v;
}

const struct = (text: string) => Object.fromEntries(Object.entries(parseShorthand(text)).map(([k, v]) => [k, typed(k, v)]));

/** The SDK input of a command from its options, member by member. */
function inputOf(p: Parsed, cwd: string): Record<string, unknown> {
  const allowed = COMMANDS[p.service]?.[p.command];
  if (!allowed) throw new CliError(`aws: error: the README test's CLI does not know aws ${p.service} ${p.command}`, 252);
  const input: Record<string, unknown> = {};
  for (const [option, words] of p.options) {
    const flag = option.startsWith('no-') ? option.slice(3) : option;
    if (!allowed.includes(flag)) throw new CliError(`aws: error: Unknown options: --${option} (aws ${p.service} ${p.command})`, 252);
    const name = member(flag);
    if (BOOLEANS.has(name) && words.length === 0) input[name] = !option.startsWith('no-');
    else if (LISTS.has(name)) input[name] = words;
    else if (STRUCT_LISTS.has(name)) input[name] = words.map(struct);
    else if (STRUCTS.has(name)) input[name] = struct(words.join(' '));
    else if (words.length === 1) input[name] = fileOrText(words[0], cwd);
    else throw new CliError(`aws: error: --${option} takes one value`, 252);
  }
  return input;
}

/** The CLI's text output for what the README queries: scalars, and lists of scalars tab-separated (rows for lists of lists). */
export function textOutput(value: Json): string {
  const scalar = (v: Json): string => {
    if (v === null) return 'None';
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (typeof v === 'object') throw new CliError(`the README test's CLI prints no text for ${JSON.stringify(v)}`, 255);
    return String(v);
  };
  if (!Array.isArray(value)) return scalar(value);
  if (value.every((v) => Array.isArray(v))) return value.map((row) => (row as Json[]).map(scalar).join('\t')).join('\n');
  return value.map(scalar).join('\t');
}

function render(output: object, p: Parsed): string {
  const { $metadata: _, ...rest } = output as Record<string, unknown>;
  const json = JSON.parse(JSON.stringify(rest)) as Json;
  const value = p.query ? (search(json, p.query) as Json) : json;
  if (p.output === 'text') return `${textOutput(value)}\n`;
  if (p.output === 'json') return `${JSON.stringify(value, null, 4)}\n`;
  throw new CliError(`aws: error: --output ${p.output} is not modelled`, 252);
}

async function send(ctx: CliContext, account: string, p: Parsed, input: Record<string, unknown>): Promise<object> {
  const api = member(p.command);
  ctx.sent.push({ account, service: p.service, api, input });
  const clients = ctx.fake.clients({ region: p.region! });
  const sdk = (p.service === 'cloudformation' ? CFN : ORG) as unknown as Record<string, new (i: unknown) => unknown>;
  const client = (p.service === 'cloudformation' ? clients.cfn(p.region!) : clients.org) as { send(c: unknown): Promise<object> };
  return client.send(new sdk[`${api}Command`](input));
}

/** Run one `aws ...` command line (argv as the shell passes it) in `account`, with `cwd` for relative files. */
export async function runAws(ctx: CliContext, account: string, cwd: string, argv: string[]): Promise<CliRun> {
  const previous = ctx.fake.caller;
  ctx.fake.caller = account;
  try {
    const p = parseArgv(argv);
    // Organizations has one endpoint, in us-east-1 ("AWS Organizations endpoints and quotas"); every other command names its region.
    if (!p.region && p.service === 'organizations') p.region = 'us-east-1';
    if (!p.region) throw new CliError(`aws: error: aws ${p.service} ${p.command} needs --region (the README names it on every regional command)`, 252);
    if (p.service === 'cloudformation' && p.command === 'deploy') return await deploy(ctx, account, cwd, p);
    if (p.service === 'codecommit' && p.command === 'create-repository') return codecommitRepository(ctx, account, p);
    if (p.service === 's3api' && p.command === 'put-object') return await putObject(ctx, account, cwd, p);
    const output = await send(ctx, account, p, inputOf(p, cwd));
    return { stdout: render(output, p), stderr: '', code: 0 };
  } catch (err) {
    if (err instanceof CliError) return { stdout: '', stderr: `${err.message}\n`, code: err.code };
    const e = err as { name?: string; message?: string };
    return { stdout: '', stderr: `\nAn error occurred (${e.name}) when calling the ${argv[1]} operation: ${e.message}\n`, code: 254 };
  } finally {
    ctx.fake.caller = previous;
  }
}

function codecommitRepository(ctx: CliContext, account: string, p: Parsed): CliRun {
  const [name] = p.options.get('repository-name') ?? [];
  if (!name || p.options.size !== 1) throw new CliError('aws: error: create-repository takes --repository-name (and --region)', 252);
  ctx.unmodelled.push({ account, service: 'codecommit', api: 'CreateRepository', input: { repositoryName: name } });
  return { stdout: render({ repositoryMetadata: { repositoryName: name, accountId: account } }, p), stderr: '', code: 0 };
}

const PUT_OBJECT_OPTIONS: Record<string, keyof S3.PutObjectCommandInput> = {
  bucket: 'Bucket',
  key: 'Key',
  body: 'Body',
  'server-side-encryption': 'ServerSideEncryption',
  'ssekms-key-id': 'SSEKMSKeyId',
};

/** `aws s3api put-object`: Body is the file's bytes. */
async function putObject(ctx: CliContext, account: string, cwd: string, p: Parsed): Promise<CliRun> {
  const input: Record<string, unknown> = {};
  for (const [option, words] of p.options) {
    const name = PUT_OBJECT_OPTIONS[option];
    if (!name) throw new CliError(`aws: error: Unknown options: --${option} (aws s3api put-object)`, 252);
    if (words.length !== 1) throw new CliError(`aws: error: --${option} takes one value`, 252);
    input[name] = name === 'Body' ? readFileSync(isAbsolute(words[0]) ? words[0] : join(cwd, words[0])) : words[0];
  }
  ctx.sent.push({ account, service: 's3', api: 'PutObject', input: { ...input, Body: `(${(input.Body as Buffer | undefined)?.length ?? 0} bytes)` } });
  const output = await ctx.fake
    .clients({ region: p.region! })
    .s3(p.region!)
    .send(new S3.PutObjectCommand(input as unknown as S3.PutObjectCommandInput));
  return { stdout: render({ ETag: output.ETag, ServerSideEncryption: output.ServerSideEncryption }, p), stderr: '', code: 0 };
}

const DEPLOY_OPTIONS = [
  'stack-name',
  'template-file',
  'capabilities',
  'parameter-overrides',
  'tags',
  'fail-on-empty-changeset',
  'no-fail-on-empty-changeset',
  's3-bucket',
  's3-prefix',
  'kms-key-id',
];
/** "No changes" StatusReason texts of an empty change set (practitioner evidence; the CLI matches them too). */
const NO_CHANGES = /didn't contain changes|No updates are to be performed/;

/** `Key=Value` words, split at the first `=` as `aws cloudformation deploy` splits --parameter-overrides and --tags. */
function keyValues(words: string[] | undefined): Record<string, string> {
  return Object.fromEntries((words ?? []).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
}

async function poll<T>(read: () => Promise<T>, done: (t: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const t = await read();
    if (done(t)) return t;
  }
  throw new CliError('waited 200 polls', 255);
}

/** `aws cloudformation deploy`: create or update a stack through one change set, then wait for it. */
async function deploy(ctx: CliContext, account: string, cwd: string, p: Parsed): Promise<CliRun> {
  for (const o of p.options.keys()) if (!DEPLOY_OPTIONS.includes(o)) throw new CliError(`aws: error: Unknown options: --${o} (aws cloudformation deploy)`, 252);
  const cfn = ctx.fake.clients({ region: p.region! }).cfn(p.region!);
  const name = p.options.get('stack-name')![0];
  const body = readFileSync(join(cwd, p.options.get('template-file')![0]), 'utf8');
  const bucket = p.options.get('s3-bucket')?.[0];
  if (Buffer.byteLength(body) > 51_200 && !bucket)
    throw new CliError(
      'Templates with a size greater than 51,200 bytes must be deployed via an S3 Bucket. Please add the --s3-bucket parameter to your command.',
      255,
    );
  let source: { TemplateBody: string } | { TemplateURL: string } = { TemplateBody: body };
  if (bucket) {
    const key = [p.options.get('s3-prefix')?.[0], `${createHash('md5').update(body).digest('hex')}.template`].filter(Boolean).join('/');
    const kms = p.options.get('kms-key-id')?.[0];
    const put: S3.PutObjectCommandInput = { Bucket: bucket, Key: key, Body: body, ...(kms ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kms } : {}) };
    ctx.sent.push({ account, service: 's3', api: 'PutObject', input: { ...put, Body: `(${Buffer.byteLength(body)} bytes)` } });
    await ctx.fake.clients({ region: p.region! }).s3(p.region!).send(new S3.PutObjectCommand(put));
    source = { TemplateURL: `https://${bucket}.s3.${p.region}.amazonaws.com/${key}` };
  }
  const stack = await cfn.send(new CFN.DescribeStacksCommand({ StackName: name })).then(
    (o) => o.Stacks?.[0],
    () => undefined,
  );
  const exists = stack !== undefined && stack.StackStatus !== 'REVIEW_IN_PROGRESS';
  const overrides = keyValues(p.options.get('parameter-overrides'));
  const previous = new Set((stack?.Parameters ?? []).map((x) => x.ParameterKey));
  const declared = Object.keys((JSON.parse(body) as { Parameters?: object }).Parameters ?? {});
  // The CLI's merge: given values, else the previous value where the stack has the parameter, else the template's Default.
  const parameters = declared.flatMap((k): CFN.Parameter[] =>
    k in overrides ? [{ ParameterKey: k, ParameterValue: overrides[k] }] : exists && previous.has(k) ? [{ ParameterKey: k, UsePreviousValue: true }] : [],
  );
  const input: CFN.CreateChangeSetCommandInput = {
    StackName: name,
    ChangeSetName: `awscli-cloudformation-package-deploy-${ctx.sent.length}`,
    ChangeSetType: exists ? 'UPDATE' : 'CREATE',
    ...source,
    Parameters: parameters,
    Capabilities: p.options.get('capabilities') as CFN.Capability[] | undefined,
    Tags: Object.entries(keyValues(p.options.get('tags'))).map(([Key, Value]) => ({ Key, Value })),
  };
  ctx.sent.push({ account, service: 'cloudformation', api: 'CreateChangeSet', input: { ...input } });
  const { Id } = await cfn.send(new CFN.CreateChangeSetCommand(input));
  const cs = await poll(
    () => cfn.send(new CFN.DescribeChangeSetCommand({ ChangeSetName: Id, StackName: name })),
    (c) => c.Status === 'CREATE_COMPLETE' || c.Status === 'FAILED',
  );
  if (cs.Status === 'FAILED') {
    if (NO_CHANGES.test(cs.StatusReason ?? '') && p.options.has('no-fail-on-empty-changeset'))
      return { stdout: `\nNo changes to deploy. Stack ${name} is up to date\n`, stderr: '', code: 0 };
    throw new CliError(`Failed to create the changeset: ${cs.StatusReason}`, 255);
  }
  await cfn.send(new CFN.ExecuteChangeSetCommand({ ChangeSetName: Id, StackName: name }));
  const after = await poll(
    () => cfn.send(new CFN.DescribeStacksCommand({ StackName: name })).then((o) => o.Stacks![0]),
    (s) => !String(s.StackStatus).endsWith('_IN_PROGRESS'),
  );
  if (!['CREATE_COMPLETE', 'UPDATE_COMPLETE'].includes(String(after.StackStatus)))
    throw new CliError(`Failed to create/update the stack. ${name} is ${after.StackStatus}`, 255);
  return { stdout: `Successfully created/updated stack - ${name}\n`, stderr: '', code: 0 };
}
