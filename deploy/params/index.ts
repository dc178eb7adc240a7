/**
 * `xacct params`: the value of every Parameter of every template in `dist/`, for this organization,
 * read the way deploy reads it and changing nothing: preflight (read-only), the target OUs resolved
 * through the organization tree, the values deploy sends (`parameterValues`, a source instance's
 * own values), the stage accounts of dist's one-account-per-stage pipeline, and the key ARN from the
 * kms-key stack's outputs once it exists. For teams that deploy `dist/` with the AWS CLI alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../../templates-src/config';
import type { HashedObject } from '../upload';
import { buildDist, Manifest, ManifestEntry } from '../../templates-src/build';
import { readmePlaceholders } from '../../templates-src/readme';
import { stageAccountParameter } from '../../templates-src/central/pipeline-plan';
import { CONFIG_KEY_PARAMETER, ENGINE_KEY_PARAMETER } from '../../templates-src/central/pipeline-rollout';
import { allTargetOus, DeployContext, parameterValues, registry, ResolvedTarget } from '../../templates-src/index';
import { accountsOf, deploymentsOf } from '../../templates-src/placement';
import type { CommandDeps } from '../deps';
import { OrgTree, resolveTargets } from '../org-tree';
import { preflight } from '../preflight';
import { engineUploads, FROM_OUTPUTS } from '../prepare';
import { EngineSource, shippedEngine } from '../rollout/engine';
import { XacctError } from '../errors';
import { describeStack, outputsOf } from '../stack/read';
import { cliArguments, renderParams } from './render';

export interface ParamValue {
  name: string;
  type: string;
  /** Absent only while the stack whose output it is does not exist yet (`pending`). */
  value?: string;
  /** Where the value comes from (the manifest's words). */
  from: string;
  /** The value is the template's Default (which the config set). */
  isDefault: boolean;
  /** An output of a stack that is not deployed yet: deploy that stack first, then read it. */
  pending?: { stack: string; region: string; output: string };
}

export interface TemplateParams {
  template: string;
  kind: 'stack' | 'stackset';
  /** Stack or StackSet name; a building block this config does not deploy keeps the manifest's `<region>` / `<source-account-id>` pattern. */
  name: string;
  region: string;
  deploysTo: string;
  /** `xacct deploy` deploys it for this config (else a building block of dist/, here to deploy by hand). */
  deployedByXacct: boolean;
  parameters: ParamValue[];
  notes: string[];
  /**
   * The AWS CLI arguments that pass these values, one argv entry each (no shell quoting): `--parameter-overrides K=V ...`
   * for `aws cloudformation deploy`, `--parameters ParameterKey=K,ParameterValue=V ...` for StackSets. Pending values are left out.
   */
  arguments: string[];
}

/** A `<Name>` of dist/README.md's commands and its value here (absent when this organization has none to give). */
export interface PlaceholderValue {
  name: string;
  meaning: string;
  value?: string;
}

export interface ParamsReport {
  organizationId: string;
  ciAccountId: string;
  homeRegion: string;
  templates: TemplateParams[];
  /** Every placeholder of dist/README.md's commands, with its value. */
  placeholders: PlaceholderValue[];
  /** What the pipeline reads from the templates bucket (stackset: stages, selfUpdate): key and size; `--uploads DIR` writes them. */
  uploads: Array<{ what: string; bucket: string; key: string; bytes: number }>;
}

export interface ParamsDeps extends Pick<CommandDeps, 'clients' | 'io'> {
  /** xacct's engine bundle (default: the one this xacct ships). */
  engine?: EngineSource;
  /** Write the objects the pipeline reads from the templates bucket under DIR, each at its key. */
  uploadsDir?: string;
}

/** Outputs of earlier stacks that Parameters take (the home-region key ARN), by Parameter; reads only stacks some template needs. */
async function outputValues(config: Config, manifest: ManifestEntry[], deps: Pick<CommandDeps, 'clients'>): Promise<Record<string, string | undefined>> {
  const needed = new Set(manifest.flatMap((m) => m.parameters.map((p) => p.name)).filter((n) => n in FROM_OUTPUTS));
  const out: Record<string, string | undefined> = {};
  for (const name of needed) {
    const { template, output } = FROM_OUTPUTS[name];
    const stack = homeStackOf(config, template);
    out[name] = outputsOf(await describeStack(deps.clients.cfn(stack.region), stack.name, stack.region))[output];
  }
  return out;
}

