/**
 * The AWS CLI commands of dist/README.md, built from the manifest (names, regions, deployments,
 * parameters) so that they deploy exactly what `xacct deploy` deploys: the same StackSet and stack
 * names, descriptions, tags, auto-deployment, targets and Parameter values. Values known when
 * dist/ is built are written out; values of the organization are `<Name>` placeholders, collected
 * here so that `xacct params` can print a value for each one the README uses.
 */
import type { Config } from './config';
import type { Manifest, ManifestEntry, ManifestParameter } from './build';
import type { Deployment } from './placement';
import { accountsOf, stackSetDescription } from './placement';
import { names, PREFIX_TAG } from './names';
import { parameterAssignment, shellWord } from './cli-args';

/** A `<Name>` in a command, and what it stands for. */
export interface Placeholder {
  name: string;
  meaning: string;
}

/** The placeholders met while building commands, in order of first use. */
export class Placeholders {
  private readonly seen = new Map<string, Placeholder>();
  use(name: string, meaning: string): string {
    if (!this.seen.has(name)) this.seen.set(name, { name, meaning });
    return `<${name}>`;
  }
  list(): Placeholder[] {
    return [...this.seen.values()];
  }
}

/** The StackSets calls run as a delegated administrator (the CI account); from the management account it is SELF. */
export const CALL_AS = 'DELEGATED_ADMIN';
export const CAPABILITIES = 'CAPABILITY_NAMED_IAM';
/** How a block says where it runs: its first line. The dist README test reads it. */
export const IN_MANAGEMENT = '# in the management account';
export const IN_CI = '# in the CI account';
export const inAccount = (account: string) => `# in account ${account}`;

/** The `<Name>` of the OUs through which a StackSet aimed at single accounts reaches them (AccountFilterType INTERSECTION). */
export function accountOusPlaceholder(entry: Pick<ManifestEntry, 'placement'>, accounts: string[]): string {
  return entry.placement === 'target' ? 'TargetAccountOuIds' : `OuOf${accounts.join('')}`;
}

/** `--deployment-targets` of a StackSet deployment: its OUs, or its accounts filtered out of their OUs. */
export function deploymentTargets(entry: ManifestEntry, d: Deployment, ph: Placeholders): string {
  const accounts = accountsOf(d);
  if (!accounts) return `OrganizationalUnitIds=${ph.use('TargetOuIds', 'IDs of the target OUs, comma separated (ou-... or r-...)')}`;
  const ous = ph.use(
    accountOusPlaceholder(entry, accounts),
    `IDs of the OUs (or root) that account${accounts.length === 1 ? '' : 's'} ${accounts.join(', ')} sit${accounts.length === 1 ? 's' : ''} in, comma separated`,
  );
  return `OrganizationalUnitIds=${ous},Accounts=${accounts.join(',')},AccountFilterType=INTERSECTION`;
}

/** The AWS CLI call that reads the home-region key ARN once the kms-key stack exists (regional stores replicate that key). */
function keyArnOf(manifest: Manifest): string | undefined {
  const key = manifest.templates.find((t) => t.name === 'kms-key')?.deployments[0];
  if (!key) return undefined;
  return `"$(aws cloudformation describe-stacks --region ${key.region} --stack-name ${key.name} --query "Stacks[0].Outputs[?OutputKey=='ArtifactKeyArn'].OutputValue" --output text)"`;
}

/** One Parameter as a shell word: the value dist/ knows (an instance's own, else the Default), the key ARN read from its stack, else a placeholder. */
function parameterWord(kind: 'stack' | 'stackset', p: ManifestParameter, d: Deployment, manifest: Manifest, ph: Placeholders): string {
  const known = d.parameters?.[p.name] ?? p.default;
  if (known !== undefined) return shellWord(parameterAssignment(kind, p.name, known));
  const keyArn = p.name === 'PrimaryKeyArn' ? keyArnOf(manifest) : undefined;
  if (keyArn) return kind === 'stack' ? `${p.name}=${keyArn}` : `ParameterKey=${p.name},ParameterValue=${keyArn}`;
  const value = ph.use(p.name, p.description);
  const list = p.type === 'CommaDelimitedList';
  if (kind === 'stack') return list ? `'${p.name}=${value}'` : `${p.name}=${value}`;
  return list ? `'ParameterKey=${p.name},ParameterValue="${value}"'` : `ParameterKey=${p.name},ParameterValue=${value}`;
}

