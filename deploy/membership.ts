/**
 * Membership of the per-account stages: the accounts the deployed pipeline deploys to, stage by
 * stage (read from its actions' role ARNs), against the ACTIVE accounts of each stage's target OUs
 * now. Accounts that joined an OU since the pipeline was deployed get nothing from it until the next
 * deploy; accounts that left still have actions, which fail on a role that is gone. `plan` and
 * `status` list both, `deploy` rebuilds the pipeline with the accounts as they are.
 */
import type { Config } from '../templates-src/config';
import { pascal, perAccountStage } from '../templates-src/central/pipeline-plan';
import type { ResolvedTarget } from '../templates-src/index';

export interface StageMembership {
  pipeline: string;
  stage: string;
  target: string;
  /** In the target's OUs now, not in the deployed pipeline's stage. */
  joined: string[];
  /** In the deployed pipeline's stage, no longer ACTIVE in the target's OUs. */
  left: string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const ACCOUNT_IN_ROLE = /:iam::(\d{12}):role\//;

/** Deployed stage name -> the accounts its actions assume roles in. */
function deployedStages(pipeline: unknown): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const stages = isObject(pipeline) && isObject(pipeline.Properties) && Array.isArray(pipeline.Properties.Stages) ? pipeline.Properties.Stages : [];
  for (const stage of stages) {
    if (!isObject(stage) || typeof stage.Name !== 'string') continue;
    const accounts = new Set<string>();
    for (const action of Array.isArray(stage.Actions) ? stage.Actions : []) {
      const match = isObject(action) ? ACCOUNT_IN_ROLE.exec(JSON.stringify(action.RoleArn ?? '')) : null;
      if (match) accounts.add(match[1]);
    }
    out.set(stage.Name, accounts);
  }
  return out;
}

/** The deployed stages that hold a config stage: its name, or its parts `<name>-<n>` that are not config stages of their own. */
function partsOf(stage: string, deployed: Map<string, Set<string>>, configNames: Set<string>): Set<string> | undefined {
  const names = [...deployed.keys()].filter(
    (n) => n === stage || (new RegExp(`^${stage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`).test(n) && !configNames.has(n)),
  );
  if (names.length === 0) return undefined;
  return new Set(names.flatMap((n) => [...deployed.get(n)!]));
}

/**
 * Per per-account stage of the config: accounts that joined or left its target since the deployed
 * pipeline (`deployedBody`, the pipeline stack's template) was made. A stage the deployed pipeline
 * does not have is new (nothing to compare) unless it was left out for want of accounts
 * (`xacct:emptyStages`), when every account now is one that joined.
 */
export function stageMembership(config: Config, deployedBody: string, targets: Record<string, ResolvedTarget>): StageMembership[] {
  let template: unknown;
  try {
    template = JSON.parse(deployedBody);
  } catch {
    return [];
  }
  const resources = isObject(template) && isObject(template.Resources) ? template.Resources : {};
  const out: StageMembership[] = [];
  for (const p of config.pipelines) {
    const resource = resources[`${pascal(p.name)}Pipeline`];
    if (!isObject(resource)) continue;
    const deployed = deployedStages(resource);
    const empty =
      isObject(resource.Metadata) && Array.isArray(resource.Metadata['xacct:emptyStages']) ? (resource.Metadata['xacct:emptyStages'] as unknown[]) : [];
    const configNames = new Set(p.stages.map((s) => s.name));
    for (const s of p.stages.filter(perAccountStage)) {
      const was = partsOf(s.name, deployed, configNames) ?? (empty.includes(s.name) ? new Set<string>() : undefined);
      if (!was) continue;
      const now = new Set(targets[s.target]?.accounts ?? []);
      const joined = [...now].filter((a) => !was.has(a)).sort();
      const left = [...was].filter((a) => !now.has(a)).sort();
      if (joined.length > 0 || left.length > 0) out.push({ pipeline: p.name, stage: s.name, target: s.target, joined, left });
    }
  }
  return out;
}

/** At most ten accounts by ID, then how many more. */
const listed = (accounts: string[]) => (accounts.length <= 10 ? accounts.join(', ') : `${accounts.slice(0, 10).join(', ')} and ${accounts.length - 10} more`);

export function describeMembership(m: StageMembership): string {
  const parts = [
    ...(m.joined.length > 0 ? [`${m.joined.length} joined (${listed(m.joined)})`] : []),
    ...(m.left.length > 0 ? [`${m.left.length} left (${listed(m.left)})`] : []),
  ];
  return `pipeline ${m.pipeline}, stage ${m.stage}: accounts of target "${m.target}" changed since the pipeline was deployed: ${parts.join(', ')}`;
}
