/**
 * `xacct plan`: what deploy would change, as data and as text, without changing anything. A
 * running StackSet operation is waited for (read-only) and the plan made against what it leaves,
 * unless `attach` is off, when it is listed instead.
 */
import type { Config } from '../../templates-src/config';
import type { CommandDeps } from '../deps';
import { progressView, stackSetOptions } from '../progress';
import { planDeployment } from './model';
import { buildReport, PlanReport } from './report';
import { renderPlan } from './render';

export type { PlanReport } from './report';

export interface PlanRunDeps extends CommandDeps {
  /** Wait for running StackSet operations and plan against what they leave (the default in the CLI). */
  attach: boolean;
}

export async function runPlan(config: Config, deps: PlanRunDeps): Promise<PlanReport> {
  const view = progressView(deps.io);
  try {
    const plan = await planDeployment(config, {
      clients: deps.clients,
      io: deps.io,
      engine: deps.engine,
      attach: deps.attach ? (callAs) => stackSetOptions(deps, view, callAs) : undefined,
    });
    const report = await buildReport(config, plan);
    deps.io.result(renderPlan(report), report);
    return report;
  } finally {
    view.done();
  }
}
