/** Module-level tests with aws-sdk-client-mock: each answer scripted, each call checked. */
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudFormationClient,
  DescribeStackSetOperationCommand,
  ListStackSetOperationResultsCommand,
  ListStackInstancesCommand,
  UpdateStackSetCommand,
  DescribeStackSetCommand,
  ListStackSetOperationsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  CloudFormationServiceException,
} from '@aws-sdk/client-cloudformation';
import { ListOrganizationalUnitsForParentCommand, ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig, createClients } from '../../deploy/aws';
import { backoffDelay } from '../../deploy/poll';
import { verdict, waitForOperation } from '../../deploy/stackset/operation';
import { planStackSet, StackSetSpec, operationId } from '../../deploy/stackset/spec';
import { deployStackSet } from '../../deploy/stackset/lifecycle';
import { deployStack } from '../../deploy/stack/lifecycle';
import { planStack, StackSpec } from '../../deploy/stack/spec';
import { OrgTree } from '../../deploy/org-tree';
import { preflight } from '../../deploy/preflight';
import { XacctError } from '../../deploy/errors';
import { FakeClock } from '../support/clock';
import { MemoryIo } from '../support/io';

const err = (name: string, message: string) => new CloudFormationServiceException({ name, $fault: 'client', message, $metadata: {} });
const cfnMock = mockClient(CloudFormationClient);
const orgMock = mockClient(OrganizationsClient);
const stsMock = mockClient(STSClient);
beforeEach(() => {
  cfnMock.reset();
  orgMock.reset();
  stsMock.reset();
});
const cfn = () => new CloudFormationClient({ region: 'eu-west-1' });

describe('aws', () => {
  test('clients retry adaptively about ten times and honour profile and endpoint', async () => {
    expect(clientConfig({ region: 'eu-west-1', profile: 'ci', endpointUrl: 'http://localhost:4566' })).toEqual({
      region: 'eu-west-1',
      profile: 'ci',
      endpoint: 'http://localhost:4566',
      maxAttempts: 10,
      retryStrategy: expect.objectContaining({ mode: 'adaptive' }),
      requestHandler: expect.objectContaining({ handle: expect.any(Function) }),
    });
    const clients = createClients({ region: 'eu-west-1' });
    expect(clients.cfn('us-east-1')).toBe(clients.cfn('us-east-1'));
    expect(await clients.cfn('us-east-1').config.region()).toBe('us-east-1');
    expect(await clients.sts.config.maxAttempts()).toBe(10);
  });

  test('missing credentials: exit 2 in one line', async () => {
    stsMock
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const e = await preflight({ sts: new STSClient({}), org: new OrganizationsClient({}), cfn: cfn() }, new MemoryIo()).catch((x) => x);
    expect(e).toBeInstanceOf(XacctError);
    expect(e.exitCode).toBe(2);
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain('Could not load credentials from any providers');
  });
});

describe('poll', () => {
  test('backoff grows, is capped, and jitters within half of the base', () => {
    expect(backoffDelay(0, 0)).toBe(1000);
    expect(backoffDelay(0, 1)).toBe(2000);
    expect(backoffDelay(2, 0.5)).toBe(Math.round(2000 * 2.25 * 0.75));
    expect(backoffDelay(50, 1)).toBe(30_000);
  });
});

