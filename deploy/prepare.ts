/**
 * What a deploy works from, gathered without changing anything: preflight, the target groups
 * resolved through Organizations, and every registry entry built with that context into the exact
 * StackSet and stack specs deploy will send. Before anything is returned, every body and its
 * parameter values are checked the way CloudFormation and CodePipeline would (template invariants,
 * CodePipeline quotas, sizes, required and unknown Parameters): a finding is exit 2 before the first
 * mutating call.
 */
import type { Config } from '../templates-src/config';
import {
  allTargetOus,
  builtName,
  DeployContext,
  enabledTemplates,
  instanceFor,
  parameterValues,
  ResolvedTarget,
  SourceInstance,
  TemplateEntry,
} from '../templates-src/index';
import { PREFIX_TAG, names } from '../templates-src/names';
import { accountsOf, deploymentsOf, stackSetDescription, strategyOf } from '../templates-src/placement';
import { CfnTemplate, synth } from '../templates-src/cfn';
import { templateDelivery } from '../templates-src/delivery';
import { runChecks, selfContainedChecks } from '../templates-src/checks';
import { formatFinding, JsonObject, TemplateUnderCheck } from '../templates-src/checks/types';
import { XacctError } from './errors';
import type { AwsClients } from './deps';
import type { Io } from './io';
import { checkedIdentity, Identity } from './preflight';
import { OrgTree, resolveTargets } from './org-tree';
import { operationPreferences, StackSetSpec } from './stackset/spec';
import type { StackSpec } from './stack/spec';
import type { HashedObject } from './upload';
import { planPipelines } from '../templates-src/central/pipeline-plan';
import { needsEngine } from '../templates-src/central/pipeline-rollout';
import { engineKey, EngineSource, shippedEngine } from './rollout/engine';
import { contentHash, resolvedConfig } from './rollout/stage';

export const CAPABILITIES = ['CAPABILITY_NAMED_IAM'];

export interface StackSetItem {
  entry: TemplateEntry;
  spec: StackSetSpec;
}

export interface StackItem {
  entry: TemplateEntry;
  spec: StackSpec;
  /** Parameters whose values come from an earlier stack's outputs (FROM_OUTPUTS), not known yet. */
  deferred: string[];
}

export interface Prepared {
  identity: Identity;
  context: DeployContext;
  /** Target StackSets, then source StackSets: the order deploy takes. Same placement and `order` run together. */
  stackSets: StackSetItem[];
  /**
   * Central stacks in deploy order. Parameters that come from an earlier stack's outputs (the key
   * ARN on a first deploy) are filled in by `withOutputs` once that stack exists.
   */
  stacks: StackItem[];
  /** The organization tree as read so far (cached), for counting accounts under an OU. */
  tree: OrgTree;
  /** Objects the pipeline needs in the templates bucket (home region) before it is deployed: xacct's engine, the resolved config. */
  uploads: HashedObject[];
  /** What deploy leaves out and says so: stages whose target has no ACTIVE account. */
  warnings: string[];
}

/** Parameters whose value comes from an earlier stack's outputs, and that output. */
export const FROM_OUTPUTS: Record<string, { template: string; output: string }> = {
  PrimaryKeyArn: { template: 'kms-key', output: 'ArtifactKeyArn' },
};

function body(
  entry: TemplateEntry,
  config: Config,
  ctx: DeployContext,
  instance?: SourceInstance,
): { template: CfnTemplate; text: string; uploadKey?: string } {
  const template = synth(entry.build(config, ctx, instance));
  const delivery = templateDelivery(entry.name, template);
  if (delivery.kind === 's3' && entry.placement !== 'central') {
    throw new XacctError('PRECONDITION', `${delivery.reason.replace(/; it is uploaded.*$/, '')}; StackSet templates must fit inline`);
  }
  return { template, text: delivery.body, ...(delivery.kind === 's3' ? { uploadKey: delivery.key } : {}) };
}

const tagsFor = (config: Config) => ({ [PREFIX_TAG]: config.prefix });

function stackSetSpecs(entry: TemplateEntry, config: Config, ctx: DeployContext, sent: SentBody[]): StackSetSpec[] {
  const strategy = strategyOf(entry);
  const regions = [config.homeRegion];
  const shared = entry.instances ? undefined : body(entry, config, ctx);
  return deploymentsOf(entry, config).map((d) => {
    // A source StackSet's body covers what is read in its own account.
    const instance = instanceFor(entry, config, d.account);
    const { template, text } = shared ?? body(entry, config, ctx, instance);
    const parameterNames = Object.keys(template.Parameters ?? {});
    const parameters = {
      ...parameterValues(parameterNames, config, ctx),
      ...Object.fromEntries(Object.entries(d.parameters ?? {}).filter(([k]) => parameterNames.includes(k))),
    };
    sent.push({ what: `StackSet '${d.name}'`, name: builtName(entry, instance), template, parameters });
    const accounts = accountsOf(d);
    const targets: StackSetSpec['targets'] = accounts
      ? { kind: 'accounts', accounts: accounts.map((account) => ({ account, ouId: ctx.accountOus?.[account] ?? '' })) }
      : { kind: 'ous', ouIds: allTargetOus(ctx).ouIds };
    return {
      name: d.name,
      description: stackSetDescription(config.prefix, entry),
      templateBody: text,
      parameters,
      capabilities: CAPABILITIES,
      regions,
      preferences: operationPreferences(config.rollout, regions),
      autoDeployment: d.autoDeployment ?? strategy.autoDeployment(config)!,
      targets,
      tags: tagsFor(config),
    };
  });
}