export function parameterWords(kind: 'stack' | 'stackset', entry: ManifestEntry, d: Deployment, manifest: Manifest, ph: Placeholders): string {
  if (entry.parameters.length === 0) return '';
  const flag = kind === 'stack' ? '--parameter-overrides' : '--parameters';
  return `${flag} ${entry.parameters.map((p) => parameterWord(kind, p, d, manifest, ph)).join(' ')}`;
}

/** Lines of one command, joined with backslash continuations. */
export function command(lines: string[]): string {
  return lines
    .filter((l) => l !== '')
    .map((l, i, all) => `${i === 0 ? '' : '    '}${l}${i < all.length - 1 ? ' \\' : ''}`)
    .join('\n');
}

/** The operation preferences `xacct deploy` uses: the configured share of accounts at once, soft failure tolerance, home region first. */
export function operationPreferences(config: Config): string {
  const r = config.rollout;
  return `RegionConcurrencyType=${r.regionConcurrency},RegionOrder=${config.homeRegion},ConcurrencyMode=SOFT_FAILURE_TOLERANCE,FailureTolerancePercentage=${r.failureTolerancePercentage},MaxConcurrentPercentage=${r.maxConcurrentPercentage}`;
}

/** What create-stack-set and update-stack-set both say: description, body, auto-deployment, execution, capabilities, tags, parameters. */
function stackSetDefinition(config: Config, manifest: Manifest, entry: ManifestEntry, d: Deployment, ph: Placeholders): string[] {
  const auto = d.autoDeployment ?? { enabled: false, retainStacksOnAccountRemoval: false };
  return [
    `--stack-set-name ${d.name}`,
    `--description ${shellWord(stackSetDescription(config.prefix, entry))}`,
    `--template-body file://${entry.files.json}`,
    // RetainStacksOnAccountRemoval: "Specify only if Enabled is set to True" ("AutoDeployment - AWS CloudFormation").
    `--auto-deployment Enabled=${auto.enabled}${auto.enabled ? `,RetainStacksOnAccountRemoval=${auto.retainStacksOnAccountRemoval}` : ''}`,
    '--managed-execution Active=true',
    `--capabilities ${CAPABILITIES}`,
    `--tags Key=${PREFIX_TAG},Value=${config.prefix}`,
    parameterWords('stackset', entry, d, manifest, ph),
  ];
}

const head = (config: Config, api: string) => `aws cloudformation ${api} --region ${config.homeRegion} --call-as ${CALL_AS}`;

/** First deploy of one StackSet: create it, add its instances, wait for that operation. */
export function createStackSet(config: Config, manifest: Manifest, entry: ManifestEntry, d: Deployment, ph: Placeholders): string {
  return [
    command([head(config, 'create-stack-set'), ...stackSetDefinition(config, manifest, entry, d, ph), '--permission-model SERVICE_MANAGED']),
    `op=$(${command([
      head(config, 'create-stack-instances'),
      `--stack-set-name ${d.name}`,
      `--deployment-targets ${deploymentTargets(entry, d, ph)}`,
      `--regions ${config.homeRegion}`,
      `--operation-preferences ${operationPreferences(config)}`,
      '--query OperationId --output text)',
    ])}`,
    `wait_for_stack_set_operation ${d.name} "$op"`,
  ].join('\n');
}