describe('operation waiter', () => {
  const ref = { stackSetName: 'xacct-x', operationId: 'op-1', callAs: 'SELF' as const };

  test('verdict: SUCCEEDED with a failed instance is a failure; STOPPED is a failure; clean SUCCEEDED is not', () => {
    expect(verdict({ Status: 'SUCCEEDED', StatusDetails: { FailedStackInstancesCount: 1 } }, []).ok).toBe(false);
    expect(verdict({ Status: 'STOPPED' }, []).ok).toBe(false);
    expect(verdict({ Status: 'FAILED' }, []).ok).toBe(false);
    expect(verdict({ Status: 'SUCCEEDED', StatusDetails: { FailedStackInstancesCount: 0 } }, [{ Status: 'SUCCEEDED' }]).ok).toBe(true);
  });

  test('polls until terminal, then throws naming each failed account with its reason', async () => {
    cfnMock
      .on(DescribeStackSetOperationCommand)
      .resolvesOnce({ StackSetOperation: { Status: 'RUNNING' } })
      .resolvesOnce({ StackSetOperation: { Status: 'RUNNING' } })
      .resolves({ StackSetOperation: { Status: 'FAILED', StatusDetails: { FailedStackInstancesCount: 1 } } });
    cfnMock.on(ListStackSetOperationResultsCommand).resolves({
      Summaries: [
        { Account: '444444444444', Region: 'eu-west-1', Status: 'FAILED', StatusReason: 'Role already exists' },
        { Account: '555555555555', Region: 'eu-west-1', Status: 'CANCELLED', StatusReason: 'Cancelled' },
        { Account: '666666666666', Region: 'eu-west-1', Status: 'SUCCEEDED' },
      ],
    });
    const clock = new FakeClock();
    const e = await waitForOperation(cfn(), ref, { clock }).catch((x) => x);
    expect(e).toBeInstanceOf(XacctError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain("StackSet 'xacct-x' operation op-1 ended FAILED: 1 instance failed, 1 cancelled");
    expect(e.message).toContain('444444444444 eu-west-1 FAILED: Role already exists');
    expect(e.message).toContain('555555555555 eu-west-1 CANCELLED: Cancelled');
    expect(clock.sleeps).toHaveLength(2);
  });

  test('gives up at the overall timeout, saying AWS carries on', async () => {
    cfnMock.on(DescribeStackSetOperationCommand).resolves({ StackSetOperation: { Status: 'RUNNING' } });
    const e = await waitForOperation(cfn(), ref, { clock: new FakeClock(), timeoutMs: 60_000 }).catch((x) => x);
    expect(e.message).toMatch(/still running after .*AWS carries on/);
  });

  test('success lists suspended accounts as warnings', async () => {
    cfnMock.on(DescribeStackSetOperationCommand).resolves({ StackSetOperation: { Status: 'SUCCEEDED', StatusDetails: { FailedStackInstancesCount: 0 } } });
    cfnMock
      .on(ListStackInstancesCommand)
      .resolves({ Summaries: [{ Account: '777777777777', Region: 'eu-west-1', StackInstanceStatus: { DetailedStatus: 'SKIPPED_SUSPENDED_ACCOUNT' } }] });
    const out = await waitForOperation(cfn(), ref, { clock: new FakeClock() });
    expect(out.suspended).toEqual([{ account: '777777777777', region: 'eu-west-1' }]);
  });
});

const spec: StackSetSpec = {
  name: 'xacct-r',
  description: 'd',
  templateBody: '{"Resources":{}}',
  parameters: { Prefix: 'xacct' },
  capabilities: ['CAPABILITY_NAMED_IAM'],
  autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
  regions: ['eu-west-1'],
  targets: { kind: 'ous', ouIds: ['ou-a', 'ou-b'] },
  preferences: {},
  tags: { 'xacct:prefix': 'xacct' },
};
const existing = {
  exists: true as const,
  name: 'xacct-r',
  templateBody: '{ "Resources": {} }',
  description: 'd',
  parameters: { Prefix: 'xacct' },
  capabilities: ['CAPABILITY_NAMED_IAM'],
  autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
  managedExecution: true,
  ouIds: ['ou-a', 'ou-c'],
  regions: ['eu-west-1'],
  tags: { 'xacct:prefix': 'xacct' },
  instances: [{ account: '1', region: 'eu-west-1', ouId: 'ou-a', status: 'CURRENT' }],
  complete: true,
};

describe('StackSet plan', () => {
  test('matching settings and targets: no-op; key order and whitespace are not changes', () => {
    expect(planStackSet(spec, { ...existing, ouIds: ['ou-a', 'ou-b'] }).noop).toBe(true);
  });

  test('OU diff: removes dropped OUs before adding new ones; an OUTDATED instance forces an update', () => {
    const plan = planStackSet(spec, {
      ...existing,
      instances: [{ account: '1', region: 'eu-west-1', ouId: 'ou-a', status: 'OUTDATED', detailedStatus: 'FAILED' }],
    });
    expect(plan.steps).toEqual([
      { kind: 'remove', ouIds: ['ou-c'], regions: ['eu-west-1'] },
      { kind: 'update', reasons: ['1 instance OUTDATED'] },
      { kind: 'add', ouIds: ['ou-b'], regions: ['eu-west-1'] },
    ]);
  });

  test('operation IDs are stable for the same call and differ after another operation', () => {
    const step = { kind: 'update' as const, reasons: [] };
    expect(operationId(spec, step, 'a')).toBe(operationId(spec, step, 'a'));
    expect(operationId(spec, step, 'a')).not.toBe(operationId(spec, step, 'b'));
  });

  test('OperationIdAlreadyExistsException for a running operation of the same action: waits on it instead of failing or resending', async () => {
    cfnMock.on(DescribeStackSetCommand).resolves({
      StackSet: {
        StackSetName: 'xacct-r',
        TemplateBody: '{}',
        Parameters: [],
        Capabilities: [],
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true },
        ManagedExecution: { Active: true },
        OrganizationalUnitIds: ['ou-a', 'ou-b'],
        Regions: ['eu-west-1'],
      },
    });
    cfnMock.on(ListStackInstancesCommand).resolves({ Summaries: [] });
    cfnMock.on(ListStackSetOperationsCommand).resolves({ Summaries: [] });
    cfnMock.on(UpdateStackSetCommand).rejects(err('OperationIdAlreadyExistsException', 'exists'));
    // Still running when checked: our own earlier call, reached AWS; waited on, not sent again.
    cfnMock
      .on(DescribeStackSetOperationCommand)
      .resolvesOnce({ StackSetOperation: { Action: 'UPDATE', Status: 'RUNNING' } })
      .resolves({ StackSetOperation: { Action: 'UPDATE', Status: 'SUCCEEDED', StatusDetails: { FailedStackInstancesCount: 0 } } });
    const out = await deployStackSet(cfn(), spec, { callAs: 'SELF', clock: new FakeClock() });
    const sent = cfnMock.commandCalls(UpdateStackSetCommand)[0].args[0].input;
    expect(out.steps[0].operationId).toBe(sent.OperationId);
    expect(cfnMock.commandCalls(DescribeStackSetOperationCommand)[0].args[0].input.OperationId).toBe(sent.OperationId);
    expect(cfnMock.commandCalls(UpdateStackSetCommand)).toHaveLength(1);
  });
});