function stackItems(entry: TemplateEntry, config: Config, ctx: DeployContext, sent: SentBody[]): StackItem[] {
  const { template, text, uploadKey } = body(entry, config, ctx);
  const parameterNames = Object.keys(template.Parameters ?? {});
  return deploymentsOf(entry, config).map((d) => {
    const parameters = parameterValues(parameterNames, config, ctx);
    const deferred = parameterNames.filter((p) => p in FROM_OUTPUTS && !(p in parameters));
    sent.push({ what: `stack '${d.name}' (${d.region})`, name: entry.name, template, parameters, deferred });
    const spec: StackSpec = {
      name: d.name,
      region: d.region,
      templateBody: text,
      parameters,
      capabilities: CAPABILITIES,
      tags: tagsFor(config),
      // Over the inline limit: through the CI account's templates bucket in the stack's region.
      ...(uploadKey ? { upload: { bucket: names.bucket(config.prefix, 'templates', ctx.ciAccountId, d.region), key: uploadKey } } : {}),
    };
    return { entry, spec, deferred };
  });
}

/** A body deploy will send and the Parameter values that go with it. */
export interface SentBody {
  what: string;
  name: string;
  template: CfnTemplate;
  parameters: Record<string, string>;
  /** Parameters supplied later from an earlier stack's outputs. */
  deferred?: string[];
}

/** Required Parameters (no Default) all given, and no value for a Parameter the template does not declare. */
export function parameterProblems(b: SentBody): string[] {
  const declared = b.template.Parameters ?? {};
  const problems: string[] = [];
  const missing = Object.entries(declared)
    .filter(([k, p]) => p.Default === undefined && !(k in b.parameters) && !(b.deferred ?? []).includes(k))
    .map(([k]) => k);
  if (missing.length > 0) problems.push(`${b.what}: Parameters [${missing.join(', ')}] must have values`);
  const unknown = Object.keys(b.parameters).filter((k) => !(k in declared));
  if (unknown.length > 0) problems.push(`${b.what}: Parameters [${unknown.join(', ')}] do not exist in the template`);
  return problems;
}

/**
 * The pure template checks (references, Sub variables, conditions, exports, IAM shape and size,
 * CodePipeline quotas) on every body deploy will send, and its parameter values against its
 * Parameters. Throws BAD_INPUT listing every finding.
 */