function homeStackOf(config: Config, template: string): { name: string; region: string } {
  const entry = registry.find((e) => e.name === template)!;
  return deploymentsOf(entry, config).find((d) => d.region === config.homeRegion) ?? deploymentsOf(entry, config)[0];
}

/** Parameter name -> the target group of the stage whose single account it is in dist's pipeline. */
function stageAccountTargets(config: Config): Map<string, { pipeline: string; stage: string; target: string }> {
  const out = new Map<string, { pipeline: string; stage: string; target: string }>();
  for (const p of config.pipelines) for (const s of p.stages) out.set(stageAccountParameter(p, s), { pipeline: p.name, stage: s.name, target: s.target });
  return out;
}

interface Sources {
  config: Config;
  known: Record<string, string>;
  targets: Record<string, ResolvedTarget>;
  stages: ReturnType<typeof stageAccountTargets>;
}

/** At most ten accounts by name: a note about a target of thousands stays one line. */
const listed = (accounts: string[]) => (accounts.length <= 10 ? accounts.join(', ') : `${accounts.slice(0, 10).join(', ')} and ${accounts.length - 10} more`);

function valueOf(p: ManifestEntry['parameters'][number], instance: Record<string, string>, s: Sources, notes: string[]): ParamValue {
  const base = { name: p.name, type: p.type, from: p.resolvedBy };
  const given = instance[p.name] ?? s.known[p.name];
  if (given !== undefined) return { ...base, value: given, isDefault: given === p.default };
  const stage = s.stages.get(p.name);
  if (stage) {
    const accounts = s.targets[stage.target]?.accounts ?? [];
    if (accounts.length > 1) {
      notes.push(
        `${p.name}: target ${stage.target} has ${accounts.length} accounts (${listed(accounts)}); dist/'s pipeline deploys stage ${stage.stage} to one, the first is given (xacct deploy deploys to each)`,
      );
    }
    if (accounts.length > 0) return { ...base, value: accounts[0], isDefault: false };
    notes.push(`${p.name}: target ${stage.target} has no ACTIVE account; stage ${stage.stage} has nowhere to deploy`);
    return { ...base, isDefault: false };
  }
  if (p.default !== undefined) return { ...base, value: p.default, isDefault: true };
  const from = FROM_OUTPUTS[p.name];
  if (from) {
    const stack = homeStackOf(s.config, from.template);
    return { ...base, isDefault: false, pending: { stack: stack.name, region: stack.region, output: from.output } };
  }
  notes.push(`${p.name}: xacct knows no value for it (${p.resolvedBy})`);
  return { ...base, isDefault: false };
}

/** One row per stack or StackSet each template of dist/ deploys as (one, named by its pattern, for a building block). */
function templateParams(m: ManifestEntry, s: Sources): Array<Omit<TemplateParams, 'arguments'>> {
  const kind = m.placement === 'central' ? 'stack' : 'stackset';
  const deployments =
    m.deployments.length > 0
      ? m.deployments
      : [{ name: m.deployAs, region: m.deployAs.includes('<region>') ? '<region>' : s.config.homeRegion, parameters: undefined }];
  return deployments.map((d) => {
    const notes: string[] = [];
    const parameters = m.parameters.map((p) => valueOf(p, d.parameters ?? {}, s, notes));
    return { template: m.name, kind, name: d.name, region: d.region, deploysTo: m.deploysTo, deployedByXacct: m.deployed, parameters, notes };
  });
}

/**
 * Read-only: every Parameter value of dist/ for this organization. Makes no mutating call.
 * The context is built from preflight and resolveTargets as prepare() builds it, without prepare()'s
 * checks of deploy's own templates: deploy expands each pipeline stage to every account of its
 * target, and that pipeline can exceed CodePipeline's 500 actions per pipeline where dist/'s (one
 * account per stage) deploys fine.
 */
