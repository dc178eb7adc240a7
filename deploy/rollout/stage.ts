/**
 * One `stackset:` stage as a StackSet spec: which stage the flags name, its OUs (IDs as they are,
 * paths resolved through Organizations), and the service-managed StackSet xacct's engine brings to
 * it: auto-deployment on, managed execution on, the stage's preferences over `rollout`, home region
 * first. Also the resolved config `xacct deploy` leaves for the pipeline's engine.
 */
import { createHash } from 'node:crypto';
import type { Config, Pipeline, Stage } from '../../templates-src/config';
import { stacksetRegions } from '../../templates-src/central/pipeline-plan';
import type { DeployContext } from '../../templates-src/index';
import { names, PREFIX_TAG } from '../../templates-src/names';
import { didYouMean } from '../../templates-src/suggest';
import { XacctError } from '../errors';
import type { OrgTree } from '../org-tree';
import { operationPreferences, StackSetSpec } from '../stackset/spec';

/** "If you have IAM resources with custom names, you must specify CAPABILITY_NAMED_IAM" (CreateStackSet, Capabilities); it covers unnamed ones too. */
export const STAGE_CAPABILITIES = ['CAPABILITY_NAMED_IAM'];

export interface StageRef {
  pipeline: Pipeline;
  stage: Stage;
  /** `<prefix>-<pipeline>-<stage>`. */
  stackSet: string;
}

/** The stackset: stage `--pipeline` and `--stage` name; bad input names the flag and what exists. */
export function stackSetStage(config: Config, pipeline: string, stage: string): StageRef {
  const p = config.pipelines.find((x) => x.name === pipeline);
  if (!p) {
    const known = config.pipelines.map((x) => x.name);
    throw new XacctError(
      'BAD_INPUT',
      `--pipeline "${pipeline}": no such pipeline in the config${didYouMean(pipeline, known)} (pipelines: ${known.join(', ') || 'none'})`,
    );
  }
  const kinds = p.stages.filter((x) => x.stackset).map((x) => x.name);
  const s = p.stages.find((x) => x.name === stage);
  if (!s || !s.stackset) {
    const what = s
      ? `stage "${stage}" of pipeline "${pipeline}" is not a stackset: stage`
      : `--stage "${stage}": pipeline "${pipeline}" has no such stage${didYouMean(stage, kinds)}`;
    throw new XacctError('BAD_INPUT', `${what} (its stackset: stages: ${kinds.join(', ') || 'none'})`);
  }
  return { pipeline: p, stage: s, stackSet: names.stageStackSet(config.prefix, p.name, s.name) };
}

/** The OU and root IDs of the stage's target: IDs need no call, paths are walked once. */
export async function stageOuIds(config: Config, ref: StageRef, tree: OrgTree): Promise<string[]> {
  const target = config.targets[ref.stage.target];
  const ids = await Promise.all(
    target.ous.map(async (ou, i) => (ou.startsWith('ou-') || ou.startsWith('r-') ? ou : (await tree.resolve(ou, `targets.${ref.stage.target}.ous[${i}]`)).id)),
  );
  return [...new Set(ids)];
}

/** The StackSet the stage deploys, for `templateBody` and these OUs. */
export function stageSpec(config: Config, ref: StageRef, templateBody: string, ouIds: string[]): StackSetSpec {
  const ss = ref.stage.stackset!;
  const rollout = { ...config.rollout, ...Object.fromEntries(Object.entries(ss.rollout ?? {}).filter(([, v]) => v !== undefined)) };
  const regions = stacksetRegions(config, ref.stage);
  return {
    name: ref.stackSet,
    description: `xacct ${config.prefix}: stage ${ref.stage.name} of pipeline ${ref.pipeline.name}`,
    templateBody,
    parameters: Object.fromEntries(Object.entries(ss.parameters ?? {}).map(([k, v]) => [k, String(v)])),
    capabilities: STAGE_CAPABILITIES,
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: rollout.retainStacksOnAccountRemoval },
    regions,
    targets: { kind: 'ous', ouIds },
    preferences: operationPreferences(rollout, regions),
    tags: { [PREFIX_TAG]: config.prefix },
  };
}

/**
 * What the pipeline's engine reads (`--config` in the rollout project): the config as deployed, its
 * target OUs as the IDs they resolved to, so a rollout needs no path lookups. A valid config itself.
 */
export function resolvedConfig(config: Config, ctx: Pick<DeployContext, 'targets'>): string {
  const targets = Object.fromEntries(Object.entries(config.targets).map(([name, t]) => [name, { ...t, ous: ctx.targets[name]?.ouIds ?? t.ous }]));
  return `${JSON.stringify({ ...config, targets }, null, 2)}\n`;
}

export const contentHash = (body: string | Buffer): string => createHash('sha256').update(body).digest('hex').slice(0, 16);
