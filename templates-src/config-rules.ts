/**
 * Config rules that span fields: names that must stay unique once turned into logical IDs and
 * Parameter names, stages that name defined targets, regions within their target's and partition,
 * bucket names within S3's length. They run only on a config whose every field has the right shape.
 */
import type { z } from 'zod';
import { pascal, SELF_UPDATE_STAGE } from './central/pipeline-plan';
import { maxPrefixLength, names } from './names';
import { partitionOf } from './regions';
import { didYouMean } from './suggest';
import { MAX_TARGET_ACCOUNTS } from './targets';

interface RuleStage {
  name: string;
  target: string;
  regions?: string[];
  approval?: unknown;
  input?: string;
  stackset?: { template: string; regions?: string[] };
  codebuild?: object;
}

interface RuleConfig {
  prefix: string;
  homeRegion: string;
  targets: Record<string, { regions?: string[]; accounts?: string[] }>;
  pipelines: Array<{ name: string; source: object; stages: RuleStage[]; selfUpdate?: unknown }>;
  automationRole?: boolean;
}

type Ctx = z.RefinementCtx;
const issue = (ctx: Ctx, path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path: path as (string | number)[], message });

function targetNames(cfg: RuleConfig, ctx: Ctx): void {
  const seen = new Map<string, string>();
  for (const name of Object.keys(cfg.targets)) {
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) issue(ctx, ['targets', name], `duplicate target name: "${name}" and "${other}" differ only in case`);
    seen.set(name.toLowerCase(), name);
  }
}

/**
 * Pipelines become logical IDs (`App1Pipeline`) and stages Parameter names (`AppNonProdAccountId`)
 * through `pascal()`, which drops hyphens: `app-1` and `app1`, or `Non-Prod` and `NonProd`, would
 * be one resource or one Parameter. Every such name must come from one place only.
 */
function logicalNames(cfg: RuleConfig, ctx: Ctx): void {
  const owners = new Map<string, { path: PropertyKey[]; what: string }>();
  const claim = (id: string, path: PropertyKey[], what: string, kind: string) => {
    const other = owners.get(id);
    // The same name twice is reported as a duplicate already.
    if (other && other.what !== what) issue(ctx, path, `${what} and ${other.what} (${formatPathShort(other.path)}) both become ${kind} "${id}"; rename one`);
    else owners.set(id, { path, what });
  };
  cfg.pipelines.forEach((p, i) => {
    claim(`${pascal(p.name)}Pipeline`, ['pipelines', i, 'name'], `pipeline "${p.name}"`, 'logical ID');
    if ('codecommit' in p.source) claim(`${pascal(p.name)}SourceAccountId`, ['pipelines', i, 'source'], `the source of pipeline "${p.name}"`, 'Parameter');
  });
  cfg.pipelines.forEach((p, i) =>
    p.stages.forEach((s, j) =>
      claim(`${pascal(p.name)}${pascal(s.name)}AccountId`, ['pipelines', i, 'stages', j, 'name'], `stage "${s.name}" of pipeline "${p.name}"`, 'Parameter'),
    ),
  );
}

