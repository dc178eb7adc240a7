/**
 * `xacct destroy` against the in-memory organization: instances by their OU targets, then the
 * StackSets, then the central stacks with termination protection off; retained resources listed;
 * no deletion without a yes.
 */
import { FakeAws, SOURCE_ACCOUNT, standardOrg } from '../support/fake-aws';
import { deploy, testConfig } from '../support/deploy-harness';
import { cli, configFile, destroy } from '../support/ops-harness';
import { XacctError } from '../../deploy/errors';
import { removalHint } from '../../deploy/destroy';

let fake: FakeAws;
afterEach(() => fake?.restore());

async function deployed(): Promise<void> {
  fake = standardOrg({ accounts: 20 }).install();
  expect((await deploy(testConfig())).error).toBeUndefined();
  fake.resetCalls();
}

const xacctStacks = () => [...fake.stacks.values()].filter((s) => s.name.startsWith('xacct-'));

describe('destroy', () => {
  test('with --yes leaves no StackSet, instance or stack, and lists the retained key, buckets and log group with how to remove them', async () => {
    await deployed();
    const run = await destroy(testConfig(), { yes: true });
    expect(run.error).toBeUndefined();
    expect(fake.stackSets.size).toBe(0);
    expect(xacctStacks()).toEqual([]);

    // Instances by the OU targets ListStackInstances reported; the single-account source StackSet by INTERSECTION.
    const deletes = fake.calls.filter((c) => c.op === 'DeleteStackInstances');
    const roles = deletes.find((c) => c.input.StackSetName === 'xacct-cross-account-role')!;
    expect(roles.input.DeploymentTargets).toEqual({ OrganizationalUnitIds: [fake.ou('Root/Workloads/NonProd'), fake.ou('Root/Workloads/Prod')].sort() });
    expect(roles.input.RetainStacks).toBe(false);
    const source = deletes.find((c) => c.input.StackSetName === 'xacct-codecommit-source-333333333333')!;
    expect(source.input.DeploymentTargets).toEqual({
      OrganizationalUnitIds: [fake.ou('Root/Infrastructure')],
      Accounts: [SOURCE_ACCOUNT],
      AccountFilterType: 'INTERSECTION',
    });

    // Order: every StackSet deleted before any stack; protection off before each DeleteStack; pipeline first, key last.
    const ops = fake.calls.filter((c) => ['DeleteStackSet', 'UpdateTerminationProtection', 'DeleteStack'].includes(c.op));
    const lastStackSet = ops.map((c) => c.op).lastIndexOf('DeleteStackSet');
    expect(ops.slice(0, lastStackSet + 1).every((c) => c.op === 'DeleteStackSet')).toBe(true);
    const stackOps = ops
      .slice(lastStackSet + 1)
      .map(
        (c) => `${c.op}${c.op === 'UpdateTerminationProtection' ? `=${c.input.EnableTerminationProtection}` : ''}:${String(c.input.StackName).split('/')[1]}`,
      );
    expect(stackOps).toEqual([
      'UpdateTerminationProtection=false:xacct-pipeline',
      'DeleteStack:xacct-pipeline',
      'UpdateTerminationProtection=false:xacct-buckets',
      'DeleteStack:xacct-buckets',
      'UpdateTerminationProtection=false:xacct-kms-key',
      'DeleteStack:xacct-kms-key',
    ]);

    const retained = run.result!.retained;
    expect(retained.map((r) => `${r.type} ${r.physicalId}`)).toEqual([
      'AWS::Logs::LogGroup /aws/codebuild/xacct-app-build',
      'AWS::S3::Bucket xacct-artifacts-222222222222-eu-west-1',
      'AWS::S3::Bucket xacct-logs-222222222222-eu-west-1',
      'AWS::S3::Bucket xacct-templates-222222222222-eu-west-1',
      expect.stringMatching(/^AWS::KMS::Key mrk-/),
    ]);
    const text = run.io.results[0].text;
    expect(text).toContain('aws s3api delete-bucket --bucket xacct-artifacts-222222222222-eu-west-1 --region eu-west-1');
    expect(text).toContain(`aws kms schedule-key-deletion --key-id ${retained[4].physicalId} --pending-window-in-days 30 --region eu-west-1`);
    expect(text).toMatch(/StackSet xacct-cross-account-role: 16 instances deleted \[xacct-remove-[0-9a-f]{32}\], StackSet deleted/);

    fake.resetCalls();
    const again = await destroy(testConfig(), { yes: true });
    expect(again.result!.nothing).toBe(true);
    expect(fake.mutatingCalls()).toEqual([]);
  });

  test('without a terminal and without --yes: refuses with exit 2 and deletes nothing', async () => {
    await deployed();
    const run = await destroy(testConfig(), { interactive: false });
    expect(run.error).toBeInstanceOf(XacctError);
    expect((run.error as XacctError).exitCode).toBe(2);
    expect((run.error as Error).message).toContain('StackSet xacct-cross-account-role: 16 instances in 16 accounts');
    expect((run.error as Error).message).toMatch(/no terminal to ask on; run it on a terminal or pass --yes\. Nothing was deleted\./);
    expect(fake.mutatingCalls()).toEqual([]);

    // The CLI under jest has no TTY on stdin.
    const c = await cli(['destroy', '--config', configFile(testConfig())]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('refusing to destroy without confirmation');
    expect(fake.mutatingCalls()).toEqual([]);
    expect(fake.stackSets.size).toBe(4);
  });

  test('on a terminal it asks: no deletes nothing (exit 2), yes deletes', async () => {
    await deployed();
    const no = await destroy(testConfig(), { interactive: true, answer: false });
    expect((no.error as XacctError).exitCode).toBe(2);
    expect((no.error as Error).message).toBe('destroy cancelled; nothing was deleted');
    expect(fake.mutatingCalls()).toEqual([]);
    const yes = await destroy(testConfig(), { interactive: true, answer: true });
    expect(yes.error).toBeUndefined();
    expect(fake.stackSets.size).toBe(0);
  });

  test('an instance whose delete fails is INOPERABLE: exit 1 explaining RetainStacks and the manual step; the central stacks stay', async () => {
    await deployed();
    const bad = fake.accountsUnder(fake.ou('Root/Workloads/Prod'))[0];
    fake.instanceFailures.set(bad, 'Export xacct-x cannot be deleted as it is in use by app');
    const run = await destroy(testConfig(), { yes: true });
    expect((run.error as XacctError).exitCode).toBe(1);
    const message = (run.error as Error).message;
    expect(message).toContain(`${bad} eu-west-1: Export xacct-x cannot be deleted as it is in use by app`);
    expect(message).toContain('INOPERABLE: a delete failed there and StackSets will not touch');
    expect(message).toContain(
      `aws cloudformation delete-stack-instances --stack-set-name xacct-cross-account-role --deployment-targets OrganizationalUnitIds=${fake.ou('Root/Workloads/Prod')},Accounts=${bad},AccountFilterType=INTERSECTION --regions eu-west-1 --retain-stacks --call-as DELEGATED_ADMIN`,
    );
    expect(fake.stackSets.has('xacct-cross-account-role')).toBe(true);
    expect(fake.count('DeleteStack')).toBe(0);
    expect(xacctStacks()).toHaveLength(3);
  });
});

describe('what stays in the target accounts for the app stacks', () => {
  test('destroy lists the CloudFormation role and its boundary, kept in every account that had them, with how to remove them', async () => {
    await deployed();
    const accounts = [...fake.stackSets.get('xacct-cloudformation-role')!.instances.values()].map((i) => i.account).sort();
    const run = await destroy(testConfig(), { yes: true });
    expect(run.error).toBeUndefined();
    expect(run.result!.retainedInAccounts.map((r) => [r.type, r.name, r.accounts]).sort()).toEqual([
      ['AWS::IAM::ManagedPolicy', 'xacct-cfn-boundary', accounts],
      ['AWS::IAM::Role', 'xacct-cfn-exec', accounts],
    ]);
    const text = run.io.results[0].text;
    expect(text).toContain('retained in the target accounts (the app stacks deployed through them still need them; delete the app stacks first):');
    expect(text).toContain('--policy-usage-filter PermissionsBoundary');
  });

  test('an account that comes back to a target OU and finds the kept role: the failure says what to do', async () => {
    await deployed();
    const back = fake.accountsUnder(fake.ou('Root/Workloads/Prod'))[0];
    fake.instanceFailures.set(back, 'Resource handler returned message: "Role with name xacct-cfn-exec already exists." (HandlerErrorCode: AlreadyExists)');
    // A change reaches every instance (here a description changed by hand, which deploy puts back).
    fake.stackSets.get('xacct-cloudformation-role')!.description = 'changed by hand';
    const again = await deploy(testConfig());
    expect((again.error as Error).message).toContain(
      `${back} eu-west-1 FAILED: Resource handler returned message: "Role with name xacct-cfn-exec already exists."`,
    );
    expect((again.error as Error).message).toContain('An account that was in a target OU before keeps the CloudFormation role and its boundary');
  });
});

test('retained container and package stores: how to remove each by hand', () => {
  expect(removalHint('AWS::ECR::Repository', 'xacct/api', 'eu-west-1')).toBe(
    'with its images (--force): aws ecr delete-repository --repository-name xacct/api --force --region eu-west-1',
  );
  expect(removalHint('AWS::CodeArtifact::Repository', 'arn:aws:codeartifact:eu-west-1:222222222222:repository/xacct-packages/shared', 'eu-west-1')).toBe(
    'aws codeartifact delete-repository --domain xacct-packages --repository shared --region eu-west-1',
  );
  expect(removalHint('AWS::CodeArtifact::Domain', 'arn:aws:codeartifact:eu-west-1:222222222222:domain/xacct-packages', 'eu-west-1')).toBe(
    'once its repositories are gone: aws codeartifact delete-domain --domain xacct-packages --region eu-west-1',
  );
});
