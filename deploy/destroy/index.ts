/**
 * `xacct destroy`: every xacct StackSet of the prefix (found by tag, configured or not: instances
 * at full concurrency with every failure tolerated, then the StackSet), then the central stacks in
 * reverse deploy order with termination protection switched off first. Resources with
 * DeletionPolicy Retain (the artifact key, the buckets, build log groups) outlive their stacks on
 * purpose; they are listed at the end with the commands that remove them. An interrupted destroy
 * resumes: the next run attaches to the running deletes and carries on from what is left.
 *
 * Nothing is deleted without a yes: `--yes`, or an answer on a terminal. Without a terminal and
 * without --yes it refuses (exit 2) after showing what it would delete.
 */
import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import type { Config } from '../../templates-src/config';
import { CommandDeps, Confirm, confirmed } from '../deps';
import { call, combine, XacctError } from '../errors';
import { configuredStacks, readInventory } from '../inventory';
import { preflight } from '../preflight';
import { progressView, stackOptions, stackSetOptions } from '../progress';
import { readStackSet } from '../stackset/read';
import { removeStackSet } from '../stackset/remove';
import type { ExistingStackSet } from '../stackset/spec';
import { deleteStack, settle } from '../stack/lifecycle';
import type { ExistingStack } from '../stack/spec';
import { renderDestroy } from './render';

export { renderDestroy } from './render';

export interface RetainedResource {
  stack: string;
  region: string;
  logicalId: string;
  type: string;
  physicalId: string;
  /** How to remove it by hand. */
  remove: string;
}

/** A resource every instance of a StackSet keeps when the instance is deleted (DeletionPolicy Retain). */
export interface RetainedInAccounts {
  stackSet: string;
  logicalId: string;
  type: string;
  name: string;
  accounts: string[];
  remove: string;
}

export interface DestroyResult {
  account: string;
  callAs: string;
  /** Nothing of xacct's was found. */
  nothing: boolean;
  stackSets: Array<{ name: string; instancesDeleted: number; operations: string[] }>;
  stacks: Array<{ name: string; region: string }>;
  retained: RetainedResource[];
  /** Kept in the target accounts by design (the CloudFormation role and its boundary, for the app stacks). */
  retainedInAccounts: RetainedInAccounts[];
}

export interface DestroyDeps extends CommandDeps {
  confirm: Confirm;
}

/** How to remove a retained resource by hand; order matters (buckets before the key that encrypts them). */
export function removalHint(type: string, id: string, region: string): string {
  switch (type) {
    case 'AWS::S3::Bucket':
      return `empty it (every object version and delete marker: the S3 console's Empty, or a lifecycle rule that expires them), then: aws s3api delete-bucket --bucket ${id} --region ${region}`;
    case 'AWS::KMS::Key':
    case 'AWS::KMS::ReplicaKey':
      return `once the buckets are gone (what it encrypted becomes unreadable): aws kms schedule-key-deletion --key-id ${id} --pending-window-in-days 30 --region ${region}`;
    case 'AWS::Logs::LogGroup':
      return `aws logs delete-log-group --log-group-name ${id} --region ${region}`;
    case 'AWS::ECR::Repository':
      return `with its images (--force): aws ecr delete-repository --repository-name ${id} --force --region ${region}`;
    case 'AWS::CodeArtifact::Repository': {
      // The physical ID is the repository ARN: ...:repository/<domain>/<repository>.
      const [domain, repository] = id.split(':repository/')[1]?.split('/') ?? ['<domain>', id];
      return `aws codeartifact delete-repository --domain ${domain} --repository ${repository} --region ${region}`;
    }
    case 'AWS::CodeArtifact::Domain':
      return `once its repositories are gone: aws codeartifact delete-domain --domain ${id.split(':domain/')[1] ?? id} --region ${region}`;
    default:
      return `delete ${id} with the console or the service's CLI in ${region}`;
  }
}

const NAME_PROPERTY: Record<string, string> = { 'AWS::IAM::Role': 'RoleName', 'AWS::IAM::ManagedPolicy': 'ManagedPolicyName' };

