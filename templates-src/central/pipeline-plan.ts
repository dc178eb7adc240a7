/**
 * A pipeline as a list of actions with their account, region and artifacts: the one model that the
 * CloudFormation builder synthesizes and the cross-account validation rules check.
 */
import type { Config, Pipeline, Stage } from '../config';
import type { DeployContext } from '../index';
import { CODEPIPELINE_LIMITS } from '../checks/codepipeline-limits';

export const SOURCE_ARTIFACT = 'SourceOutput';
export const BUILD_ARTIFACT = 'BuildOutput';
/** CodePipeline's limit on actions in one stage ("Quotas in AWS CodePipeline"). */
export const MAX_ACTIONS_PER_STAGE = CODEPIPELINE_LIMITS.maxActionsPerStage;
/** The stage `selfUpdate` adds after Source. */
export const SELF_UPDATE_STAGE = 'UpdatePipeline';

/** Where an action runs: the CI (pipeline) account, a literal account, or a template Parameter. */
export type AccountRef = { kind: 'ci' } | { kind: 'account'; id: string } | { kind: 'parameter'; name: string };

export type ActionKind =
  | 'source-codecommit'
  | 'source-s3'
  | 'source-connection'
  | 'build'
  | 'approval'
  | 'cfn-replace'
  | 'cfn-execute'
  | 'codedeploy'
  | 'codebuild'
  | 'lambda'
  | 'custom'
  | 'stackset-rollout'
  | 'stackset-preview'
  | 'self-update';

export interface PlannedAction {
  name: string;
  kind: ActionKind;
  account: AccountRef;
  region: string;
  runOrder: number;
  inputs: string[];
  outputs: string[];
  /** Index of the config stage this action comes from (for error paths), or -1 for source/build. */
  configStage: number;
}

export interface PlannedStage {
  name: string;
  actions: PlannedAction[];
  configStage: number;
  /** A config stage split across consecutive stages (`Prod-1`, `Prod-2`, ...): which part, from 1. */
  part?: number;
}

/** A config stage left out of the pipeline: its target has no ACTIVE account (CodePipeline refuses a stage without actions). */
export interface SkippedStage {
  configStage: number;
  name: string;
  target: string;
}

export interface PipelinePlan {
  pipeline: Pipeline;
  index: number;
  stages: PlannedStage[];
  skipped: SkippedStage[];
}

/** `my-app` -> `MyApp`: names usable in logical IDs and Parameter names. */
export function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** Parameter name for the single account of a stage in `dist/` (CloudFormation-only users fill it in). */
export function stageAccountParameter(pipeline: Pipeline, stage: Stage): string {
  return `${pascal(pipeline.name)}${pascal(stage.name)}AccountId`;
}

export function sourceAccountParameter(pipeline: Pipeline): string {
  return `${pascal(pipeline.name)}SourceAccountId`;
}

/** The accounts a stage deploys to: resolved at deploy time, a Parameter in `dist/`. */
export function stageAccounts(pipeline: Pipeline, stage: Stage, ctx?: DeployContext): AccountRef[] {
  if (!ctx) return [{ kind: 'parameter', name: stageAccountParameter(pipeline, stage) }];
  return (ctx.targets[stage.target]?.accounts ?? []).map((id) => ({ kind: 'account' as const, id }));
}

export function stageRegions(config: Config, stage: Stage): string[] {
  return stage.regions ?? [config.homeRegion];
}

/** Regions of a stackset: stage's instances, the home region first (the order operations walk them in). */
export function stacksetRegions(config: Config, stage: Stage): string[] {
  const regions = stage.stackset?.regions ?? stageRegions(config, stage);
  return [...regions].sort((a, b) => Number(b === config.homeRegion) - Number(a === config.homeRegion));
}

/** Stages that run an action per target account and region (the others run one action in the CI account). */
export function perAccountStage(stage: Stage): boolean {
  return !stage.stackset;
}

