/**
 * Source accounts: one StackSet per account holding repositories, however many pipelines read
 * there, deployed against the in-memory organization (which refuses a second StackSet's stack
 * holding a role name the first one holds, as IAM does). And the move from the per-pipeline source
 * StackSets of earlier versions: the old StackSet goes before the new one is created.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateStackInstancesCommand, CreateStackSetCommand, DescribeStackSetOperationCommand } from '@aws-sdk/client-cloudformation';
import { XacctError } from '../../deploy/errors';
import type { ConfigInput } from '../../templates-src/config';
import { CI_ACCOUNT, FakeAws, SOURCE_ACCOUNT, standardOrg } from '../support/fake-aws';
import { deploy, testConfig } from '../support/deploy-harness';
import { plan } from '../support/ops-harness';
import { FIXTURES } from '../support/build';

jest.setTimeout(60_000);

let fake: FakeAws;
afterEach(() => fake?.restore());

const SECOND_SOURCE = '444444444444';
const stage = (name: string, target: string, stackName: string) => ({ name, target, cloudformation: { stackName, template: 'BuildOutput::template.yml' } });
const pipelines: ConfigInput['pipelines'] = [
  { name: 'app', source: { codecommit: { repository: 'app', branch: 'main', account: SOURCE_ACCOUNT } }, stages: [stage('NonProd', 'nonprod', 'app')] },
  { name: 'app-hotfix', source: { codecommit: { repository: 'app', branch: 'hotfix', account: SOURCE_ACCOUNT } }, stages: [stage('Prod', 'prod', 'app')] },
  { name: 'web', source: { codecommit: { repository: 'web', branch: 'main', account: SOURCE_ACCOUNT } }, stages: [stage('NonProd', 'nonprod', 'web')] },
  { name: 'tools', source: { codecommit: { repository: 'tools', branch: 'main', account: SECOND_SOURCE } }, stages: [stage('NonProd', 'nonprod', 'tools')] },
];

function org(): FakeAws {
  const f = standardOrg({ accounts: 10 });
  f.addAccount(f.ou('Root/Infrastructure'), SECOND_SOURCE, 'ACTIVE', 'source-2');
  return f.install();
}

const instances = (name: string) => [...(fake.stackSets.get(name)?.instances.values() ?? [])].map((i) => `${i.account} ${i.status} ${i.detailed}`);
const rulesOf = (name: string) =>
  Object.values(JSON.parse(fake.stackSets.get(name)!.body).Resources as Record<string, { Type: string; Properties: { Description: string } }>)
    .filter((r) => r.Type === 'AWS::Events::Rule')
    .map((r) => r.Properties.Description)
    .sort();

describe('pipelines sharing source accounts', () => {
  test('four pipelines, two source accounts: one source StackSet per account, each with one instance, every repository and branch forwarded; a re-run changes nothing', async () => {
    fake = org();
    const config = testConfig({ pipelines });
    const run = await deploy(config);
    expect(run.error).toBeUndefined();
    const sources = [...fake.stackSets.keys()].filter((n) => n.includes('codecommit-source')).sort();
    expect(sources).toEqual([`xacct-codecommit-source-${SOURCE_ACCOUNT}`, `xacct-codecommit-source-${SECOND_SOURCE}`]);
    expect(instances(sources[0])).toEqual([`${SOURCE_ACCOUNT} CURRENT SUCCEEDED`]);
    expect(instances(sources[1])).toEqual([`${SECOND_SOURCE} CURRENT SUCCEEDED`]);
    expect(rulesOf(sources[0])).toEqual([
      'Forward app/hotfix changes to the xacct CI account',
      'Forward app/main changes to the xacct CI account',
      'Forward web/main changes to the xacct CI account',
    ]);
    expect(rulesOf(sources[1])).toEqual(['Forward tools/main changes to the xacct CI account']);
    expect(fake.namedResources.get(`${SOURCE_ACCOUNT}/iam-role/xacct-source-access`)).toBe(sources[0]);
    expect(fake.stack('eu-west-1', 'xacct-pipeline')?.status).toBe('CREATE_COMPLETE');

    fake.resetCalls();
    const again = await deploy(config);
    expect(again.error).toBeUndefined();
    expect(again.result!.noChanges).toBe(true);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('a pipeline added in a source account updates that StackSet; the other account is not touched', async () => {
    fake = org();
    expect((await deploy(testConfig({ pipelines: pipelines.slice(0, 1).concat(pipelines.slice(3)) }))).error).toBeUndefined();
    expect(rulesOf(`xacct-codecommit-source-${SOURCE_ACCOUNT}`)).toEqual(['Forward app/main changes to the xacct CI account']);
    fake.resetCalls();
    expect((await deploy(testConfig({ pipelines }))).error).toBeUndefined();
    const updated = fake.calls.filter((c) => c.op === 'UpdateStackSet').map((c) => c.input.StackSetName);
    // The target roles follow the new stack names; of the source StackSets only the one account's changes.
    expect(updated.filter((n) => n.includes('codecommit-source'))).toEqual([`xacct-codecommit-source-${SOURCE_ACCOUNT}`]);
    expect(rulesOf(`xacct-codecommit-source-${SOURCE_ACCOUNT}`)).toHaveLength(3);
    expect(instances(`xacct-codecommit-source-${SOURCE_ACCOUNT}`)).toEqual([`${SOURCE_ACCOUNT} CURRENT SUCCEEDED`]);
  });
});

/** What an earlier xacct deployed for pipeline `app`: the per-pipeline source StackSet (its body, as it was). */
async function perPipelineSourceStackSet(): Promise<void> {
  const cfn = fake.clients({ region: 'eu-west-1' }).cfn('eu-west-1');
  const name = 'xacct-codecommit-source-app';
  await cfn.send(
    new CreateStackSetCommand({
      StackSetName: name,
      TemplateBody: readFileSync(join(FIXTURES, 'migration', 'codecommit-source-per-pipeline.template.json'), 'utf8'),
      Parameters: [
        { ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT },
        { ParameterKey: 'RepositoryName', ParameterValue: 'app' },
        { ParameterKey: 'BranchName', ParameterValue: 'main' },
      ],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: false },
      ManagedExecution: { Active: true },
      Tags: [{ Key: 'xacct:prefix', Value: 'xacct' }],
      CallAs: 'DELEGATED_ADMIN',
    }),
  );
  const targets = { OrganizationalUnitIds: [fake.ou('Root/Infrastructure')], Accounts: [SOURCE_ACCOUNT], AccountFilterType: 'INTERSECTION' as const };
  await cfn.send(
    new CreateStackInstancesCommand({
      StackSetName: name,
      CallAs: 'DELEGATED_ADMIN',
      OperationId: 'old-add',
      DeploymentTargets: targets,
      Regions: ['eu-west-1'],
    }),
  );
  for (let i = 0; i < 10 && fake.stackSets.get(name)!.operations.some((o) => o.status === 'RUNNING'); i++) {
    await cfn.send(new DescribeStackSetOperationCommand({ StackSetName: name, OperationId: 'old-add', CallAs: 'DELEGATED_ADMIN' }));
  }
  expect(instances(name)).toEqual([`${SOURCE_ACCOUNT} CURRENT SUCCEEDED`]);
}

