/**
 * Deployer API cost on the in-memory organization: calls by operation for a first deploy, a no-op
 * deploy and a plan, at several organization sizes and OU depths, without and with pipelines. The
 * no-op counts are checked against `expectedNoop`, which depends on the config and the OU tree,
 * never on the number of accounts in the OUs that StackSets deploy to.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEVER_CONFIRM } from '../deploy/deps';
import { runDeploy } from '../deploy/deploy';
import { XacctError } from '../deploy/errors';
import { planDeployment } from '../deploy/plan/model';
import { PROBLEM_STATUSES } from '../deploy/stackset/read';
import { runRollout } from '../deploy/rollout';
import type { EngineSource } from '../deploy/rollout/engine';
import { parseConfig, Config, ConfigInput } from '../templates-src/config';
import { FakeAws, CI_ACCOUNT, MUTATING, SOURCE_ACCOUNT } from '../test/support/fake-aws';
import { FakeClock } from '../test/support/clock';
import { MemoryIo } from '../test/support/io';

/** AWS's largest page sizes: Organizations list calls 20, ListStackInstances 100 (C21, A1 in the research notes). */
export const ORG_PAGE = 20;
export const CFN_PAGE = 100;

/**
 * `roles`: no pipelines, three role StackSets to the workload OUs.
 * `pipelines`: two pipelines of change-set stages aimed at two delivery OUs of fixed size (a
 * change-set stage can reach at most 249 account-regions: see `stageCeiling` in deploy/org-tree.ts),
 * one of them in two regions, with a CodeCommit source in another account.
 * `stackset-stages`: two `stackset:` stages to the workload OUs; see `stacksetStageConfig`.
 */
export type Variant = 'roles' | 'pipelines' | 'stackset-stages';

export interface Shape {
  accounts: number;
  depth: number;
  variant: Variant;
}

export interface OrgModel {
  fake: FakeAws;
  config: Config;
  /** The formula's terms, when the config comes from the stackset: hook. */
  terms?: FormulaTerms;
  /** Run after the first deploy, before the no-op measurements (the stackset: stages' first rollout). */
  afterFirst?: (model: OrgModel) => Promise<void>;
}

/** Accounts in each delivery OU and in its nested team OU (fixed, whatever the organization's size). */
export const DELIVERY_ACCOUNTS = 2;
export const SECOND_REGION = 'us-east-1';

/** `Root/L1/.../leaf`: `depth` levels below the root. */
export const pathAt = (depth: number, leaf: string) => ['Root', ...Array.from({ length: depth - 1 }, (_, i) => `L${i + 1}`), leaf].join('/');

function pipelinesInput(): ConfigInput['pipelines'] {
  const cfn = { stackName: 'app', template: 'BuildOutput::template.yml' };
  return [
    {
      name: 'app',
      source: { codecommit: { repository: 'app', branch: 'main', account: SOURCE_ACCOUNT } },
      stages: [
        { name: 'Test', target: 'apps-test', cloudformation: cfn },
        { name: 'Live', target: 'apps-live', approval: true, regions: ['eu-west-1', SECOND_REGION], cloudformation: cfn },
      ],
    },
    {
      name: 'api',
      source: { codecommit: { repository: 'api', branch: 'main' } },
      stages: [{ name: 'Test', target: 'apps-test', cloudformation: { ...cfn, stackName: 'api' } }],
    },
  ];
}

/** Stand-in for xacct's engine bundle: the bench measures calls, and an unchanged bundle is one HeadObject either way. */
const BENCH_ENGINE: EngineSource = () => ({ body: Buffer.from('// xacct engine (bench stand-in)\n'), path: 'bench/api-cost.ts' });

const stageTemplate = JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });

/**
 * `stackset-stages`: one pipeline whose two `stackset:` stages deploy the application to the workload
 * OUs (non-prod, then prod after an approval), so the stages reach every one of the N accounts. Each
 * stage is one CodePipeline action in the home region (no regional store); its StackSet is created
 * by `xacct rollout` (the pipeline's Rollout action), run once after the first deploy so the no-op
 * deploy and plan see the StackSets a running pipeline leaves. Terms: two stage StackSets beside the
 * three role StackSets, their targets never listed per account (`stageOus` 0), the
 * source is in the CI account, central stacks are the key, the buckets and the pipeline, and the
 * engine and resolved config are checked with one HeadObject each.
 */