/** Stages whose actions run in their regions, each of which needs an artifact store. */
function actionRegions(config: Config, stage: Stage): string[] {
  return stage.stackset ? [config.homeRegion] : stageRegions(config, stage);
}

function accountLabel(a: AccountRef): string {
  return a.kind === 'account' ? a.id : a.kind === 'parameter' ? 'Account' : 'CI';
}

function sourceAction(config: Config, p: Pipeline): PlannedAction {
  const base = { name: 'Source', region: config.homeRegion, runOrder: 1, inputs: [], outputs: [SOURCE_ARTIFACT], configStage: -1 };
  if ('codecommit' in p.source) {
    const account: AccountRef = p.source.codecommit.account ? { kind: 'parameter', name: sourceAccountParameter(p) } : { kind: 'ci' };
    return { ...base, kind: 'source-codecommit', account };
  }
  if ('s3' in p.source) return { ...base, kind: 'source-s3', account: { kind: 'ci' } };
  return { ...base, kind: 'source-connection', account: { kind: 'ci' } };
}

/** The artifact a stage reads: its input, or for a stackset: stage the artifact holding its template. */
export function stageInput(s: Stage): string {
  return s.stackset ? s.stackset.template.split('::')[0] : (s.input ?? BUILD_ARTIFACT);
}

/** The action(s) one account and region of a per-account stage runs. */
function accountActions(
  s: Stage,
  common: Pick<PlannedAction, 'account' | 'region' | 'configStage'>,
  suffix: string,
  input: string,
  first: boolean,
): PlannedAction[] {
  // Output artifact names are unique per pipeline: only the stage's first deployment emits `<Stage>Output`.
  const output = (wanted: unknown) => (wanted && first ? [`${s.name}Output`] : []);
  if (s.cloudformation) {
    return [
      { ...common, name: `Prepare-${suffix}`, kind: 'cfn-replace', runOrder: 1, inputs: [input], outputs: [] },
      { ...common, name: `Execute-${suffix}`, kind: 'cfn-execute', runOrder: 2, inputs: [], outputs: output(s.cloudformation.outputFileName) },
    ];
  }
  if (s.codedeploy) return [{ ...common, name: `Deploy-${suffix}`, kind: 'codedeploy', runOrder: 1, inputs: [input], outputs: [] }];
  // "AWS CodeBuild build and test action reference": 1 to 5 input artifacts, 0 to 5 output artifacts.
  if (s.codebuild)
    return [{ ...common, name: `Build-${suffix}`, kind: 'codebuild', runOrder: 1, inputs: [input], outputs: output(s.codebuild.outputArtifact) }];
  if (s.lambda) return [{ ...common, name: `Invoke-${suffix}`, kind: 'lambda', runOrder: 1, inputs: [input], outputs: [] }];
  return [{ ...common, name: `Custom-${suffix}`, kind: 'custom', runOrder: 1, inputs: [input], outputs: [] }];
}

function deployActions(config: Config, p: Pipeline, s: Stage, index: number, ctx?: DeployContext): PlannedAction[] {
  const input = stageInput(s);
  // One action in the CI account whatever the number of accounts: xacct's StackSet engine in CodeBuild.
  if (s.stackset)
    return [
      {
        name: 'Rollout',
        kind: 'stackset-rollout',
        account: { kind: 'ci' },
        region: config.homeRegion,
        runOrder: 1,
        inputs: [input],
        outputs: [],
        configStage: index,
      },
    ];
  const actions: PlannedAction[] = [];
  for (const account of stageAccounts(p, s, ctx)) {
    for (const region of stageRegions(config, s)) {
      actions.push(...accountActions(s, { account, region, configStage: index }, `${accountLabel(account)}-${region}`, input, actions.length === 0));
    }
  }
  return actions;
}

/** How many of a per-account stage's accounts fit one CodePipeline stage: the actions of one account stay together. */
export function accountsPerStage(actionsPerAccount: number): number {
  return Math.floor(MAX_ACTIONS_PER_STAGE / Math.max(1, actionsPerAccount));
}