describe('from per-pipeline source StackSets (earlier versions) to one per account', () => {
  test('the old StackSet holds the fixed-name roles: the new one cannot be created beside it', async () => {
    fake = org();
    await perPipelineSourceStackSet();
    expect(fake.namedResources.get(`${SOURCE_ACCOUNT}/iam-role/xacct-source-access`)).toBe('xacct-codecommit-source-app');
    // Created while the old one still stands (what removing it last would do), the new instance fails on the role name.
    const cfn = fake.clients({ region: 'eu-west-1' }).cfn('eu-west-1');
    const body = readFileSync(join(FIXTURES, 'expected', 'cross-account-source', `codecommit-source-${SOURCE_ACCOUNT}.template.json`), 'utf8');
    await cfn.send(
      new CreateStackSetCommand({
        StackSetName: 'beside',
        TemplateBody: body,
        Parameters: [{ ParameterKey: 'CiAccountId', ParameterValue: CI_ACCOUNT }],
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: false },
        CallAs: 'DELEGATED_ADMIN',
      }),
    );
    const targets = { OrganizationalUnitIds: [fake.ou('Root/Infrastructure')], Accounts: [SOURCE_ACCOUNT], AccountFilterType: 'INTERSECTION' as const };
    await cfn.send(
      new CreateStackInstancesCommand({
        StackSetName: 'beside',
        CallAs: 'DELEGATED_ADMIN',
        OperationId: 'beside-add',
        DeploymentTargets: targets,
        Regions: ['eu-west-1'],
      }),
    );
    for (let i = 0; i < 10; i++)
      await cfn.send(new DescribeStackSetOperationCommand({ StackSetName: 'beside', OperationId: 'beside-add', CallAs: 'DELEGATED_ADMIN' }));
    expect(instances('beside')).toEqual([`${SOURCE_ACCOUNT} OUTDATED FAILED`]);
  });

  test('plan shows the old StackSet removed before the source StackSets; deploy refuses without a yes, then removes it first and creates the new one', async () => {
    fake = org();
    await perPipelineSourceStackSet();
    const config = testConfig();

    const previewed = await plan(config);
    expect(previewed.result!.removals.stackSets).toEqual(['xacct-codecommit-source-app']);
    expect(previewed.result!.removedFirst).toEqual(['xacct-codecommit-source-app']);
    expect(previewed.io.results[0].text).toContain(
      'StackSet xacct-codecommit-source-app: delete (no longer in config, before the source StackSets (they create the same roles)): every instance, then the StackSet',
    );

    fake.resetCalls();
    const refused = await deploy(config);
    expect((refused.error as XacctError).exitCode).toBe(2);
    expect((refused.error as Error).message).toContain(
      'StackSet xacct-codecommit-source-app: every instance, then the StackSet (before the source StackSets, which create the same roles)',
    );
    expect(fake.mutatingCalls()).toEqual([]);

    const run = await deploy(config, { yes: true });
    expect(run.error).toBeUndefined();
    expect(run.result!.removed.stackSets).toEqual(['xacct-codecommit-source-app']);
    expect(fake.stackSets.has('xacct-codecommit-source-app')).toBe(false);
    expect(instances(`xacct-codecommit-source-${SOURCE_ACCOUNT}`)).toEqual([`${SOURCE_ACCOUNT} CURRENT SUCCEEDED`]);
    expect(fake.namedResources.get(`${SOURCE_ACCOUNT}/iam-role/xacct-source-access`)).toBe(`xacct-codecommit-source-${SOURCE_ACCOUNT}`);
    // Target StackSets, then the old source StackSet away, then the new one, then the central stacks.
    const order = fake.calls
      .filter((c) => ['CreateStackSet', 'DeleteStackSet', 'CreateChangeSet'].includes(c.op))
      .map((c) => `${c.op} ${c.input.StackSetName ?? c.input.StackName}`);
    expect(order).toEqual([
      'CreateStackSet xacct-cloudformation-role',
      'CreateStackSet xacct-cross-account-role',
      'CreateStackSet xacct-read-only-role',
      'DeleteStackSet xacct-codecommit-source-app',
      `CreateStackSet xacct-codecommit-source-${SOURCE_ACCOUNT}`,
      'CreateChangeSet xacct-kms-key',
      'CreateChangeSet xacct-buckets',
      'CreateChangeSet xacct-pipeline',
    ]);

    fake.resetCalls();
    const again = await deploy(config);
    expect(again.result!.noChanges).toBe(true);
    expect(fake.mutatingCalls()).toEqual([]);
  });
});
