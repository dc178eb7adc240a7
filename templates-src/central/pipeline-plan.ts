/**
 * A pipeline as a list of actions with their account, region and artifacts: the one model that the
 * CloudFormation builder synthesizes and the cross-account validation rules check.
 */
import type { Config, Pipeline, Stage } from '../config';
import type { DeployContext } from '../index';

export const SOURCE_ARTIFACT = 'SourceOutput';
export const BUILD_ARTIFACT = 'BuildOutput';
/** CodePipeline's limit on actions in one stage. */
export const MAX_ACTIONS_PER_STAGE = 50;

/** Where an action runs: the CI (pipeline) account, a literal account, or a template Parameter. */
export type AccountRef = { kind: 'ci' } | { kind: 'account'; id: string } | { kind: 'parameter'; name: string };

export type ActionKind = 'source-codecommit' | 'source-s3' | 'source-connection' | 'build' | 'approval' | 'cfn-replace' | 'cfn-execute' | 'codedeploy' | 'custom';

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
}

export interface PipelinePlan {
  pipeline: Pipeline;
  index: number;
  stages: PlannedStage[];
}

/** `my-app` -> `MyApp`: names usable in logical IDs and Parameter names. */
export function pascal(text: string): string {
  return text.split(/[^A-Za-z0-9]/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
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

function deployActions(config: Config, p: Pipeline, s: Stage, index: number, ctx?: DeployContext): PlannedAction[] {
  const input = s.input ?? BUILD_ARTIFACT;
  const actions: PlannedAction[] = [];
  for (const account of stageAccounts(p, s, ctx)) {
    for (const region of stageRegions(config, s)) {
      const suffix = `${accountLabel(account)}-${region}`;
      const common = { account, region, configStage: index };
      if (s.cloudformation) {
        actions.push({ ...common, name: `Prepare-${suffix}`, kind: 'cfn-replace', runOrder: 1, inputs: [input], outputs: [] });
        // Output artifact names are unique per pipeline: only the stage's first deployment emits `<Stage>Output`.
        const out = s.cloudformation.outputFileName && !actions.some((a) => a.outputs.length > 0) ? [`${s.name}Output`] : [];
        actions.push({ ...common, name: `Execute-${suffix}`, kind: 'cfn-execute', runOrder: 2, inputs: [], outputs: out });
      } else if (s.codedeploy) {
        actions.push({ ...common, name: `Deploy-${suffix}`, kind: 'codedeploy', runOrder: 1, inputs: [input], outputs: [] });
      } else {
        actions.push({ ...common, name: `Custom-${suffix}`, kind: 'custom', runOrder: 1, inputs: [input], outputs: [] });
      }
    }
  }
  return actions;
}

/** Plan every pipeline of the config. With `ctx`, stages expand to every resolved account. */
export function planPipelines(config: Config, ctx?: DeployContext): PipelinePlan[] {
  return config.pipelines.map((p, index) => {
    const stages: PlannedStage[] = [
      { name: 'Source', actions: [sourceAction(config, p)], configStage: -1 },
      {
        name: 'Build',
        configStage: -1,
        actions: [{ name: 'Build', kind: 'build', account: { kind: 'ci' }, region: config.homeRegion, runOrder: 1, inputs: [SOURCE_ARTIFACT], outputs: [BUILD_ARTIFACT], configStage: -1 }],
      },
    ];
    p.stages.forEach((s, i) => {
      if (s.approval) {
        stages.push({
          name: `Approve${s.name}`,
          configStage: i,
          actions: [{ name: 'Approve', kind: 'approval', account: { kind: 'ci' }, region: config.homeRegion, runOrder: 1, inputs: [], outputs: [], configStage: i }],
        });
      }
      stages.push({ name: s.name, configStage: i, actions: deployActions(config, p, s, i, ctx) });
    });
    return { pipeline: p, index, stages };
  });
}

/** Regions other than the home region where any action runs: each needs an artifact store. */
export function extraRegions(config: Config): string[] {
  const regions = new Set<string>();
  for (const p of config.pipelines) for (const s of p.stages) for (const r of stageRegions(config, s)) if (r !== config.homeRegion) regions.add(r);
  return [...regions].sort();
}
