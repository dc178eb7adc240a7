/**
 * What a deploy works from, gathered without changing anything: preflight, the target groups
 * resolved through Organizations, every registry entry built with that context into a StackSet or
 * stack spec, and (for a preview) each one's current state and plan.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { STSClient } from '@aws-sdk/client-sts';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../templates-src/config';
import { allTargetOus, DeployContext, enabledTemplates, parameterValues, TemplateEntry } from '../templates-src/index';
import { names } from '../templates-src/names';
import { synth } from '../templates-src/cfn';
import { templateDelivery } from '../templates-src/delivery';
import { XacctError } from './errors';
import type { Io } from './io';
import { Identity, OrgTree, preflight, resolveTargets } from './organizations';
import { operationPreferences, planStackSet, readStackSet, StackSetPlan, StackSetSpec, StackSetState } from './stackset';
import { planStack, readStack, StackPlan, StackSpec, StackState } from './stack';
import { activeOperations, pollOperation, WaitOptions } from './operation';

/** The clients deploy/ needs; `deploy/aws.ts` makes them. */
export interface AwsClients {
  sts: STSClient;
  org: OrganizationsClient;
  cfn(region: string): CloudFormationClient;
  /** Only for templates over the inline limit. */
  s3?(region: string): S3Client;
}

export const CAPABILITIES = ['CAPABILITY_NAMED_IAM'];

export interface StackSetItem {
  entry: TemplateEntry;
  spec: StackSetSpec;
}

export interface Prepared {
  identity: Identity;
  context: DeployContext;
  /** Target StackSets, then the source StackSet: the order deploy takes. Same `order` runs together. */
  stackSets: StackSetItem[];
  /** Central entries in registry order; their stacks are built one entry at a time (see centralSpecs). */
  central: TemplateEntry[];
  /** The organization tree as read so far (cached), for counting accounts under an OU. */
  tree: OrgTree;
}

function body(entry: TemplateEntry, config: Config, ctx: DeployContext): { text: string; parameterNames: string[]; uploadKey?: string } {
  const t = synth(entry.build(config, ctx));
  const delivery = templateDelivery(entry.name, t);
  if (delivery.kind === 's3' && entry.placement !== 'central') {
    throw new XacctError('PRECONDITION', `${delivery.reason.replace(/; it is uploaded.*$/, '')}; StackSet templates must fit inline`);
  }
  return { text: delivery.body, parameterNames: Object.keys(t.Parameters ?? {}), ...(delivery.kind === 's3' ? { uploadKey: delivery.key } : {}) };
}

/** Name of the stack for a central entry: `<prefix>-<name>`, with `-<region>` for per-region entries. */
export function centralStackName(prefix: string, entry: TemplateEntry, region: string): string {
  return entry.regions ? `${names.stack(prefix, entry.name)}-${region}` : names.stack(prefix, entry.name);
}

/** Source accounts the pipelines read from: CodeCommit in another account than the CI account. */
export function sourceAccounts(config: Config, ciAccountId: string): string[] {
  const out = new Set<string>();
  for (const p of config.pipelines) {
    const account = 'codecommit' in p.source ? p.source.codecommit.account : undefined;
    if (account && account !== ciAccountId) out.add(account);
  }
  return [...out].sort();
}

function targetSpec(entry: TemplateEntry, config: Config, ctx: DeployContext): StackSetSpec | undefined {
  const { text, parameterNames } = body(entry, config, ctx);
  const regions = [config.homeRegion];
  const common = {
    name: names.stackSet(config.prefix, entry.name),
    description: `xacct ${config.prefix}: ${entry.summary}`,
    templateBody: text,
    parameters: parameterValues(parameterNames, config, ctx),
    capabilities: CAPABILITIES,
    regions,
    preferences: operationPreferences(config, regions),
  };
  if (entry.placement === 'target') {
    return {
      ...common,
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: config.rollout.retainStacksOnAccountRemoval },
      targets: { kind: 'ous', ouIds: allTargetOus(ctx).ouIds },
    };
  }
  return undefined;
}

