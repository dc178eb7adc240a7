/**
 * CodePipeline's cross-account rules, checked on the planned actions before anything is synthesized,
 * each with a message that says what to change.
 */
import type { Config } from '../config';
import { ConfigProblem, formatPath } from '../config';
import { AccountRef, extraRegions, MAX_ACTIONS_PER_STAGE, PipelinePlan, PlannedAction } from './pipeline-plan';

const key = (a: AccountRef) => (a.kind === 'ci' ? 'ci' : a.kind === 'account' ? a.id : `param:${a.name}`);
const label = (a: AccountRef) => (a.kind === 'ci' ? 'the pipeline account' : a.kind === 'account' ? `account ${a.id}` : `the account in Parameter ${a.name}`);

function stagePath(plan: PipelinePlan, configStage: number, field?: string): string {
  const path: Array<string | number> = ['pipelines', plan.index];
  if (configStage >= 0) path.push('stages', configStage);
  if (field) path.push(field);
  return formatPath(path);
}

/** An artifact moves only between the pipeline account and one other account. */
function artifactAccounts(plan: PipelinePlan): ConfigProblem[] {
  const producers = new Map<string, PlannedAction>();
  const problems: ConfigProblem[] = [];
  for (const stage of plan.stages) {
    for (const action of stage.actions) {
      for (const input of action.inputs) {
        const from = producers.get(input);
        if (!from) {
          problems.push({ path: stagePath(plan, action.configStage, 'input'), message: `artifact "${input}" is not produced by an earlier stage (known: ${[...producers.keys()].join(', ')})` });
          continue;
        }
        if (from.account.kind !== 'ci' && action.account.kind !== 'ci' && key(from.account) !== key(action.account)) {
          problems.push({
            path: stagePath(plan, action.configStage, 'input'),
            message: `artifact "${input}" would pass from ${label(from.account)} to ${label(action.account)}; CodePipeline passes artifacts only between the pipeline account and one other account. Add a build step in the pipeline account, or deploy the artifact from where it was made.`,
          });
        }
      }
      for (const output of action.outputs) producers.set(output, action);
    }
  }
  return problems;
}

function sourcePlacement(config: Config, plan: PipelinePlan): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  plan.stages.forEach((stage, i) => {
    for (const a of stage.actions) {
      if (!a.kind.startsWith('source-')) continue;
      if (i !== 0) problems.push({ path: stagePath(plan, a.configStage), message: `source action "${a.name}" must be in the first stage` });
      if (a.region !== config.homeRegion) problems.push({ path: stagePath(plan, a.configStage), message: `source action "${a.name}" must run in the home region ${config.homeRegion}, not ${a.region}` });
    }
  });
  return problems;
}

function artifactStores(plan: PipelinePlan, storeRegions: string[]): ConfigProblem[] {
  const stores = new Set(storeRegions);
  const problems: ConfigProblem[] = [];
  for (const stage of plan.stages) {
    for (const a of stage.actions) {
      if (!stores.has(a.region)) {
        problems.push({ path: stagePath(plan, a.configStage, 'regions'), message: `action "${a.name}" runs in ${a.region}, which has no artifact store (stores: ${[...stores].join(', ')})` });
      }
    }
  }
  return problems.filter((p, i, all) => all.findIndex((q) => q.message === p.message) === i);
}

function actionsPerStage(plan: PipelinePlan): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const stage of plan.stages) {
    if (stage.actions.length <= MAX_ACTIONS_PER_STAGE) continue;
    const accounts = new Set(stage.actions.map((a) => key(a.account))).size;
    const regions = new Set(stage.actions.map((a) => a.region)).size;
    const perPair = stage.actions.length / (accounts * regions);
    problems.push({
      path: stagePath(plan, stage.configStage),
      message: `stage "${stage.name}" needs ${stage.actions.length} actions (${accounts} accounts x ${regions} regions x ${perPair}); CodePipeline allows ${MAX_ACTIONS_PER_STAGE} per stage. Split the target into smaller groups (for example one target per OU) and give each its own stage.`,
    });
  }
  return problems;
}

function customActions(plan: PipelinePlan): ConfigProblem[] {
  const seen = new Set<number>();
  const problems: ConfigProblem[] = [];
  for (const stage of plan.stages) {
    for (const a of stage.actions) {
      if (a.kind !== 'custom' || a.account.kind === 'ci' || seen.has(a.configStage)) continue;
      seen.add(a.configStage);
      problems.push({
        path: stagePath(plan, a.configStage, 'custom'),
        message: 'custom (Jenkins-style) actions cannot be cross-account: CodePipeline runs them only in the pipeline account. Use a CloudFormation or CodeDeploy stage, or a build step in the pipeline account.',
      });
    }
  }
  return problems;
}

/** Every problem with the planned pipelines; empty when CodePipeline would accept them. */
export function pipelineProblems(config: Config, plans: PipelinePlan[], storeRegions = [config.homeRegion, ...extraRegions(config)]): ConfigProblem[] {
  return plans.flatMap((plan) => [
    ...sourcePlacement(config, plan),
    ...artifactStores(plan, storeRegions),
    ...actionsPerStage(plan),
    ...customActions(plan),
    ...artifactAccounts(plan),
  ]);
}