export function checkWhatIsSent(sent: SentBody[]): void {
  const unique = new Map<string, TemplateUnderCheck>();
  for (const b of sent) unique.set(b.name, { name: b.name, template: b.template as unknown as JsonObject });
  const findings = runChecks([...unique.values()], {}, selfContainedChecks).map(formatFinding);
  const problems = [...findings, ...sent.flatMap(parameterProblems)];
  if (problems.length > 0) {
    throw new XacctError(
      'BAD_INPUT',
      `what deploy would send fails ${problems.length} check${problems.length === 1 ? '' : 's'}; nothing was changed:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
}

export interface PrepareDeps {
  clients: AwsClients;
  io: Io;
  /** plan and status: never switch on trusted access, say so instead. */
  readOnly?: boolean;
  /** xacct's engine bundle, for stackset: stages and selfUpdate (default: the one this xacct ships). */
  engine?: EngineSource;
}

/**
 * The engine and the resolved config for pipelines that run xacct in CodeBuild: their content-hashed
 * keys go into the pipeline template (DeployContext.rollout), the objects into the templates bucket.
 */
export function engineUploads(config: Config, context: DeployContext, engine: EngineSource): HashedObject[] {
  if (!needsEngine(config)) return [];
  const bundle = engine();
  const resolved = resolvedConfig(config, context);
  const bucket = names.bucket(config.prefix, 'templates', context.ciAccountId, config.homeRegion);
  const engineUpload: HashedObject = { what: "xacct's engine", bucket, key: engineKey(bundle), body: bundle.body, contentType: 'application/javascript' };
  const configUpload: HashedObject = {
    what: 'the resolved config',
    bucket,
    key: names.rolloutConfigKey(contentHash(resolved)),
    body: resolved,
    contentType: 'application/json',
  };
  context.rollout = { engineKey: engineUpload.key, configKey: configUpload.key };
  return [engineUpload, configUpload];
}

/** Stages left out of a pipeline because their target has no ACTIVE account (CodePipeline refuses a stage without actions). */
export function emptyStageWarnings(config: Config, context: DeployContext): string[] {
  return planPipelines(config, context).flatMap((plan) =>
    plan.skipped.map(
      (k) =>
        `pipeline ${plan.pipeline.name}: stage ${k.name} is left out: target "${k.target}" has no ACTIVE account (it comes back with the first account and the next deploy)`,
    ),
  );
}

/** The OU each source account sits in: source StackSets reach their one account through it. */
async function sourceAccountOus(config: Config, tree: OrgTree, identity: Identity): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of enabledTemplates(config).filter((e) => e.placement === 'source')) {
    for (const d of deploymentsOf(entry, config)) {
      if (!d.account || d.account in out) continue;
      if (d.account === identity.managementAccountId) {
        throw new XacctError(
          'BAD_INPUT',
          `source account ${d.account} is the management account of ${identity.organizationId}; service-managed StackSets never deploy there ("DeploymentTargets - AWS CloudFormation")`,
        );
      }
      out[d.account] = await tree.parentOf(d.account);
    }
  }
  return out;
}

/**
 * The CI account among a target's accounts (the pattern's "use the non-prod account for CI"): it
 * gets the target roles and the stages deploy into it, which works, but app stacks of that target
 * then run with `<prefix>-cfn-exec` beside the pipeline (README: "The CI account inside a target").
 * Seen only where the accounts are listed anyway (stage targets, named accounts): no extra call.
 */
function warnCiInTargets(ci: string, targets: Record<string, ResolvedTarget>, io: Io): void {
  const holding = Object.entries(targets)
    .filter(([, t]) => t.accounts.includes(ci))
    .map(([name]) => name);
  if (holding.length === 0) return;
  io.warn(
    `the CI account ${ci} is an account of target ${holding.join(', ')}: it gets the target roles, and app stacks deployed there run in the CI account beside the pipeline`,
  );
}

/**
 * Preflight, resolution and every spec, checked. Makes no mutating call but one: switching on trusted
 * access from the management account, and only once everything else (CodePipeline's rules on the
 * pipelines as they will be, the templates, their parameters) has passed.
 */
export async function prepare(config: Config, deps: PrepareDeps): Promise<Prepared> {
  const home = deps.clients.cfn(config.homeRegion);
  const { identity, activate } = await checkedIdentity({ sts: deps.clients.sts, org: deps.clients.org, cfn: home }, deps.io, {
    readOnly: deps.readOnly ?? false,
    defer: true,
  });
  const tree = new OrgTree(deps.clients.org, identity.organizationId, identity.managementAccountId);
  const targets = await resolveTargets(config, tree);
  const named = Object.assign({}, ...Object.values(targets).map((t) => t.accountOus ?? {})) as Record<string, string>;
  const context: DeployContext = {
    ciAccountId: identity.accountId,
    organizationId: identity.organizationId,
    targets,
    accountOus: { ...named, ...(await sourceAccountOus(config, tree, identity)) },
  };
  for (const [name, t] of Object.entries(targets)) deps.io.debug(`target ${name}: ${t.ouIds.join(', ')} (${t.accounts.length} active accounts)`);
  warnCiInTargets(identity.accountId, targets, deps.io);
  const uploads = engineUploads(config, context, deps.engine ?? shippedEngine);

  const entries = enabledTemplates(config);
  const sent: SentBody[] = [];
  const rank = { target: 0, source: 1, central: 2 } as const;
  const stackSets: StackSetItem[] = [];
  for (const entry of entries.filter((e) => e.placement !== 'central').sort((a, b) => rank[a.placement] - rank[b.placement] || a.order - b.order)) {
    for (const spec of stackSetSpecs(entry, config, context, sent)) stackSets.push({ entry, spec });
  }
  const stacks: StackItem[] = [];
  for (const entry of entries.filter((e) => e.placement === 'central')) stacks.push(...stackItems(entry, config, context, sent));
  checkWhatIsSent(sent);
  await activate?.();
  return { identity, context, stackSets, stacks, tree, uploads, warnings: emptyStageWarnings(config, context) };
}

/**
 * The spec with the parameters that come from earlier stacks' outputs filled in (the home-region key
 * ARN for the regional key replicas). `outputs` maps template name to its home-region stack's outputs.
 */
export function withOutputs(item: StackItem, outputs: Map<string, Record<string, string>>): StackSpec {
  const filled = { ...item.spec.parameters };
  for (const param of item.deferred) {
    const from = FROM_OUTPUTS[param];
    const value = outputs.get(from.template)?.[from.output];
    if (value !== undefined) filled[param] = value;
  }
  return { ...item.spec, parameters: filled };
}

/** Groups of central stacks that may run together: the same registry `order`, in ascending order. */
export function stackWaves(stacks: StackItem[]): StackItem[][] {
  const byOrder = new Map<number, StackItem[]>();
  for (const s of stacks) byOrder.set(s.entry.order, [...(byOrder.get(s.entry.order) ?? []), s]);
  return [...byOrder].sort(([a], [b]) => a - b).map(([, items]) => items);
}