/**
 * Source StackSets: one per instance the entry declares (`<prefix>-<name>-<suffix>`), each aimed at
 * one account through its OU with the INTERSECTION filter; without `instances`, one StackSet to
 * every source account.
 */
async function sourceSpecs(entry: TemplateEntry, config: Config, ctx: DeployContext, tree: OrgTree, identity: Identity): Promise<StackSetSpec[]> {
  const { text, parameterNames } = body(entry, config, ctx);
  const regions = [config.homeRegion];
  const instances = entry.instances
    ? entry.instances(config).map((i) => ({ name: `${names.stackSet(config.prefix, entry.name)}-${i.suffix}`, accounts: [i.account], parameters: i.parameters }))
    : [{ name: names.stackSet(config.prefix, entry.name), accounts: sourceAccounts(config, ctx.ciAccountId), parameters: {} as Record<string, string> }];
  const out: StackSetSpec[] = [];
  for (const inst of instances) {
    if (inst.accounts.length === 0) continue;
    const picked = [];
    for (const account of inst.accounts) {
      if (account === identity.managementAccountId) {
        throw new XacctError('BAD_INPUT', `source account ${account} is the management account of ${identity.organizationId}; service-managed StackSets never deploy there`);
      }
      picked.push({ account, ouId: await tree.parentOf(account) });
    }
    const known = parameterValues(parameterNames, config, ctx);
    const extra = Object.fromEntries(Object.entries(inst.parameters).filter(([k]) => parameterNames.includes(k)));
    out.push({
      name: inst.name,
      description: `xacct ${config.prefix}: ${entry.summary}`,
      templateBody: text,
      parameters: { ...known, ...extra },
      capabilities: CAPABILITIES,
      regions,
      preferences: operationPreferences(config, regions),
      // Auto-deployment acts on whole OUs: it would put the source role into every account that later
      // joins the source account's OU. This StackSet targets single accounts, so it stays off.
      autoDeployment: { enabled: false, retainStacksOnAccountRemoval: false },
      targets: { kind: 'accounts', accounts: picked },
    });
  }
  return out;
}

/**
 * The stacks of one central entry, built with the context as it stands: per region when the entry
 * has regions(), else one in the home region.
 */
export function centralSpecs(entry: TemplateEntry, config: Config, ctx: DeployContext): StackSpec[] {
  const { text, parameterNames, uploadKey } = body(entry, config, ctx);
  return (entry.regions ? entry.regions(config) : [config.homeRegion]).map((region) => ({
    name: centralStackName(config.prefix, entry, region),
    region,
    templateBody: text,
    parameters: parameterValues(parameterNames, config, ctx),
    capabilities: CAPABILITIES,
    tags: { 'xacct:prefix': config.prefix },
    // Over the inline limit: through the CI account's templates bucket in the stack's region.
    ...(uploadKey ? { upload: { bucket: names.bucket(config.prefix, 'templates', ctx.ciAccountId, region), key: uploadKey } } : {}),
  }));
}

/** Output of the home-region key stack that later templates take as a parameter (DeployContext.artifactKeyArn). */
export const ARTIFACT_KEY_OUTPUT = 'ArtifactKeyArn';

/** Learn from a deployed home-region stack's outputs what later builders need. */
export function learnFromOutputs(ctx: DeployContext, config: Config, spec: StackSpec, outputs: Record<string, string>): void {
  if (spec.region === config.homeRegion && outputs[ARTIFACT_KEY_OUTPUT]) ctx.artifactKeyArn = outputs[ARTIFACT_KEY_OUTPUT];
}

export interface PrepareDeps {
  clients: AwsClients;
  io: Io;
  /** plan and status: never switch on trusted access, say so instead. */
  readOnly?: boolean;
}