/** A later deploy of one StackSet: the new template and values reach every instance in one operation. */
export function updateStackSet(config: Config, manifest: Manifest, entry: ManifestEntry, d: Deployment, ph: Placeholders): string {
  return [
    `op=$(${command([head(config, 'update-stack-set'), ...stackSetDefinition(config, manifest, entry, d, ph), `--operation-preferences ${operationPreferences(config)}`, '--query OperationId --output text)'])}`,
    `wait_for_stack_set_operation ${d.name} "$op"`,
  ].join('\n');
}

/**
 * The objects a pipeline with stackset: stages or selfUpdate reads from the templates bucket (xacct's
 * engine, the resolved config), under the content-hashed keys its Parameters name: written by
 * `xacct params --uploads DIR`, put with SSE-KMS and the artifact key as the bucket requires.
 */
export function engineUploads(config: Config, manifest: Manifest, file: string, ph: Placeholders): string {
  const bucket = names.bucket(config.prefix, 'templates', ph.use('CiAccountId', 'ID of the CI account, which runs the pipelines'), config.homeRegion);
  const keys = [
    ph.use('RolloutEngineKey', "Key in the templates bucket of xacct's StackSet engine (xacct params --uploads writes the file)"),
    ph.use('RolloutConfigKey', 'Key in the templates bucket of the resolved config the engine reads (xacct params --uploads writes the file)'),
  ];
  return [
    `xacct params --config ${file} --uploads xacct-uploads`,
    ...keys.map((k) =>
      command([
        `aws s3api put-object --region ${config.homeRegion}`,
        `--bucket ${bucket}`,
        `--key ${k}`,
        `--body xacct-uploads/${k}`,
        `--server-side-encryption aws:kms --ssekms-key-id ${keyArnOf(manifest)}`,
      ]),
    ),
  ].join('\n');
}

/** A CI-account stack: created or updated through a change set, then termination protection on, as `xacct deploy` leaves it. */
export function deployStack(config: Config, manifest: Manifest, entry: ManifestEntry, d: Deployment, ph: Placeholders): string {
  const bucket =
    entry.delivery === 'inline'
      ? ''
      : `--s3-bucket ${names.bucket(config.prefix, 'templates', ph.use('CiAccountId', 'ID of the CI account, which runs the pipelines'), d.region)} --s3-prefix xacct/templates --kms-key-id ${keyArnOf(manifest)}`;
  return [
    command([
      `aws cloudformation deploy --region ${d.region}`,
      `--stack-name ${d.name}`,
      `--template-file ${entry.files.json}`,
      `--capabilities ${CAPABILITIES}`,
      '--no-fail-on-empty-changeset',
      `--tags ${PREFIX_TAG}=${config.prefix}`,
      bucket,
      parameterWords('stack', entry, d, manifest, ph),
    ]),
    `aws cloudformation update-termination-protection --region ${d.region} --stack-name ${d.name} --enable-termination-protection`,
  ].join('\n');
}

/** The function every StackSet block calls: polls DescribeStackSetOperation until the operation is no longer RUNNING, QUEUED or STOPPING. */
export function waitFunction(config: Config): string {
  return [
    'wait_for_stack_set_operation() {  # StackSet name, operation ID',
    '  local status failed',
    '  while true; do',
    `    read -r status failed < <(aws cloudformation describe-stack-set-operation --region ${config.homeRegion} --call-as ${CALL_AS} \\`,
    '      --stack-set-name "$1" --operation-id "$2" \\',
    "      --query 'StackSetOperation.[Status, StatusDetails.FailedStackInstancesCount]' --output text) || return 1",
    '    case "$status" in',
    '      RUNNING|QUEUED|STOPPING) sleep 15 ;;',
    '      SUCCEEDED) [ "$failed" = 0 ] && return 0; echo "$1 $2: $failed instances failed" >&2; return 1 ;;',
    '      *) echo "$1 $2 ended $status" >&2; return 1 ;;',
    '    esac',
    '  done',
    '}',
  ].join('\n');
}