export async function readParams(config: Config, deps: ParamsDeps): Promise<ParamsReport> {
  const home = deps.clients.cfn(config.homeRegion);
  const identity = await preflight({ sts: deps.clients.sts, org: deps.clients.org, cfn: home }, deps.io, { readOnly: true });
  const tree = new OrgTree(deps.clients.org, identity.organizationId, identity.managementAccountId);
  const targets = await resolveTargets(config, tree);
  const { manifest } = buildDist(config);
  const outputs = await outputValues(config, manifest.templates, deps);
  const ctx: DeployContext = { ciAccountId: identity.accountId, organizationId: identity.organizationId, targets };
  // The engine and resolved config deploy puts into the templates bucket: their keys are Parameter values (ctx.rollout).
  const uploads = engineUploads(config, ctx, deps.engine ?? shippedEngine);
  if (deps.uploadsDir !== undefined) writeUploads(deps.uploadsDir, uploads);
  const names = [...new Set(manifest.templates.flatMap((m) => m.parameters.map((p) => p.name)))];
  // Values from earlier stacks' outputs, as deploy fills them in (withOutputs) once those stacks exist.
  const known = {
    ...parameterValues(names, config, ctx),
    ...Object.fromEntries(Object.entries(outputs).filter((e): e is [string, string] => e[1] !== undefined)),
    // deploy writes these keys into the pipeline template; dist/'s pipeline takes them as Parameters.
    ...(ctx.rollout ? { [ENGINE_KEY_PARAMETER]: ctx.rollout.engineKey, [CONFIG_KEY_PARAMETER]: ctx.rollout.configKey } : {}),
  };
  const sources: Sources = { config, known, targets, stages: stageAccountTargets(config) };
  const templates = manifest.templates.flatMap((m) => templateParams(m, sources)).map((t) => ({ ...t, arguments: cliArguments(t) }));
  const placeholders = await placeholderValues(config, manifest, { ...ctx, accountOus: await sourceOus(manifest, tree) }, templates);
  return {
    organizationId: identity.organizationId,
    ciAccountId: identity.accountId,
    homeRegion: config.homeRegion,
    templates,
    placeholders,
    uploads: uploads.map((u) => ({ what: u.what, bucket: u.bucket, key: u.key, bytes: Buffer.byteLength(u.body) })),
  };
}

/** Each object at DIR/<key>; bad input (DIR a file, not writable) names the flag. */
function writeUploads(dir: string, uploads: HashedObject[]): void {
  for (const u of uploads) {
    const file = join(dir, u.key);
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, u.body);
    } catch (err) {
      throw new XacctError('BAD_INPUT', `--uploads ${dir}: cannot write ${u.key}: ${(err as Error).message}`);
    }
  }
}

/** The OU (or root) of each account a source StackSet is aimed at. */
async function sourceOus(manifest: Manifest, tree: OrgTree): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of manifest.templates.filter((t) => t.placement === 'source'))
    for (const d of m.deployments) for (const a of accountsOf(d) ?? []) out[a] ??= await tree.parentOf(a);
  return out;
}

/**
 * The value of each placeholder dist/README.md uses: a Parameter's value (the same in every template
 * that takes it), the target OUs' IDs, and the OUs through which StackSets aimed at single accounts
 * reach them (what deploy's specs use: allTargetOus, the named accounts' and source accounts' OUs).
 */
async function placeholderValues(config: Config, manifest: Manifest, ctx: DeployContext, templates: TemplateParams[]): Promise<PlaceholderValue[]> {
  const params = new Map<string, string>();
  for (const t of templates) for (const p of t.parameters) if (p.value !== undefined && !params.has(p.name)) params.set(p.name, p.value);
  const named = [...new Set(Object.values(ctx.targets).flatMap((t) => Object.values(t.accountOus ?? {})))].sort();
  const special: Record<string, string> = { TargetOuIds: allTargetOus(ctx).ouIds.join(','), TargetAccountOuIds: named.join(',') };
  return readmePlaceholders(config, manifest).map((ph) => {
    const source = /^OuOf(\d{12})$/.exec(ph.name);
    const value = source ? ctx.accountOus?.[source[1]] : (special[ph.name] ?? params.get(ph.name));
    return { ...ph, ...(value ? { value } : {}) };
  });
}

/** `xacct params`: read, then report as text (AWS CLI arguments) or JSON. */
export async function runParams(config: Config, deps: ParamsDeps): Promise<ParamsReport> {
  const report = await readParams(config, deps);
  deps.io.result(renderParams(report), report);
  return report;
}