/** Preflight, resolution and every spec. Makes no mutating call except switching on trusted access from the management account. */
export async function prepare(config: Config, deps: PrepareDeps): Promise<Prepared> {
  const home = deps.clients.cfn(config.homeRegion);
  const identity = await preflight({ sts: deps.clients.sts, org: deps.clients.org, cfn: home }, deps.io, { readOnly: deps.readOnly });
  const tree = new OrgTree(deps.clients.org, identity.organizationId, identity.managementAccountId);
  const targets = await resolveTargets(config, tree);
  const context: DeployContext = { ciAccountId: identity.accountId, organizationId: identity.organizationId, targets };
  for (const [name, t] of Object.entries(targets)) deps.io.debug(`target ${name}: ${t.ouIds.join(', ')} (${t.accounts.length} active accounts)`);

  const entries = enabledTemplates(config);
  const stackSets: StackSetItem[] = [];
  const placementRank = { target: 0, source: 1, central: 2 } as const;
  for (const entry of entries.filter((e) => e.placement !== 'central').sort((a, b) => placementRank[a.placement] - placementRank[b.placement] || a.order - b.order)) {
    const specs = entry.placement === 'target' ? [targetSpec(entry, config, context)!] : await sourceSpecs(entry, config, context, tree, identity);
    for (const spec of specs) stackSets.push({ entry, spec });
    if (specs.length === 0) deps.io.debug(`${entry.name}: no source account outside the CI account; no StackSet`);
  }
  const central = entries.filter((e) => e.placement === 'central');
  return { identity, context, stackSets, central, tree };
}

export interface DeploymentPlan extends Prepared {
  stackSetPlans: Array<StackSetPlan & { runningOperations: string[] }>;
  stackPlans: StackPlan[];
  /** What each plan was made from, in the same order as the plans. */
  stackSetStates: Array<{ spec: StackSetSpec; state: StackSetState }>;
  stackStates: Array<{ spec: StackSpec; state: StackState }>;
  /** Running operations waited for before planning (attach), by StackSet. */
  attached: Array<{ stackSet: string; operationId: string }>;
  /** True when deploy would make no mutating call. */
  noop: boolean;
}

export interface PlanDeps extends PrepareDeps {
  /**
   * Given: a StackSet operation still running (an interrupted deploy) is waited for, read-only,
   * and the plan is made against what it leaves. Absent: the plan lists it as running.
   */
  attach?: WaitOptions;
}

/** Read-only: what `deploy` would do now. */
export async function planDeployment(config: Config, deps: PlanDeps): Promise<DeploymentPlan> {
  const prepared = await prepare(config, { ...deps, readOnly: deps.readOnly ?? true });
  const home = deps.clients.cfn(config.homeRegion);
  const callAs = prepared.identity.callAs;
  const attached: DeploymentPlan['attached'] = [];
  const stackSetStates = await Promise.all(
    prepared.stackSets.map(async ({ spec }) => {
      let state = await readStackSet(home, spec.name, callAs);
      let running = state.exists ? (await activeOperations(home, spec.name, callAs)).active.map((o) => o.OperationId ?? '') : [];
      if (running.length > 0 && deps.attach) {
        for (const operationId of running) {
          attached.push({ stackSet: spec.name, operationId });
          deps.io.info(`${spec.name}: attaching to running operation ${operationId}; the plan waits for it`);
          await pollOperation(home, { stackSetName: spec.name, operationId, callAs }, deps.attach);
        }
        state = await readStackSet(home, spec.name, callAs);
        running = (await activeOperations(home, spec.name, callAs)).active.map((o) => o.OperationId ?? '');
      }
      return { spec, state, running };
    }),
  );
  const stackSetPlans = stackSetStates.map(({ spec, state, running }) => ({ ...planStackSet(spec, state), runningOperations: running }));
  const stackPlans: StackPlan[] = [];
  const stackStates: DeploymentPlan['stackStates'] = [];
  for (const entry of prepared.central) {
    for (const spec of centralSpecs(entry, config, prepared.context)) {
      const state = await readStack(deps.clients.cfn(spec.region), spec.name, spec.region);
      if (state.exists) learnFromOutputs(prepared.context, config, spec, state.outputs);
      stackPlans.push(planStack(spec, state));
      stackStates.push({ spec, state });
    }
  }
  const noop = stackSetPlans.every((p) => p.noop && p.runningOperations.length === 0) && stackPlans.every((p) => p.action === 'none');
  return { ...prepared, stackSetPlans, stackPlans, stackSetStates: stackSetStates.map(({ spec, state }) => ({ spec, state })), stackStates, attached, noop };
}