function removalInAccount(type: string, name: string): string {
  if (type === 'AWS::IAM::ManagedPolicy') {
    return `once no role uses it as a boundary (aws iam list-entities-for-policy --policy-arn arn:aws:iam::<account>:policy/${name} --policy-usage-filter PermissionsBoundary lists none): aws iam delete-policy --policy-arn arn:aws:iam::<account>:policy/${name}`;
  }
  if (type === 'AWS::IAM::Role') {
    return `once the app stacks it deployed are deleted (they need it to be): detach its policies (aws iam list-attached-role-policies --role-name ${name}), then aws iam delete-role --role-name ${name}`;
  }
  return `delete ${name} in each account`;
}

/**
 * What every instance of these StackSets keeps in its account once deleted: resources their template
 * marks DeletionPolicy Retain (the CloudFormation role, so the app stacks it created can still be
 * updated or deleted, and its boundary, which IAM will not delete while app roles carry it).
 */
export function retainedInAccounts(sets: ExistingStackSet[]): RetainedInAccounts[] {
  const out: RetainedInAccounts[] = [];
  for (const s of sets) {
    let resources: Record<string, { Type?: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }> = {};
    try {
      resources = (JSON.parse(s.templateBody || '{}') as { Resources?: typeof resources }).Resources ?? {};
    } catch {
      continue;
    }
    const accounts = [...new Set(s.instances.map((i) => i.account))].sort();
    if (accounts.length === 0) continue;
    for (const [logicalId, r] of Object.entries(resources)) {
      if (r.DeletionPolicy !== 'Retain') continue;
      const named = r.Properties?.[NAME_PROPERTY[r.Type ?? ''] ?? ''] as { 'Fn::Sub'?: string } | string | undefined;
      const text = typeof named === 'string' ? named : (named?.['Fn::Sub'] ?? logicalId);
      const name = text.replace(/\$\{([^}]+)\}/g, (m, k: string) => s.parameters[k] ?? m);
      out.push({ stackSet: s.name, logicalId, type: r.Type ?? '?', name, accounts, remove: removalInAccount(r.Type ?? '', name) });
    }
  }
  return out;
}

// Stores encrypted with the key go before it; a CodeArtifact domain after its repositories.
const REMOVAL_ORDER: Record<string, number> = {
  'AWS::Logs::LogGroup': 0,
  'AWS::S3::Bucket': 1,
  'AWS::ECR::Repository': 1,
  'AWS::CodeArtifact::Repository': 1,
  'AWS::CodeArtifact::Domain': 2,
  'AWS::KMS::ReplicaKey': 3,
  'AWS::KMS::Key': 4,
};

/** Resources the deployed template marks DeletionPolicy Retain, with their physical IDs (read before the stack goes). */
async function retainedResources(cfn: CloudFormationClient, state: ExistingStack): Promise<RetainedResource[]> {
  let resources: Record<string, { Type?: string; DeletionPolicy?: string }> = {};
  try {
    resources = (JSON.parse(state.templateBody || '{}') as { Resources?: typeof resources }).Resources ?? {};
  } catch {
    resources = {};
  }
  const retained = Object.entries(resources).filter(([, r]) => r.DeletionPolicy === 'Retain');
  if (retained.length === 0) return [];
  const physical = new Map<string, string>();
  await call(`stack '${state.name}' (${state.region})`, 'ListStackResources', async () => {
    for await (const page of paginateListStackResources({ client: cfn }, { StackName: state.stackId })) {
      for (const r of page.StackResourceSummaries ?? [])
        if (r.LogicalResourceId && r.PhysicalResourceId) physical.set(r.LogicalResourceId, r.PhysicalResourceId);
    }
  });
  return retained
    .filter(([logicalId]) => physical.has(logicalId))
    .map(([logicalId, r]) => {
      const id = physical.get(logicalId)!;
      const type = r.Type ?? '?';
      return { stack: state.name, region: state.region, logicalId, type, physicalId: id, remove: removalHint(type, id, state.region) };
    });
}

