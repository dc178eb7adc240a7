/**
 * Deployer API cost on the in-memory organization: calls by operation for a first deploy, a no-op
 * deploy and a plan, at several organization sizes and OU depths. The counts are checked against
 * the formula below, which depends on OUs and pages, never on accounts x regions.
 */
import { NEVER_CONFIRM } from '../deploy/deps';
import { runDeploy } from '../deploy/deploy';
import { planDeployment } from '../deploy/plan/model';
import { parseConfig, Config } from '../templates-src/config';
import { FakeAws, CI_ACCOUNT, MUTATING } from '../test/support/fake-aws';
import { FakeClock } from '../test/support/clock';
import { MemoryIo } from '../test/support/io';

/** AWS's largest page sizes: Organizations list calls 20, ListStackInstances 100. */
export const ORG_PAGE = 20;
export const CFN_PAGE = 100;

export interface Shape {
  accounts: number;
  depth: number;
}

export interface OrgModel {
  fake: FakeAws;
  config: Config;
}

/**
 * Two target groups (non-prod, prod), each an OU `depth` levels below the root with one nested team
 * OU; accounts split evenly over the four OUs that hold them.
 */
export function buildOrg(shape: Shape): OrgModel {
  const fake = new FakeAws({ orgPageSize: ORG_PAGE, cfnPageSize: CFN_PAGE, pollsToComplete: 3, stackPolls: 2 });
  const infra = fake.ou('Root/Infrastructure');
  fake.addAccount(infra, CI_ACCOUNT, 'ACTIVE', 'ci');
  const prefixPath = Array.from({ length: shape.depth - 1 }, (_, i) => `L${i + 1}`).join('/');
  const path = (leaf: string) => ['Root', ...(prefixPath ? [prefixPath] : []), leaf].join('/');
  const holders = [fake.ou(path('NonProd')), fake.ou(`${path('NonProd')}/Team`), fake.ou(path('Prod')), fake.ou(`${path('Prod')}/Team`)];
  for (let i = 0; i < shape.accounts; i++) fake.addAccount(holders[i % 4], String(400000000000 + i));
  fake.caller = CI_ACCOUNT;
  fake.delegatedAdmins.add(CI_ACCOUNT);
  // No pipelines: a stage deploys to every account of its target, and CodePipeline allows 50 actions
  // per stage, so a 5,000-account organization splits its stages by OU; the StackSets are what scale.
  const config = parseConfig({ prefix: 'xacct', homeRegion: 'eu-west-1', targets: { nonprod: { ous: [path('NonProd')] }, prod: { ous: [path('Prod')] } }, pipelines: [] });
  return { fake, config };
}

export type Counts = Record<string, number>;

async function measure(model: OrgModel, what: 'deploy' | 'plan'): Promise<Counts> {
  model.fake.resetCalls();
  const clients = model.fake.clients({ region: model.config.homeRegion });
  const io = new MemoryIo();
  if (what === 'deploy') await runDeploy(model.config, { clients, io, clock: new FakeClock(), confirm: NEVER_CONFIRM });
  else await planDeployment(model.config, { clients, io });
  return model.fake.callCounts();
}

export interface CostRow extends Shape {
  first: Counts;
  noop: Counts;
  plan: Counts;
  expectedNoopReads: Counts;
  mutatingNoop: number;
}

const pages = (items: number, size: number) => Math.max(1, Math.ceil(items / size));

/**
 * Read calls of a no-op deploy, per operation. S = target StackSets (3), C = central stacks (2):
 * - identity and organization: GetCallerIdentity 1, DescribeOrganization 1, DescribeOrganizationsAccess 1, ListRoots 1;
 * - OU paths: one ListOrganizationalUnitsForParent page per parent walked (root and each level above
 *   the target OUs; each parent is listed once however many paths share it);
 * - accounts: none. StackSets target OUs; accounts are listed only for groups a pipeline stage
 *   deploys to (then one ListOrganizationalUnitsForParent per OU below the target and
 *   ceil(accounts in the OU / 20) ListAccountsForParent per OU);
 * - StackSets: DescribeStackSet S, ListStackSetOperations S, ListStackInstances S x ceil(instances / 100),
 *   instances = accounts x 1 (role StackSets have the home region only: IAM is global);
 * - central stacks: DescribeStacks C, GetTemplate C.
 */
export function expectedNoopReads(accounts: number, depth: number): Counts {
  const S = 3;
  const C = 2;
  return {
    GetCallerIdentity: 1,
    DescribeOrganization: 1,
    DescribeOrganizationsAccess: 1,
    ListRoots: 1,
    ListOrganizationalUnitsForParent: depth,
    DescribeStackSet: S,
    ListStackSetOperations: S,
    ListStackInstances: S * pages(accounts, CFN_PAGE),
    DescribeStacks: C,
    GetTemplate: C,
  };
}

export async function costRow(shape: Shape): Promise<CostRow> {
  const model = buildOrg(shape);
  const first = await measure(model, 'deploy');
  const noop = await measure(model, 'deploy');
  const mutatingNoop = model.fake.mutatingCalls().length;
  const plan = await measure(model, 'plan');
  return { ...shape, first, noop, plan, expectedNoopReads: expectedNoopReads(shape.accounts, shape.depth), mutatingNoop };
}

export const total = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
export const mutating = (c: Counts) => Object.entries(c).filter(([op]) => MUTATING.test(op)).reduce((a, [, n]) => a + n, 0);