describe('stacks', () => {
  const stackSpec: StackSpec = {
    name: 'xacct-kms-key',
    region: 'eu-west-1',
    templateBody: '{"a":1}',
    parameters: { Prefix: 'xacct' },
    capabilities: [],
    tags: {},
  };
  const base = {
    exists: true as const,
    name: 'xacct-kms-key',
    region: 'eu-west-1',
    stackId: 'id',
    parameters: { Prefix: 'xacct' },
    terminationProtection: true,
    templateBody: '{"a":1}',
    outputs: {},
    tags: {},
  };

  test('plan: unchanged is none; ROLLBACK_COMPLETE is recreate; protection off is protect; changed template is update', () => {
    expect(planStack(stackSpec, { ...base, status: 'UPDATE_COMPLETE' }).action).toBe('none');
    expect(planStack(stackSpec, { ...base, status: 'ROLLBACK_COMPLETE' }).action).toBe('recreate');
    expect(planStack(stackSpec, { ...base, status: 'CREATE_COMPLETE', terminationProtection: false }).action).toBe('protect');
    expect(planStack(stackSpec, { ...base, status: 'CREATE_COMPLETE', templateBody: '{"a":2}' }).action).toBe('update');
  });

  test('an unchanged stack costs no mutating call', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'xacct-kms-key',
          StackId: 'id',
          StackStatus: 'UPDATE_COMPLETE',
          Parameters: [{ ParameterKey: 'Prefix', ParameterValue: 'xacct' }],
          EnableTerminationProtection: true,
          CreationTime: new Date(),
        },
      ],
    });
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{ "a": 1 }' });
    const out = await deployStack(cfn(), stackSpec, { clock: new FakeClock(), confirm: async () => false });
    expect(out.changed).toBe(false);
    expect(cfnMock.calls().map((c) => (c.args[0] as object).constructor.name)).toEqual(['DescribeStacksCommand', 'GetTemplateCommand']);
  });
});

describe('OU resolution', () => {
  test('follows every page, caches each parent, and names the siblings of a missing segment', async () => {
    orgMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12', Name: 'Root' }] });
    orgMock
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-ab12' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-00000001', Name: 'Workloads' }] });
    orgMock
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-ab12-00000001', NextToken: undefined })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-00000002', Name: 'NonProd' }], NextToken: 't' });
    orgMock
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-ab12-00000001', NextToken: 't' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-00000003', Name: 'Prod' }] });
    const tree = new OrgTree(new OrganizationsClient({}), 'o-abcdef1234', '111111111111');
    expect(await tree.resolve('Root/Workloads/Prod', 'targets.prod.ous[0]')).toEqual({
      id: 'ou-ab12-00000003',
      idPath: ['r-ab12', 'ou-ab12-00000001', 'ou-ab12-00000003'],
    });
    const e = await tree.resolve('Root/Workloads/prod', 'targets.prod.ous[0]').catch((x) => x);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      'targets.prod.ous[0]: OU path "Root/Workloads/prod": no OU named "prod" under Root/Workloads (did you mean "Prod"? names are case-sensitive); existing: NonProd, Prod',
    );
    expect(orgMock.commandCalls(ListOrganizationalUnitsForParentCommand)).toHaveLength(3);
  });
});
