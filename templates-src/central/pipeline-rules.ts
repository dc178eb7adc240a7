/**
 * CodePipeline's cross-account rules, checked on the planned actions before anything is synthesized,
 * each with a message that says what to change.
 */
import type { Config } from '../config';
import { ConfigProblem, formatPath } from '../config';
import { CODEPIPELINE_LIMITS } from '../checks/codepipeline-limits';
import { AccountRef, accountsPerStage, extraRegions, MAX_ACTIONS_PER_STAGE, PipelinePlan, PlannedAction, PlannedStage } from './pipeline-plan';

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
          const gone = plan.skipped.find((k) => `${k.name}Output` === input);
          const why = gone ? `; stage "${gone.name}" that would produce it is left out (target "${gone.target}" has no ACTIVE account)` : '';
          problems.push({
            path: stagePath(plan, action.configStage, 'input'),
            message: `artifact "${input}" is not produced by an earlier stage (known: ${[...producers.keys()].join(', ')})${why}`,
          });
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
  // One stage's actions (an account and region each) would each report the same input.
  return problems.filter((p, i, all) => all.findIndex((q) => q.path === p.path && q.message === p.message) === i);
}

function sourcePlacement(config: Config, plan: PipelinePlan): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  plan.stages.forEach((stage, i) => {
    for (const a of stage.actions) {
      if (!a.kind.startsWith('source-')) continue;
      if (i !== 0) problems.push({ path: stagePath(plan, a.configStage), message: `source action "${a.name}" must be in the first stage` });
      if (a.region !== config.homeRegion)
        problems.push({
          path: stagePath(plan, a.configStage),
          message: `source action "${a.name}" must run in the home region ${config.homeRegion}, not ${a.region}`,
        });
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
        problems.push({
          path: stagePath(plan, a.configStage, 'regions'),
          message: `action "${a.name}" runs in ${a.region}, which has no artifact store (stores: ${[...stores].join(', ')})`,
        });
      }
    }
  }
  return problems.filter((p, i, all) => all.findIndex((q) => q.message === p.message) === i);
}

/** Accounts, regions and actions per account and region of a (per-account) stage. */
function shape(actions: PlannedAction[]): { accounts: number; regions: number; perPair: number } {
  const accounts = new Set(actions.map((a) => key(a.account))).size;
  const regions = new Set(actions.map((a) => a.region)).size;
  return { accounts, regions, perPair: actions.length / Math.max(1, accounts * regions) };
}

/** Per-account stages are split into stages within the limit; what is left over the limit is one account's actions alone. */
function actionsPerStage(plan: PipelinePlan): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const stage of plan.stages) {
    if (stage.actions.length <= MAX_ACTIONS_PER_STAGE) continue;
    const { accounts, regions, perPair } = shape(stage.actions);
    problems.push({
      path: stagePath(plan, stage.configStage),
      message:
        `stage "${stage.name}" needs ${stage.actions.length} actions (${accounts} accounts x ${regions} regions x ${perPair}); CodePipeline allows ${MAX_ACTIONS_PER_STAGE} per stage, ` +
        `and one account's ${regions * perPair} actions do not fit one stage. Deploy to fewer regions per stage, or use a stackset: stage (one action whatever the number of accounts and regions).`,
    });
  }
  return problems;
}

/** The stages of each config stage that grows with its accounts, with what one account costs. */
function growingStages(plan: PipelinePlan): Array<{ configStage: number; name: string; stages: PlannedStage[]; accounts: number; perAccount: number }> {
  const out = new Map<number, { configStage: number; name: string; stages: PlannedStage[]; accounts: number; perAccount: number }>();
  for (const stage of plan.stages) {
    if (stage.configStage < 0 || !stage.actions.some((a) => a.account.kind !== 'ci')) continue;
    const entry = out.get(stage.configStage) ?? {
      configStage: stage.configStage,
      name: plan.pipeline.stages[stage.configStage].name,
      stages: [],
      accounts: 0,
      perAccount: 0,
    };
    const { accounts, regions, perPair } = shape(stage.actions);
    entry.stages.push(stage);
    entry.accounts += accounts;
    entry.perAccount = regions * perPair;
    out.set(stage.configStage, entry);
  }
  return [...out.values()];
}

/**
 * "Number of stages in a pipeline — Minimum of 2, maximum of 50" and "Maximum number of actions per
 * pipeline — 500" ("Quotas in AWS CodePipeline"). Past them, the largest growing stage is named with
 * the number of accounts that fit beside the rest of the pipeline.
 */
function pipelineLimits(plan: PipelinePlan): ConfigProblem[] {
  const L = CODEPIPELINE_LIMITS;
  const actions = plan.stages.reduce((n, s) => n + s.actions.length, 0);
  if (actions <= L.maxActionsPerPipeline && plan.stages.length <= L.maxStages) return [];
  const growing = growingStages(plan).sort((a, b) => b.accounts * b.perAccount - a.accounts * a.perAccount);
  const over = `pipeline "${plan.pipeline.name}" needs ${actions} actions in ${plan.stages.length} stages; CodePipeline allows ${L.maxActionsPerPipeline} actions and ${L.maxStages} stages per pipeline.`;
  const biggest = growing[0];
  if (!biggest) return [{ path: stagePath(plan, -1), message: over }];
  const restActions = actions - biggest.stages.reduce((n, s) => n + s.actions.length, 0);
  const restStages = plan.stages.length - biggest.stages.length;
  const perStage = accountsPerStage(biggest.perAccount);
  let fit = 0;
  while (restActions + (fit + 1) * biggest.perAccount <= L.maxActionsPerPipeline && restStages + Math.ceil((fit + 1) / Math.max(1, perStage)) <= L.maxStages)
    fit++;
  return [
    {
      path: stagePath(plan, biggest.configStage),
      message:
        `${over} Stage "${biggest.name}" deploys to ${biggest.accounts} accounts (${biggest.perAccount} actions each); beside the rest of the pipeline ${fit} accounts fit. ` +
        'For targets of this size use a stackset: stage (one action whatever the number of accounts, and accounts that join the OUs later are covered).',
    },
  ];
}

/** Stage names are unique in a pipeline, the parts of a split stage (`Prod-1`) included. */
function stageNames(plan: PipelinePlan): ConfigProblem[] {
  const seen = new Map<string, PlannedStage>();
  const problems: ConfigProblem[] = [];
  for (const stage of plan.stages) {
    const other = seen.get(stage.name);
    if (other && other.configStage !== stage.configStage) {
      const part = (s: PlannedStage) => (s.part ? `part ${s.part} of stage "${plan.pipeline.stages[s.configStage].name}"` : `stage "${s.name}"`);
      problems.push({
        path: stagePath(plan, stage.configStage, 'name'),
        message: `${part(stage)} and ${part(other)} would both be the CodePipeline stage "${stage.name}"; rename one`,
      });
    }
    seen.set(stage.name, stage);
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
        message:
          'custom (Jenkins-style) actions cannot be cross-account: CodePipeline runs them only in the pipeline account. Use a cloudformation, codedeploy, codebuild or lambda stage, or a build step in the pipeline account.',
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
    ...pipelineLimits(plan),
    ...stageNames(plan),
    ...customActions(plan),
    ...artifactAccounts(plan),
  ]);
}