export function stacksetStageConfig(
  shape: Shape,
  targets: ConfigInput['targets'],
): { input: ConfigInput; terms: FormulaTerms; afterFirst: (model: OrgModel) => Promise<void> } {
  const stage = (name: string, target: string, approval: boolean) => ({ name, target, approval, stackset: { template: 'BuildOutput::template.json' } });
  const input: ConfigInput = {
    prefix: 'xacct',
    homeRegion: 'eu-west-1',
    targets,
    pipelines: [
      { name: 'app', source: { codecommit: { repository: 'app', branch: 'main' } }, stages: [stage('NonProd', 'nonprod', false), stage('Prod', 'prod', true)] },
    ],
  };
  const terms: FormulaTerms = {
    depth: shape.depth,
    extraParents: 0,
    stageOus: 0,
    stageAccountPages: 0,
    sourceAccounts: 0,
    ouStackSets: 3,
    accountStackSets: 0,
    stageStackSets: 2,
    stacks: 3,
    regions: 1,
    uploads: 2,
    membership: 0,
  };
  const afterFirst = async (model: OrgModel) => {
    const dir = mkdtempSync(join(tmpdir(), 'xacct-bench-'));
    const file = join(dir, 'template.json');
    writeFileSync(file, stageTemplate);
    try {
      for (const s of ['NonProd', 'Prod']) {
        await runRollout(
          model.config,
          { pipeline: 'app', stage: s, template: file },
          { clients: model.fake.clients({ region: model.config.homeRegion }), io: new MemoryIo(), clock: new FakeClock() },
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return { input, terms, afterFirst };
}

/**
 * Two target groups of workload accounts (non-prod, prod), each an OU `depth` levels below the root
 * with one nested team OU; the accounts split evenly over those four OUs. With pipelines, two
 * delivery groups beside them (Apps/Test and Apps/Live, each with a nested team OU) of
 * DELIVERY_ACCOUNTS accounts per OU.
 */
export function buildOrg(shape: Shape): OrgModel {
  const fake = new FakeAws({ orgPageSize: ORG_PAGE, cfnPageSize: CFN_PAGE, pollsToComplete: 3, stackPolls: 2 });
  const infra = fake.ou('Root/Infrastructure');
  fake.addAccount(infra, CI_ACCOUNT, 'ACTIVE', 'ci');
  fake.addAccount(infra, SOURCE_ACCOUNT, 'ACTIVE', 'source');
  const path = (leaf: string) => pathAt(shape.depth, leaf);
  const holders = [fake.ou(path('NonProd')), fake.ou(`${path('NonProd')}/Team`), fake.ou(path('Prod')), fake.ou(`${path('Prod')}/Team`)];
  for (let i = 0; i < shape.accounts; i++) fake.addAccount(holders[i % 4], String(400000000000 + i));
  fake.caller = CI_ACCOUNT;
  fake.delegatedAdmins.add(CI_ACCOUNT);
  const targets: ConfigInput['targets'] = { nonprod: { ous: [path('NonProd')] }, prod: { ous: [path('Prod')] } };
  const base = { prefix: 'xacct', homeRegion: 'eu-west-1' };
  if (shape.variant === 'roles') return { fake, config: parseConfig({ ...base, targets, pipelines: [] }) };
  if (shape.variant === 'stackset-stages') {
    const hook = stacksetStageConfig(shape, targets);
    return { fake, config: parseConfig(hook.input), terms: hook.terms, afterFirst: hook.afterFirst };
  }
  let n = 0;
  for (const leaf of ['Apps/Test', 'Apps/Test/Team', 'Apps/Live', 'Apps/Live/Team']) {
    const ou = fake.ou(path(leaf));
    for (let i = 0; i < DELIVERY_ACCOUNTS; i++) fake.addAccount(ou, String(500000000000 + n++));
  }
  const delivery = { 'apps-test': { ous: [path('Apps/Test')] }, 'apps-live': { ous: [path('Apps/Live')] } };
  return { fake, config: parseConfig({ ...base, targets: { ...targets, ...delivery }, pipelines: pipelinesInput() }) };
}

export type Counts = Record<string, number>;

async function measure(model: OrgModel, what: 'deploy' | 'plan'): Promise<Counts> {
  model.fake.resetCalls();
  const clients = model.fake.clients({ region: model.config.homeRegion });
  const io = new MemoryIo();
  if (what === 'deploy') await runDeploy(model.config, { clients, io, clock: new FakeClock(), confirm: NEVER_CONFIRM, engine: BENCH_ENGINE });
  else await planDeployment(model.config, { clients, io, engine: BENCH_ENGINE });
  return model.fake.callCounts();
}

export interface CostRow extends Shape {
  terms: FormulaTerms;
  first: Counts;
  noop: Counts;
  plan: Counts;
  expectedNoop: Counts;
  expectedPlan: Counts;
}

/** What the no-op formula counts, read off the config (not off the calls). */
export interface FormulaTerms {
  /** OU depth of the workload OUs: parents listed on the way down (root and L1..L(d-1)). */
  depth: number;
  /** Extra parents listed to resolve the delivery OUs (Apps). */
  extraParents: number;
  /** OUs at or below the OUs of groups a per-account stage deploys to: one ListOrganizationalUnitsForParent each. */
  stageOus: number;
  /** ListAccountsForParent pages over those OUs: max(1, ceil(direct accounts / 20)) each. */
  stageAccountPages: number;
  /** Source accounts (ListParents each). */
  sourceAccounts: number;
  /** StackSets deploy manages, aimed at OUs (role StackSets) and at single accounts (source StackSets). */
  ouStackSets: number;
  accountStackSets: number;
  /** StackSets `xacct rollout` manages for stackset: stages: deploy only checks their tag (removal needs it). */
  stageStackSets: number;
  /** Central stacks, and the regions inventory searches for them. */
  stacks: number;
  regions: number;
  /** 1 when a pipeline has per-account stages: deploy reads the pipeline stack's template once more, to name accounts that joined or left their targets. */
  membership: number;
  /** Content-hashed objects the pipeline reads (engine, resolved config): one HeadObject each, deploy only. */
  uploads: number;
}

export function termsOf(shape: Shape): FormulaTerms {
  const pipelines = shape.variant === 'pipelines';
  return {
    depth: shape.depth,
    extraParents: pipelines ? 1 : 0,
    stageOus: pipelines ? 4 : 0,
    stageAccountPages: pipelines ? 4 * Math.max(1, Math.ceil(DELIVERY_ACCOUNTS / ORG_PAGE)) : 0,
    sourceAccounts: pipelines ? 1 : 0,
    ouStackSets: 3,
    accountStackSets: pipelines ? 1 : 0,
    stageStackSets: 0,
    // kms-key, buckets; with pipelines also the pipeline stack and the us-east-1 regional store.
    stacks: pipelines ? 4 : 2,
    regions: pipelines ? 2 : 1,
    uploads: 0,
    membership: pipelines ? 1 : 0,
  };
}

/**
 * Calls of a no-op deploy, by operation (plan: the same without the C DescribeStacks of deploy's
 * pre-check of the central stacks). S = StackSets (S_ou to OUs, S_acct to one account each),
 * C = central stacks, R = regions searched for stacks, d = OU depth:
 * - GetCallerIdentity, DescribeOrganization, DescribeOrganizationsAccess, ListRoots, ListStackSets
 *   (one page up to 100 StackSets), ListBuckets: 1 each;
 * - ListOrganizationalUnitsForParent: d + extra parents walked + one per OU at or below a
 *   per-account stage's target (each OU listed once, however many paths and stages share it);
 * - ListAccountsForParent: only for OUs a per-account stage deploys to, max(1, ceil(direct / 20)) each;
 * - ListParents: one per source account (the OU its StackSet is aimed through);
 * - DescribeStackSet: 2S (the read, and inventory's tag check) + S_stage (the tag check only: the
 *   pipeline's Rollout action, not deploy, rolls a stage's StackSet out); ListStackSetOperations: S;
 * - ListStackInstances: S_ou x |PROBLEM_STATUSES| (filtered to instances that are not current: one
 *   empty page each when all are current) + S_acct (one page: a single instance);
 * - DescribeStacks: 2C + R (deploy's pre-check, the read, one untargeted listing per region); GetTemplate: C;
 *   deploy with per-account stages reads the pipeline stack once more (M: one DescribeStacks, one GetTemplate);
 * - HeadObject: U, deploy only (the engine and resolved config stackset: stages and selfUpdate read).
 */
export function expectedNoop(t: FormulaTerms, what: 'deploy' | 'plan'): Counts {
  const S = t.ouStackSets + t.accountStackSets;
  const C = t.stacks;
  const out: Counts = {
    GetCallerIdentity: 1,
    DescribeOrganization: 1,
    DescribeOrganizationsAccess: 1,
    ListRoots: 1,
    ListOrganizationalUnitsForParent: t.depth + t.extraParents + t.stageOus,
    ListAccountsForParent: t.stageAccountPages,
    ListParents: t.sourceAccounts,
    ListStackSets: 1,
    ListBuckets: 1,
    DescribeStackSet: 2 * S + t.stageStackSets,
    ListStackSetOperations: S,
    ListStackInstances: t.ouStackSets * PROBLEM_STATUSES.length + t.accountStackSets,
    DescribeStacks: (what === 'deploy' ? 2 * C + t.membership : C) + t.regions,
    GetTemplate: C + (what === 'deploy' ? t.membership : 0),
    HeadObject: what === 'deploy' ? t.uploads : 0,
  };
  return Object.fromEntries(Object.entries(out).filter(([, n]) => n > 0));
}

export async function costRow(shape: Shape): Promise<CostRow> {
  const model = buildOrg(shape);
  const first = await measure(model, 'deploy');
  await model.afterFirst?.(model);
  const noop = await measure(model, 'deploy');
  const plan = await measure(model, 'plan');
  const t = model.terms ?? termsOf(shape);
  return { ...shape, terms: t, first, noop, plan, expectedNoop: expectedNoop(t, 'deploy'), expectedPlan: expectedNoop(t, 'plan') };
}

export interface RefusalRow {
  accounts: number;
  calls: Counts;
  message: string;
}

/**
 * A change-set stage aimed at a workload group (half the organization): `plan` lists the group's
 * accounts until it holds more than any pipeline could reach, then refuses (exit 2). The calls made
 * up to the refusal are bounded by that ceiling, not by the group's size.
 */
export async function refusalRow(accounts: number): Promise<RefusalRow> {
  const model = buildOrg({ accounts, depth: 2, variant: 'roles' });
  const input: ConfigInput = {
    prefix: 'xacct',
    homeRegion: 'eu-west-1',
    targets: { nonprod: { ous: [pathAt(2, 'NonProd')] }, prod: { ous: [pathAt(2, 'Prod')] } },
    pipelines: [
      {
        name: 'app',
        source: { codecommit: { repository: 'app', branch: 'main' } },
        stages: [{ name: 'Prod', target: 'prod', cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } }],
      },
    ],
  };
  model.fake.resetCalls();
  let message = 'accepted';
  try {
    await planDeployment(parseConfig(input), { clients: model.fake.clients({ region: 'eu-west-1' }), io: new MemoryIo() });
  } catch (err) {
    // A ConfigError (CodePipeline's per-stage limit, checked on the expanded pipeline) is exit 2 as well.
    const e = err as Error;
    message =
      err instanceof XacctError
        ? `exit ${err.exitCode}: ${e.message.split('\n')[0]}`
        : `exit 2 (${e.name}): ${e.message.split('\n').slice(1).join(' ').trim()}`;
  }
  return { accounts, calls: model.fake.callCounts(), message };
}

export const total = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
export const mutating = (c: Counts) =>
  Object.entries(c)
    .filter(([op]) => MUTATING.test(op))
    .reduce((a, [, n]) => a + n, 0);
export const sameCounts = (a: Counts, b: Counts) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