function describeTargets(sets: ExistingStackSet[], stacks: ExistingStack[], account: string): string {
  const lines = [`xacct destroy deletes, from account ${account}:`];
  for (const s of sets) {
    const accounts = new Set(s.instances.map((i) => i.account)).size;
    lines.push(
      `  StackSet ${s.name}: ${s.instances.length} instance${s.instances.length === 1 ? '' : 's'} in ${accounts} account${accounts === 1 ? '' : 's'}, then the StackSet`,
    );
  }
  for (const s of stacks) lines.push(`  stack ${s.name} (${s.region})${s.terminationProtection ? ', termination protection switched off first' : ''}`);
  lines.push(
    'Resources with DeletionPolicy Retain stay and are listed at the end: in the CI account the key, buckets and log groups; in every target account the CloudFormation role and its permissions boundary, which the app stacks deployed through them still need.',
  );
  return lines.join('\n');
}

async function confirmOrRefuse(deps: DestroyDeps, summary: string): Promise<void> {
  if (deps.confirm.yes) return;
  if (!deps.confirm.interactive) {
    throw new XacctError(
      'PRECONDITION',
      `${summary}\nrefusing to destroy without confirmation: no terminal to ask on; run it on a terminal or pass --yes. Nothing was deleted.`,
    );
  }
  deps.io.info(summary);
  if (!(await confirmed(deps.confirm, 'Delete all of this?'))) throw new XacctError('PRECONDITION', 'destroy cancelled; nothing was deleted');
}

/** Central stacks in reverse deploy order: configured ones (pipeline first, key last), then any others found. */
function stackOrder(config: Config, stacks: ExistingStack[]): ExistingStack[] {
  const order = configuredStacks(config).map((s) => `${s.region}/${s.name}`);
  const rank = (s: ExistingStack) => {
    const i = order.indexOf(`${s.region}/${s.name}`);
    return i < 0 ? order.length : i;
  };
  return [...stacks].sort((a, b) => rank(b) - rank(a));
}

export async function runDestroy(config: Config, deps: DestroyDeps): Promise<DestroyResult> {
  const { io } = deps;
  const home = deps.clients.cfn(config.homeRegion);
  const identity = await preflight({ sts: deps.clients.sts, org: deps.clients.org, cfn: home }, io, { readOnly: true });
  const callAs = identity.callAs;
  const inventory = await readInventory(deps.clients, config, identity);
  const sets = (await Promise.all(inventory.stackSets.map((name) => readStackSet(home, name, callAs, { instances: 'all' })))).filter(
    (s): s is ExistingStackSet => s.exists,
  );
  const found = [...configuredStacks(config), ...inventory.stacks].filter(
    (s, i, all) => all.findIndex((x) => x.name === s.name && x.region === s.region) === i,
  );
  const view = progressView(io);
  const sOptions = stackOptions(deps, view, async () => false);
  const stacks = (await Promise.all(found.map((s) => settle(deps.clients.cfn(s.region), s, sOptions)))).filter((s): s is ExistingStack => s.exists);
  const result: DestroyResult = {
    account: identity.accountId,
    callAs,
    nothing: sets.length === 0 && stacks.length === 0,
    stackSets: [],
    stacks: [],
    retained: [],
    retainedInAccounts: retainedInAccounts(sets),
  };
  if (result.nothing) {
    view.done();
    io.result(`nothing to destroy: no xacct StackSet or stack with prefix '${config.prefix}' in account ${identity.accountId}`, result);
    return result;
  }
  try {
    await confirmOrRefuse(deps, describeTargets(sets, stacks, identity.accountId));
    const options = { ...stackSetOptions(deps, view, callAs), region: config.homeRegion };
    const settled = await Promise.allSettled(sets.map((s) => removeStackSet(home, s.name, options)));
    for (const s of settled) if (s.status === 'fulfilled' && s.value) result.stackSets.push(s.value);
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    // The central stacks stay while any StackSet does: the pipeline still deploys through roles in the remaining instances.
    if (errors.length > 0) throw combine(errors, 'StackSets');
    for (const state of stackOrder(config, stacks)) {
      const cfn = deps.clients.cfn(state.region);
      result.retained.push(...(await retainedResources(cfn, state)));
      await deleteStack(cfn, state, sOptions);
      result.stacks.push({ name: state.name, region: state.region });
    }
  } finally {
    view.done();
  }
  result.retained.sort((a, b) => (REMOVAL_ORDER[a.type] ?? 9) - (REMOVAL_ORDER[b.type] ?? 9) || a.physicalId.localeCompare(b.physicalId));
  io.result(renderDestroy(result), result);
  return result;
}