const formatPathShort = (path: PropertyKey[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');

/** CodePipeline stage names are unique in a pipeline; xacct adds Source, Build and Approve<Stage>. */
function stageNames(cfg: RuleConfig, ctx: Ctx): void {
  cfg.pipelines.forEach((p, i) => {
    const taken = new Map<string, string>([
      ['Source', 'the Source stage xacct adds'],
      ['Build', 'the Build stage xacct adds'],
      ...(p.selfUpdate ? [[SELF_UPDATE_STAGE, 'the self-update stage xacct adds (selfUpdate)'] as [string, string]] : []),
    ]);
    p.stages.forEach((s, j) => {
      const names = s.approval ? [`Approve${s.name}`, s.name] : [s.name];
      for (const n of names) {
        const other = taken.get(n);
        if (other === `stage "${n}"`) continue; // a duplicate stage name, reported as such
        if (other) issue(ctx, ['pipelines', i, 'stages', j, 'name'], `stage "${s.name}" needs a CodePipeline stage named "${n}", which is already ${other}`);
        else taken.set(n, n === s.name ? `stage "${s.name}"` : `the approval stage of "${s.name}"`);
      }
    });
  });
}

function stageTargets(cfg: RuleConfig, ctx: Ctx): void {
  cfg.pipelines.forEach((p, i) =>
    p.stages.forEach((s, j) => {
      const t = cfg.targets[s.target];
      if (!t) {
        const known = Object.keys(cfg.targets);
        issue(
          ctx,
          ['pipelines', i, 'stages', j, 'target'],
          `unknown target "${s.target}"${didYouMean(s.target, known)}${didYouMean(s.target, known) ? '' : `; defined targets: ${known.join(', ') || '(none)'}`}`,
        );
        return;
      }
      // Regions that do not exist are reported by their own fields.
      if (!(t.regions ?? []).every((r) => partitionOf(r))) return;
      (s.regions ?? []).forEach((r, k) => {
        if (t.regions && partitionOf(r) && !t.regions.includes(r)) {
          issue(
            ctx,
            ['pipelines', i, 'stages', j, 'regions', k],
            `${r} is not among the regions of target "${s.target}" (${t.regions.join(', ')}); add it there or deploy this stage elsewhere`,
          );
        }
      });
    }),
  );
}

/** One partition per config: roles, keys and buckets of aws and aws-cn (say) cannot trust each other. */
function partitions(cfg: RuleConfig, ctx: Ctx): void {
  const home = partitionOf(cfg.homeRegion);
  const check = (r: string, path: PropertyKey[]) => {
    const p = partitionOf(r);
    // An unknown region is reported by its own field.
    if (p && home && p !== home)
      issue(ctx, path, `${r} is in partition ${p}, homeRegion ${cfg.homeRegion} in ${home}; one config deploys within one partition`);
  };
  for (const [name, t] of Object.entries(cfg.targets)) (t.regions ?? []).forEach((r, k) => check(r, ['targets', name, 'regions', k]));
  cfg.pipelines.forEach((p, i) => p.stages.forEach((s, j) => (s.regions ?? []).forEach((r, k) => check(r, ['pipelines', i, 'stages', j, 'regions', k]))));
  cfg.pipelines.forEach((p, i) =>
    p.stages.forEach((s, j) => (s.stackset?.regions ?? []).forEach((r, k) => check(r, ['pipelines', i, 'stages', j, 'stackset', 'regions', k]))),
  );
}

/** Buckets are `<prefix>-<kind>-<account>-<region>` in every region with an artifact store: at most 63 characters. */
function bucketNames(cfg: RuleConfig, ctx: Ctx): void {
  // A prefix already refused, or a region that does not exist, is reported by its own field.
  if (!/^[a-z][a-z0-9-]*$/.test(cfg.prefix) || cfg.prefix.length > maxPrefixLength()) return;
  const regions = new Set([cfg.homeRegion, ...cfg.pipelines.flatMap((p) => p.stages.flatMap((s) => s.regions ?? []))]);
  for (const r of [...regions].filter((x) => partitionOf(x))) {
    const longest = names.bucket(cfg.prefix, 'templates', '000000000000', r);
    if (longest.length > 63)
      issue(ctx, ['prefix'], `"${cfg.prefix}" is too long for region ${r}: bucket ${longest} would be ${longest.length} characters, S3 allows 63`);
  }
}

function pipelineNames(cfg: RuleConfig, ctx: Ctx): void {
  const seen = new Set<string>();
  cfg.pipelines.forEach((p, i) => {
    if (seen.has(p.name)) issue(ctx, ['pipelines', i, 'name'], `duplicate pipeline name "${p.name}"`);
    seen.add(p.name);
    const stages = new Set<string>();
    p.stages.forEach((s, j) => {
      if (stages.has(s.name)) issue(ctx, ['pipelines', i, 'stages', j, 'name'], `duplicate stage name "${s.name}"`);
      stages.add(s.name);
    });
  });
}

/** "A stack name can contain only alphanumeric characters (case-sensitive) and hyphens ... can't be longer than 128 characters" (CreateStackSet, StackSetName). */
const STACKSET_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const STACKSET_NAME_MAX = 128;

/**
 * A stackset: stage becomes the StackSet `<prefix>-<pipeline>-<stage>`: a name StackSets accepts,
 * one per stage (pipeline `a-b` stage `c` and pipeline `a` stage `b-c` would share one), and one
 * place for its regions.
 */
function stacksetStages(cfg: RuleConfig, ctx: Ctx): void {
  const owners = new Map<string, string>();
  cfg.pipelines.forEach((p, i) =>
    p.stages.forEach((s, j) => {
      if (!s.stackset) return;
      const path = ['pipelines', i, 'stages', j];
      const name = names.stageStackSet(cfg.prefix, p.name, s.name);
      if (!STACKSET_NAME.test(s.name))
        issue(
          ctx,
          [...path, 'name'],
          `stage "${s.name}" names the StackSet ${name}, but StackSet names hold only letters, digits and hyphens; rename the stage`,
        );
      else if (name.length > STACKSET_NAME_MAX)
        issue(ctx, [...path, 'name'], `StackSet ${name} would be ${name.length} characters; StackSets allows ${STACKSET_NAME_MAX}`);
      const other = owners.get(name);
      if (other) issue(ctx, [...path, 'name'], `stage "${s.name}" of pipeline "${p.name}" and ${other} both become the StackSet ${name}; rename one`);
      else owners.set(name, `stage "${s.name}" of pipeline "${p.name}"`);
      if (s.regions && s.stackset.regions)
        issue(ctx, [...path, 'stackset', 'regions'], 'the stage names regions already; give them once, in regions or in stackset.regions');
      const artifact = s.stackset.template.split('::')[0];
      if (s.input !== undefined && s.input !== artifact)
        issue(ctx, [...path, 'input'], `a stackset: stage reads its template's artifact (${artifact}); input "${s.input}" would be another`);
      const t = cfg.targets[s.target];
      (s.stackset.regions ?? []).forEach((r, k) => {
        if (t?.regions && partitionOf(r) && !t.regions.includes(r)) {
          issue(
            ctx,
            [...path, 'stackset', 'regions', k],
            `${r} is not among the regions of target "${s.target}" (${t.regions.join(', ')}); add it there or deploy this stage elsewhere`,
          );
        }
      });
    }),
  );
}

/**
 * A CodeBuild project in a target account reads the pipeline's input artifact with its own service
 * role, and the CI key and artifact bucket admit only xacct's fixed role names: the project runs as
 * `<prefix>-automation`, which `automationRole: true` puts into every target account.
 */
function codebuildStages(cfg: RuleConfig, ctx: Ctx): void {
  if (cfg.automationRole) return;
  cfg.pipelines.forEach((p, i) =>
    p.stages.forEach((s, j) => {
      if (!s.codebuild) return;
      issue(
        ctx,
        ['pipelines', i, 'stages', j, 'codebuild'],
        `the project reads the pipeline's artifacts with its service role, and the artifact key and bucket admit only xacct's roles: set automationRole: true and give the project the service role ${names.automationRole(cfg.prefix)}`,
      );
    }),
  );
}

/** An account named once per target, and few enough that the key and bucket policies can name them all. */
function targetAccounts(cfg: RuleConfig, ctx: Ctx): void {
  const all = new Set<string>();
  for (const [name, t] of Object.entries(cfg.targets)) {
    const seen = new Set<string>();
    (t.accounts ?? []).forEach((a, k) => {
      if (seen.has(a)) issue(ctx, ['targets', name, 'accounts', k], `account ${a} is listed twice`);
      seen.add(a);
      all.add(a);
    });
  }
  if (all.size > MAX_TARGET_ACCOUNTS) {
    issue(
      ctx,
      ['targets'],
      `${all.size} accounts are named in targets; the key and bucket policies name each, and at most ${MAX_TARGET_ACCOUNTS} fit: put the others in an OU and name the OU`,
    );
  }
}

export function crossFieldRules(cfg: RuleConfig, ctx: Ctx): void {
  targetNames(cfg, ctx);
  targetAccounts(cfg, ctx);
  pipelineNames(cfg, ctx);
  stageTargets(cfg, ctx);
  logicalNames(cfg, ctx);
  stageNames(cfg, ctx);
  partitions(cfg, ctx);
  bucketNames(cfg, ctx);
  stacksetStages(cfg, ctx);
  codebuildStages(cfg, ctx);
}