/**
 * A stage with more actions than CodePipeline allows becomes consecutive stages `<Stage>-1`,
 * `<Stage>-2`, ... with the accounts in ID order, each within the limit. One account whose actions
 * alone exceed it (26 regions of change sets) stays one stage, which the rules then refuse.
 */
function splitStage(stage: PlannedStage): PlannedStage[] {
  if (stage.actions.length <= MAX_ACTIONS_PER_STAGE) return [stage];
  const byAccount = new Map<string, PlannedAction[]>();
  for (const a of stage.actions) {
    const key = a.account.kind === 'account' ? a.account.id : a.account.kind;
    byAccount.set(key, [...(byAccount.get(key) ?? []), a]);
  }
  const groups = [...byAccount.values()];
  const fit = accountsPerStage(Math.max(...groups.map((g) => g.length)));
  if (fit === 0) return [stage];
  const parts: PlannedStage[] = [];
  for (let i = 0; i < groups.length; i += fit)
    parts.push({ name: `${stage.name}-${parts.length + 1}`, configStage: stage.configStage, part: parts.length + 1, actions: groups.slice(i, i + fit).flat() });
  return parts;
}

function approvalStage(config: Config, s: Stage, i: number): PlannedStage {
  const ci = { account: { kind: 'ci' } as AccountRef, region: config.homeRegion, configStage: i, outputs: [] };
  const approve: PlannedAction = { ...ci, name: 'Approve', kind: 'approval', runOrder: 1, inputs: [] };
  if (!s.stackset) return { name: `Approve${s.name}`, configStage: i, actions: [approve] };
  // A stackset: stage shows the approver what the rollout will change, computed just before.
  const preview: PlannedAction = { ...ci, name: 'Preview', kind: 'stackset-preview', runOrder: 1, inputs: [stageInput(s)] };
  return { name: `Approve${s.name}`, configStage: i, actions: [preview, { ...approve, runOrder: 2 }] };
}

function fixedStages(config: Config, p: Pipeline): PlannedStage[] {
  const ci = { account: { kind: 'ci' } as AccountRef, region: config.homeRegion, runOrder: 1, configStage: -1 };
  const stages: PlannedStage[] = [{ name: 'Source', actions: [sourceAction(config, p)], configStage: -1 }];
  if (p.selfUpdate)
    stages.push({
      name: SELF_UPDATE_STAGE,
      configStage: -1,
      actions: [{ ...ci, name: 'Deploy', kind: 'self-update', inputs: [SOURCE_ARTIFACT], outputs: [] }],
    });
  stages.push({ name: 'Build', configStage: -1, actions: [{ ...ci, name: 'Build', kind: 'build', inputs: [SOURCE_ARTIFACT], outputs: [BUILD_ARTIFACT] }] });
  return stages;
}

/**
 * Plan every pipeline of the config. With `ctx`, per-account stages expand to every resolved account,
 * split into consecutive stages where CodePipeline's actions per stage run out, and a stage whose
 * target has no ACTIVE account is left out (with its approval) and listed in `skipped`.
 */
export function planPipelines(config: Config, ctx?: DeployContext): PipelinePlan[] {
  return config.pipelines.map((p, index) => {
    const stages = fixedStages(config, p);
    const skipped: SkippedStage[] = [];
    p.stages.forEach((s, i) => {
      const actions = deployActions(config, p, s, i, ctx);
      if (actions.length === 0) {
        skipped.push({ configStage: i, name: s.name, target: s.target });
        return;
      }
      if (s.approval) stages.push(approvalStage(config, s, i));
      stages.push(...splitStage({ name: s.name, configStage: i, actions }));
    });
    return { pipeline: p, index, stages, skipped };
  });
}

/** Regions other than the home region where any action runs: each needs an artifact store. */
export function extraRegions(config: Config): string[] {
  const regions = new Set<string>();
  for (const p of config.pipelines) for (const s of p.stages) for (const r of actionRegions(config, s)) if (r !== config.homeRegion) regions.add(r);
  return [...regions].sort();
}
