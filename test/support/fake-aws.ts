/**
 * A stateful in-memory AWS Organization behind aws-sdk-client-mock: Organizations, STS and
 * CloudFormation (stacks, change sets, service-managed StackSets and their operations). Real SDK
 * clients send to it, so deploy/ runs unchanged. Every call is recorded and counted by operation.
 *
 * Modelled on the API reference (CloudFormation StackSets, Organizations). Where it is simpler than AWS:
 * - Time does not pass on its own. A StackSet operation advances one step per DescribeStackSetOperation
 *   call on it and finishes after `pollsToComplete` of them; a stack or change set finishes after
 *   `stackPolls` DescribeStacks / DescribeChangeSet calls. Timestamps come from a counter.
 * - One operation per StackSet at a time: a mutating call while one runs throws
 *   OperationInProgressException. (With managed execution AWS queues conflicting operations instead.)
 * - Failure tolerance is judged once per operation across all regions, not per region; instances
 *   not yet processed when it is exceeded become CANCELLED.
 * - A suspended account's instance gets OUTDATED / SKIPPED_SUSPENDED_ACCOUNT and no operation result row.
 * - Region concurrency, MaxConcurrent and RegionOrder are recorded, not simulated; instances are
 *   processed in account order.
 * - Stack instances have no real stacks behind them; stack-instance parameter overrides,
 *   AccountsUrl, UNION/DIFFERENCE filters and self-managed StackSets are not modelled.
 * - Drift is injected, not detected: driftInstance() / driftStack() name the resources that differ.
 *   DetectStackSetDrift is an operation (action DETECT_DRIFT) like any other: it blocks other
 *   operations while it runs and sets every instance's DriftStatus when it finishes.
 *   DetectStackDrift completes after `stackPolls` DescribeStackDriftDetectionStatus calls.
 *   Property differences are whatever the test injected; nothing is compared.
 * - ListStackResources derives physical IDs from the deployed template: BucketName / LogGroupName
 *   with `Fn::Sub` of parameters and AWS::AccountId / AWS::Region resolved, a made-up key ID for
 *   KMS keys, `<stack>-<LogicalId>` otherwise. Retained resources leave nothing behind to inspect.
 * - DeleteStack of a stack with termination protection fails with ValidationError, as AWS does;
 *   a stack that is deleted keeps answering DescribeStacks by ID with DELETE_COMPLETE.
 * - Templates are not validated; change sets compare template text and parameters only.
 * - Error messages are close to AWS's wording but not verbatim; the exception names are AWS's.
 * - No eventual consistency: every read sees every write at once.
 * - Pages are small (orgPageSize, cfnPageSize) to make every caller follow NextToken.
 */
import { mockClient } from 'aws-sdk-client-mock';
import * as C from '@aws-sdk/client-cloudformation';
import * as O from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as S3 from '@aws-sdk/client-s3';

type Input = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Out = Record<string, unknown>;

export interface FakeOptions {
  organizationId?: string;
  rootSuffix?: string;
  managementAccountId?: string;
  pollsToComplete?: number;
  stackPolls?: number;
  orgPageSize?: number;
  cfnPageSize?: number;
  trustedAccess?: 'ENABLED' | 'DISABLED' | 'DISABLED_PERMANENTLY';
}

export interface FakeAccount {
  id: string;
  name: string;
  parentId: string;
  state: 'ACTIVE' | 'SUSPENDED';
}

interface Instance {
  account: string;
  region: string;
  ouId: string;
  status: 'CURRENT' | 'OUTDATED' | 'INOPERABLE';
  detailed: string;
  reason?: string;
  lastOperationId?: string;
  drift?: 'DRIFTED' | 'IN_SYNC';
  driftOperationId?: string;
}

interface WorkItem {
  account: string;
  region: string;
  ouId: string;
  kind: 'create' | 'update' | 'delete' | 'drift';
}

export interface FakeOperation {
  id: string;
  action: 'CREATE' | 'UPDATE' | 'DELETE' | 'DETECT_DRIFT';
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';
  created: Date;
  ended?: Date;
  work: WorkItem[];
  processed: number;
  polls: number;
  results: Map<string, { account: string; region: string; ouId: string; status: string; reason?: string }>;
  failed: number;
  tolerancePct: number;
  preferences?: Input;
  foreign: boolean;
}

export interface FakeStackSet {
  name: string;
  id: string;
  body: string;
  description: string;
  parameters: Record<string, string>;
  capabilities: string[];
  autoDeployment: { enabled: boolean; retain: boolean };
  managedExecution: boolean;
  ous: Set<string>;
  regions: Set<string>;
  instances: Map<string, Instance>;
  operations: FakeOperation[];
  tags?: Record<string, string>;
}

interface ChangeSet {
  name: string;
  id: string;
  type: 'CREATE' | 'UPDATE';
  status: string;
  reason?: string;
  body: string;
  parameters: Record<string, string>;
  tags?: Record<string, string>;
  polls: number;
}

export interface FakeStack {
  id: string;
  name: string;
  region: string;
  status: string;
  reason?: string;
  body: string;
  parameters: Record<string, string>;
  protection: boolean;
  events: C.StackEvent[];
  changeSets: Map<string, ChangeSet>;
  polls: number;
  pending?: { kind: 'create' | 'update' | 'delete'; body: string; parameters: Record<string, string>; token?: string };
  tags?: Record<string, string>;
}

export interface FakeDriftedResource {
  logicalId: string;
  type: string;
  status: 'MODIFIED' | 'DELETED';
  differences?: Array<{ path: string; expected: string; actual: string }>;
}

/** Calls that change something; a no-op deploy makes none of them. */
export const MUTATING = /^(Create|Update|Delete|Execute|Activate|Deactivate|Stop|Import|Register)/;

function pageOf<T>(items: T[], input: Input, max: number): { items: T[]; next?: string } {
  const start = input.NextToken ? Number(input.NextToken) : 0;
  const size = Math.min(max, input.MaxResults ?? max);
  const slice = items.slice(start, start + size);
  return { items: slice, next: start + size < items.length ? String(start + size) : undefined };
}

function cfnError(name: string, message: string): Error {
  return new C.CloudFormationServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode: 400 } });
}
function orgError(name: string, message: string): Error {
  return new O.OrganizationsServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode: 400 } });
}
const params = (list: Input[] | undefined): Record<string, string> => Object.fromEntries((list ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));

export class FakeAws {
  readonly organizationId: string;
  readonly rootId: string;
  readonly managementAccountId: string;
  pollsToComplete: number;
  stackPolls: number;
  orgPageSize: number;
  cfnPageSize: number;
  trustedAccess: 'ENABLED' | 'DISABLED' | 'DISABLED_PERMANENTLY';

  /** The account the credentials belong to. */
  caller: string;
  readonly delegatedAdmins = new Set<string>();
  readonly ous = new Map<string, { id: string; name: string; parentId: string }>();
  readonly accounts = new Map<string, FakeAccount>();
  private readonly childOus = new Map<string, string[]>();
  private readonly childAccounts = new Map<string, string[]>();
  readonly stackSets = new Map<string, FakeStackSet>();
  /** Live stacks by `region/name`; every stack ever made by ID. */
  readonly stacks = new Map<string, FakeStack>();
  readonly stacksById = new Map<string, FakeStack>();

  readonly calls: Array<{ service: string; op: string; input: Input; region: string }> = [];
  private readonly counts = new Map<string, number>();

  /** account -> AWS reason: every operation on that account's instances fails with it. */
  readonly instanceFailures = new Map<string, string>();
  /** stack name -> the resource that fails on the next execution. */
  readonly stackFailures = new Map<string, { logicalId: string; reason: string }>();
  /** `stackSet/account/region` -> resources that differ from the template in that instance. */
  readonly instanceDrift = new Map<string, FakeDriftedResource[]>();
  /** `region/stack` -> resources that differ in that stack. */
  readonly stackDrift = new Map<string, FakeDriftedResource[]>();
  private readonly stackDriftDetections = new Map<string, { stack: FakeStack; polls: number; resources: FakeDriftedResource[] }>();
  private readonly throttles = new Map<string, number>();
  private readonly beforeMutation = new Map<string, () => void>();
  private seq = 0;
  private stubs: Array<{ restore(): void }> = [];

  constructor(o: FakeOptions = {}) {
    this.organizationId = o.organizationId ?? 'o-abcdef1234';
    const suffix = o.rootSuffix ?? 'ab12';
    this.rootId = `r-${suffix}`;
    this.managementAccountId = o.managementAccountId ?? '111111111111';
    this.pollsToComplete = o.pollsToComplete ?? 3;
    this.stackPolls = o.stackPolls ?? 2;
    this.orgPageSize = o.orgPageSize ?? 5;
    this.cfnPageSize = o.cfnPageSize ?? 20;
    this.trustedAccess = o.trustedAccess ?? 'ENABLED';
    this.caller = this.managementAccountId;
    this.childOus.set(this.rootId, []);
    this.childAccounts.set(this.rootId, []);
    this.accounts.set(this.managementAccountId, { id: this.managementAccountId, name: 'management', parentId: this.rootId, state: 'ACTIVE' });
    this.childAccounts.get(this.rootId)!.push(this.managementAccountId);
  }

  // ------------------------------------------------------------------------------------------
  // Building the organization.

  addOu(parentId: string, name: string): string {
    const id = `ou-${this.rootId.slice(2)}-${String(this.ous.size + 1).padStart(8, '0')}`;
    this.ous.set(id, { id, name, parentId });
    this.childOus.get(parentId)!.push(id);
    this.childOus.set(id, []);
    this.childAccounts.set(id, []);
    return id;
  }

  /** The OU at `Root/A/B`, creating missing segments. */
  ou(path: string): string {
    let current = this.rootId;
    for (const name of path.split('/').slice(1)) {
      const found = this.childOus.get(current)!.find((id) => this.ous.get(id)!.name === name);
      current = found ?? this.addOu(current, name);
    }
    return current;
  }

  /** Add an account; StackSets with auto-deployment targeting an ancestor OU deploy to it at once. */
  addAccount(parentId: string, id: string, state: FakeAccount['state'] = 'ACTIVE', name = `account-${id}`): string {
    this.accounts.set(id, { id, name, parentId, state });
    this.childAccounts.get(parentId)!.push(id);
    for (const ss of this.stackSets.values()) {
      if (!ss.autoDeployment.enabled) continue;
      const target = this.ancestors(parentId).find((a) => ss.ous.has(a));
      if (!target) continue;
      for (const region of ss.regions) ss.instances.set(`${id}/${region}`, { account: id, region, ouId: target, status: 'CURRENT', detailed: 'SUCCEEDED' });
    }
    return id;
  }

  /** `parentId` and every OU above it, up to the root. */
  ancestors(parentId: string): string[] {
    const out = [parentId];
    let current = parentId;
    while (current !== this.rootId) {
      current = this.ous.get(current)!.parentId;
      out.push(current);
    }
    return out;
  }

  /** Every account under an OU or root, nested OUs included, in ID order (management included). */
  accountsUnder(parentId: string): string[] {
    const out: string[] = [];
    const walk = (id: string) => {
      out.push(...(this.childAccounts.get(id) ?? []));
      for (const child of this.childOus.get(id) ?? []) walk(child);
    };
    walk(parentId);
    return out.sort();
  }

  // ------------------------------------------------------------------------------------------
  // Injections and inspection.

  /** The next `times` calls of `op` fail with the service's throttling error. */
  throttle(op: string, times: number): void {
    this.throttles.set(op, (this.throttles.get(op) ?? 0) + times);
  }

  /** Start an operation that is not ours on a StackSet (someone else's deploy). */
  startForeignOperation(stackSetName: string): FakeOperation {
    const ss = this.stackSets.get(stackSetName)!;
    return this.startOperation(ss, 'UPDATE', [], undefined, undefined, true);
  }

  /** Just before the next mutating call on `stackSetName`, someone else starts an operation. */
  raceNextMutation(stackSetName: string): void {
    this.beforeMutation.set(stackSetName, () => this.startForeignOperation(stackSetName));
  }

  /** The next drift detection on `stackSet` finds these resources changed in that instance. */
  driftInstance(stackSet: string, account: string, region: string, resources: FakeDriftedResource[]): void {
    this.instanceDrift.set(`${stackSet}/${account}/${region}`, resources);
  }

  /** The next drift detection on the stack finds these resources changed. */
  driftStack(region: string, name: string, resources: FakeDriftedResource[]): void {
    this.stackDrift.set(`${region}/${name}`, resources);
  }

  count(op: string): number {
    return this.counts.get(op) ?? 0;
  }

  /** Calls by operation name, for cost reports. */
  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  mutatingCalls(): string[] {
    return this.calls.filter((c) => MUTATING.test(c.op)).map((c) => c.op);
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.counts.clear();
  }

  stack(region: string, name: string): FakeStack | undefined {
    return this.stacks.get(`${region}/${name}`);
  }

  // ------------------------------------------------------------------------------------------
  // Wiring into the SDK.

  install(): this {
    const cfn = mockClient(C.CloudFormationClient);
    const org = mockClient(O.OrganizationsClient);
    const sts = mockClient(STSClient);
    const s3 = mockClient(S3.S3Client);
    this.stubs = [cfn, org, sts, s3];
    const wire = <I extends object, R extends object>(stub: ReturnType<typeof mockClient>, service: string, Cmd: new (input: I) => C.CloudFormationClient extends never ? never : { input: I } & R, op: string, fn: (input: Input, region: string) => Out) => {
      (stub as unknown as { on(c: unknown): { callsFake(f: (input: Input, getClient: () => { config: { region: () => Promise<string> } }) => Promise<Out>): void } })
        .on(Cmd)
        .callsFake(async (input, getClient) => {
          const region = await getClient().config.region();
          return this.dispatch(service, op, input, region, fn);
        });
    };
    const cfnOps: Array<[unknown, string, (i: Input, r: string) => Out]> = [
      [C.DescribeOrganizationsAccessCommand, 'DescribeOrganizationsAccess', (i) => this.describeOrganizationsAccess(i)],
      [C.ActivateOrganizationsAccessCommand, 'ActivateOrganizationsAccess', (i) => this.activateOrganizationsAccess(i)],
      [C.DescribeStackSetCommand, 'DescribeStackSet', (i) => this.describeStackSet(i)],
      [C.CreateStackSetCommand, 'CreateStackSet', (i) => this.createStackSet(i)],
      [C.UpdateStackSetCommand, 'UpdateStackSet', (i) => this.updateStackSet(i)],
      [C.DeleteStackSetCommand, 'DeleteStackSet', (i) => this.deleteStackSet(i)],
      [C.CreateStackInstancesCommand, 'CreateStackInstances', (i) => this.createStackInstances(i)],
      [C.DeleteStackInstancesCommand, 'DeleteStackInstances', (i) => this.deleteStackInstances(i)],
      [C.ListStackInstancesCommand, 'ListStackInstances', (i) => this.listStackInstances(i)],
      [C.ListStackSetsCommand, 'ListStackSets', (i) => this.listStackSets(i)],
      [C.DescribeStackSetOperationCommand, 'DescribeStackSetOperation', (i) => this.describeStackSetOperation(i)],
      [C.ListStackSetOperationsCommand, 'ListStackSetOperations', (i) => this.listStackSetOperations(i)],
      [C.ListStackSetOperationResultsCommand, 'ListStackSetOperationResults', (i) => this.listStackSetOperationResults(i)],
      [C.DescribeStacksCommand, 'DescribeStacks', (i, r) => this.describeStacks(i, r)],
      [C.GetTemplateCommand, 'GetTemplate', (i, r) => this.getTemplate(i, r)],
      [C.CreateChangeSetCommand, 'CreateChangeSet', (i, r) => this.createChangeSet(i, r)],
      [C.DescribeChangeSetCommand, 'DescribeChangeSet', (i, r) => this.describeChangeSet(i, r)],
      [C.DeleteChangeSetCommand, 'DeleteChangeSet', (i, r) => this.deleteChangeSet(i, r)],
      [C.ExecuteChangeSetCommand, 'ExecuteChangeSet', (i, r) => this.executeChangeSet(i, r)],
      [C.DeleteStackCommand, 'DeleteStack', (i, r) => this.deleteStack(i, r)],
      [C.UpdateTerminationProtectionCommand, 'UpdateTerminationProtection', (i, r) => this.updateTerminationProtection(i, r)],
      [C.DescribeStackEventsCommand, 'DescribeStackEvents', (i, r) => this.describeStackEvents(i, r)],
      [C.ListStackResourcesCommand, 'ListStackResources', (i, r) => this.listStackResources(i, r)],
      [C.DetectStackSetDriftCommand, 'DetectStackSetDrift', (i) => this.detectStackSetDrift(i)],
      [C.ListStackInstanceResourceDriftsCommand, 'ListStackInstanceResourceDrifts', (i) => this.listStackInstanceResourceDrifts(i)],
      [C.DetectStackDriftCommand, 'DetectStackDrift', (i, r) => this.detectStackDrift(i, r)],
      [C.DescribeStackDriftDetectionStatusCommand, 'DescribeStackDriftDetectionStatus', (i) => this.describeStackDriftDetectionStatus(i)],
      [C.DescribeStackResourceDriftsCommand, 'DescribeStackResourceDrifts', (i, r) => this.describeStackResourceDrifts(i, r)],
    ];
    for (const [Cmd, op, fn] of cfnOps) wire(cfn as never, 'cloudformation', Cmd as never, op, fn);
    const orgOps: Array<[unknown, string, (i: Input) => Out]> = [
      [O.DescribeOrganizationCommand, 'DescribeOrganization', () => this.describeOrganization()],
      [O.ListRootsCommand, 'ListRoots', (i) => this.listRoots(i)],
      [O.ListOrganizationalUnitsForParentCommand, 'ListOrganizationalUnitsForParent', (i) => this.listOus(i)],
      [O.ListAccountsForParentCommand, 'ListAccountsForParent', (i) => this.listAccounts(i)],
      [O.ListParentsCommand, 'ListParents', (i) => this.listParents(i)],
      [O.ListDelegatedAdministratorsCommand, 'ListDelegatedAdministrators', () => ({ DelegatedAdministrators: [...this.delegatedAdmins].map((Id) => ({ Id })) })],
    ];
    for (const [Cmd, op, fn] of orgOps) wire(org as never, 'organizations', Cmd as never, op, fn);
    wire(s3 as never, 's3', S3.ListBucketsCommand as never, 'ListBuckets', () => ({ Buckets: [...this.buckets].sort().map((Name) => ({ Name })) }));
    wire(sts as never, 'sts', GetCallerIdentityCommand as never, 'GetCallerIdentity', () => ({
      Account: this.caller,
      Arn: `arn:aws:sts::${this.caller}:assumed-role/deployer/session`,
      UserId: 'AROAEXAMPLE:session',
    }));
    return this;
  }

  restore(): void {
    for (const s of this.stubs) s.restore();
    this.stubs = [];
  }

  private dispatch(service: string, op: string, input: Input, region: string, fn: (input: Input, region: string) => Out): Out {
    this.calls.push({ service, op, input, region });
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
    const throttled = this.throttles.get(op) ?? 0;
    if (throttled > 0) {
      this.throttles.set(op, throttled - 1);
      if (service === 'organizations') throw orgError('TooManyRequestsException', 'AWS Organizations can\'t complete your request because another request is already in progress. Try again later.');
      throw cfnError('Throttling', 'Rate exceeded');
    }
    return fn(input, region);
  }

  // ------------------------------------------------------------------------------------------
  // Organizations.

  private describeOrganization(): Out {
    if (!this.accounts.has(this.caller)) throw orgError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
    return { Organization: { Id: this.organizationId, MasterAccountId: this.managementAccountId, FeatureSet: 'ALL', Arn: `arn:aws:organizations::${this.managementAccountId}:organization/${this.organizationId}` } };
  }

  /** Listing the tree needs the management account or a delegated administrator. */
  private orgReader(): void {
    if (this.caller !== this.managementAccountId && !this.delegatedAdmins.has(this.caller)) {
      throw orgError('AccessDeniedException', 'You don\'t have permissions to access this resource.');
    }
  }

  private listRoots(i: Input): Out {
    this.orgReader();
    const p = pageOf([{ Id: this.rootId, Name: 'Root', Arn: `arn:aws:organizations::${this.managementAccountId}:root/${this.organizationId}/${this.rootId}` }], i, this.orgPageSize);
    return { Roots: p.items, NextToken: p.next };
  }

  private parentExists(id: string): void {
    if (!this.childOus.has(id)) throw orgError('ParentNotFoundException', 'We can\'t find a root or OU with the ParentId that you specified.');
  }

  private listOus(i: Input): Out {
    this.orgReader();
    this.parentExists(i.ParentId);
    const ous = this.childOus.get(i.ParentId)!.map((id) => ({ Id: id, Name: this.ous.get(id)!.name }));
    const p = pageOf(ous, i, this.orgPageSize);
    return { OrganizationalUnits: p.items, NextToken: p.next };
  }

  private listAccounts(i: Input): Out {
    this.orgReader();
    this.parentExists(i.ParentId);
    const accounts = this.childAccounts.get(i.ParentId)!.map((id) => {
      const a = this.accounts.get(id)!;
      return { Id: a.id, Name: a.name, Status: a.state, State: a.state, Email: `${a.id}@example.com` };
    });
    const p = pageOf(accounts, i, this.orgPageSize);
    return { Accounts: p.items, NextToken: p.next };
  }

  private listParents(i: Input): Out {
    this.orgReader();
    const child: string = i.ChildId;
    const parent = this.accounts.get(child)?.parentId ?? this.ous.get(child)?.parentId;
    if (!parent) throw orgError('ChildNotFoundException', 'We can\'t find an organizational unit (OU) or AWS account with the ChildId that you specified.');
    return { Parents: [{ Id: parent, Type: parent.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
  }

  // ------------------------------------------------------------------------------------------
  // StackSets: who may call, and as what.

  private checkCallAs(i: Input): void {
    const callAs = i.CallAs ?? 'SELF';
    if (callAs === 'SELF') {
      if (this.caller !== this.managementAccountId) {
        throw cfnError('ValidationError', `Account ${this.caller} is not the management account; service-managed StackSets must be called with CallAs DELEGATED_ADMIN from a delegated administrator account.`);
      }
    } else if (!this.delegatedAdmins.has(this.caller)) {
      throw cfnError('ValidationError', `Account ${this.caller} should have 'Delegated Administrator' role for service principal ${'member.org.stacksets.cloudformation.amazonaws.com'}.`);
    }
    if (this.trustedAccess !== 'ENABLED') throw cfnError('ValidationError', 'You must enable organizations access to operate a service managed stack set');
  }

  private describeOrganizationsAccess(i: Input): Out {
    const callAs = i.CallAs ?? 'SELF';
    if (callAs === 'DELEGATED_ADMIN' && !this.delegatedAdmins.has(this.caller)) {
      throw cfnError('ValidationError', `Account ${this.caller} should have 'Delegated Administrator' role`);
    }
    if (callAs === 'SELF' && this.caller !== this.managementAccountId) throw cfnError('InvalidOperationException', 'Only the management account or a delegated administrator can describe organizations access.');
    return { Status: this.trustedAccess };
  }

  private activateOrganizationsAccess(i: Input): Out {
    if ((i.CallAs ?? 'SELF') !== 'SELF' || this.caller !== this.managementAccountId) throw cfnError('InvalidOperationException', 'Only the management account can activate organizations access.');
    if (this.trustedAccess === 'DISABLED_PERMANENTLY') throw cfnError('InvalidOperationException', 'Organizations access is disabled permanently.');
    this.trustedAccess = 'ENABLED';
    return {};
  }

  private stackSet(i: Input): FakeStackSet {
    this.checkCallAs(i);
    const ss = this.stackSets.get(i.StackSetName);
    if (!ss) throw cfnError('StackSetNotFoundException', `StackSet ${i.StackSetName} not found`);
    return ss;
  }

  private active(ss: FakeStackSet): FakeOperation | undefined {
    return ss.operations.find((o) => o.status === 'RUNNING');
  }

  /** Checks every mutating StackSet call shares: races, a running operation, a reused OperationId. */
  private beforeMutating(ss: FakeStackSet, i: Input): string {
    const race = this.beforeMutation.get(ss.name);
    if (race) {
      this.beforeMutation.delete(ss.name);
      race();
    }
    if (i.OperationId && ss.operations.some((o) => o.id === i.OperationId)) throw cfnError('OperationIdAlreadyExistsException', `The operation ID ${i.OperationId} already exists.`);
    if (this.active(ss)) throw cfnError('OperationInProgressException', `Another Operation on StackSet ${ss.id} is in progress`);
    return i.OperationId ?? `op-${++this.seq}`;
  }

  private describeStackSet(i: Input): Out {
    const ss = this.stackSet(i);
    return {
      StackSet: {
        StackSetName: ss.name,
        StackSetId: ss.id,
        Description: ss.description,
        Status: 'ACTIVE',
        TemplateBody: ss.body,
        Parameters: Object.entries(ss.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
        Capabilities: ss.capabilities,
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: ss.autoDeployment.enabled, RetainStacksOnAccountRemoval: ss.autoDeployment.retain },
        ManagedExecution: { Active: ss.managedExecution },
        OrganizationalUnitIds: [...ss.ous].sort(),
        Regions: [...ss.regions].sort(),
        Tags: Object.entries(ss.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      },
    };
  }

  private listStackSets(i: Input): Out {
    this.checkCallAs(i);
    const all = [...this.stackSets.values()].map((s) => ({ StackSetName: s.name, StackSetId: s.id, Status: 'ACTIVE', PermissionModel: 'SERVICE_MANAGED' }));
    const p = pageOf(all, i, this.cfnPageSize);
    return { Summaries: p.items, NextToken: p.next };
  }

  private applySettings(ss: FakeStackSet, i: Input): void {
    if (i.TemplateBody !== undefined) ss.body = i.TemplateBody;
    if (i.Description !== undefined) ss.description = i.Description;
    if (i.Parameters !== undefined) ss.parameters = params(i.Parameters);
    if (i.Capabilities !== undefined) ss.capabilities = [...i.Capabilities].sort();
    if (i.AutoDeployment !== undefined) ss.autoDeployment = { enabled: Boolean(i.AutoDeployment.Enabled), retain: Boolean(i.AutoDeployment.RetainStacksOnAccountRemoval) };
    if (i.ManagedExecution !== undefined) ss.managedExecution = Boolean(i.ManagedExecution.Active);
    if (i.Tags !== undefined) ss.tags = Object.fromEntries(i.Tags.map((t: Input) => [t.Key, t.Value]));
  }

  private createStackSet(i: Input): Out {
    this.checkCallAs(i);
    if (i.PermissionModel !== 'SERVICE_MANAGED') throw cfnError('ValidationError', 'this fake models SERVICE_MANAGED StackSets only');
    if (this.stackSets.has(i.StackSetName)) throw cfnError('NameAlreadyExistsException', `StackSet ${i.StackSetName} already exists`);
    if (i.AutoDeployment === undefined) throw cfnError('ValidationError', 'AutoDeployment must be specified for SERVICE_MANAGED StackSets');
    const ss: FakeStackSet = {
      name: i.StackSetName,
      id: `${i.StackSetName}:${String(++this.seq).padStart(8, '0')}-0000-0000-0000-000000000000`,
      body: '',
      description: '',
      parameters: {},
      capabilities: [],
      autoDeployment: { enabled: false, retain: false },
      managedExecution: false,
      ous: new Set(),
      regions: new Set(),
      instances: new Map(),
      operations: [],
    };
    this.applySettings(ss, i);
    this.stackSets.set(ss.name, ss);
    return { StackSetId: ss.id };
  }

  private deleteStackSet(i: Input): Out {
    const ss = this.stackSet(i);
    if (ss.instances.size > 0) throw cfnError('StackSetNotEmptyException', `StackSet ${ss.name} is not empty`);
    if (this.active(ss)) throw cfnError('OperationInProgressException', `Another Operation on StackSet ${ss.id} is in progress`);
    this.stackSets.delete(ss.name);
    return {};
  }

  /** Accounts a DeploymentTargets value selects, with the targeted OU each came through. */
  private targetAccounts(t: Input | undefined): Array<{ account: string; ouId: string }> {
    const out = new Map<string, string>();
    for (const ou of (t?.OrganizationalUnitIds ?? []) as string[]) {
      if (!this.childOus.has(ou)) throw cfnError('ValidationError', `OrganizationalUnitIds ${ou} not found in organization`);
      for (const a of this.accountsUnder(ou)) if (a !== this.managementAccountId && !out.has(a)) out.set(a, ou);
    }
    let selected = [...out];
    if (t?.AccountFilterType === 'INTERSECTION') selected = selected.filter(([a]) => (t.Accounts ?? []).includes(a));
    else if (t?.AccountFilterType !== undefined && t.AccountFilterType !== 'NONE') throw cfnError('ValidationError', `AccountFilterType ${t.AccountFilterType} is not modelled`);
    return selected.map(([account, ouId]) => ({ account, ouId })).sort((a, b) => a.account.localeCompare(b.account));
  }

  private startOperation(ss: FakeStackSet, action: FakeOperation['action'], work: WorkItem[], id?: string, i?: Input, foreign = false): FakeOperation {
    const op: FakeOperation = {
      id: id ?? `op-${++this.seq}`,
      action,
      status: 'RUNNING',
      created: new Date(1_700_000_000_000 + ++this.seq * 1000),
      work,
      processed: 0,
      polls: 0,
      results: new Map(work.map((w) => [`${w.account}/${w.region}`, { account: w.account, region: w.region, ouId: w.ouId, status: 'PENDING' }])),
      failed: 0,
      tolerancePct: i?.OperationPreferences?.FailureTolerancePercentage ?? 0,
      preferences: i?.OperationPreferences,
      foreign,
    };
    for (const w of work) if (this.accounts.get(w.account)?.state === 'SUSPENDED') op.results.delete(`${w.account}/${w.region}`);
    ss.operations.push(op);
    return op;
  }

  private createStackInstances(i: Input): Out {
    const ss = this.stackSet(i);
    const id = this.beforeMutating(ss, i);
    const regions: string[] = i.Regions ?? [];
    const targets = this.targetAccounts(i.DeploymentTargets);
    const work: WorkItem[] = [];
    for (const region of regions) for (const t of targets) work.push({ ...t, region, kind: ss.instances.has(`${t.account}/${region}`) ? 'update' : 'create' });
    if (i.DeploymentTargets?.AccountFilterType === undefined) for (const ou of i.DeploymentTargets?.OrganizationalUnitIds ?? []) ss.ous.add(ou);
    for (const r of regions) ss.regions.add(r);
    this.startOperation(ss, 'CREATE', work, id, i);
    return { OperationId: id };
  }

  private deleteStackInstances(i: Input): Out {
    const ss = this.stackSet(i);
    const id = this.beforeMutating(ss, i);
    const regions: string[] = i.Regions ?? [];
    const ous: string[] = i.DeploymentTargets?.OrganizationalUnitIds ?? [];
    const accounts: string[] | undefined = i.DeploymentTargets?.AccountFilterType === 'INTERSECTION' ? i.DeploymentTargets.Accounts : undefined;
    const work: WorkItem[] = [...ss.instances.values()]
      .filter((inst) => regions.includes(inst.region) && ous.includes(inst.ouId) && (!accounts || accounts.includes(inst.account)))
      .map((inst) => ({ account: inst.account, region: inst.region, ouId: inst.ouId, kind: 'delete' as const }));
    if (!accounts) {
      const allOus = [...ss.ous].every((o) => ous.includes(o));
      for (const ou of ous) if (regions.length >= ss.regions.size && [...ss.regions].every((r) => regions.includes(r))) ss.ous.delete(ou);
      if (allOus) for (const r of regions) ss.regions.delete(r);
    }
    this.startOperation(ss, 'DELETE', work, id, i);
    return { OperationId: id };
  }

  private updateStackSet(i: Input): Out {
    const ss = this.stackSet(i);
    const id = this.beforeMutating(ss, i);
    this.applySettings(ss, i);
    const work: WorkItem[] = [...ss.instances.values()]
      .filter((inst) => inst.status !== 'INOPERABLE')
      .sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region))
      .map((inst) => ({ account: inst.account, region: inst.region, ouId: inst.ouId, kind: 'update' as const }));
    for (const inst of ss.instances.values()) if (inst.status === 'CURRENT') inst.status = 'OUTDATED';
    this.startOperation(ss, 'UPDATE', work, id, i);
    return { OperationId: id };
  }

  /** One poll's worth of progress: a share of the work, then the verdict once all is done. */
  private advance(ss: FakeStackSet, op: FakeOperation): void {
    if (op.status !== 'RUNNING') return;
    op.polls++;
    const target = Math.min(op.work.length, Math.ceil((op.work.length * op.polls) / Math.max(1, this.pollsToComplete)));
    const allowed = Math.floor((op.work.length * op.tolerancePct) / 100);
    while (op.processed < target) {
      const w = op.work[op.processed++];
      this.process(ss, op, w);
      if (op.failed > allowed) {
        for (const rest of op.work.slice(op.processed)) {
          const r = op.results.get(`${rest.account}/${rest.region}`);
          if (r) r.status = 'CANCELLED';
          if (r) r.reason = 'Cancelled since failure tolerance has exceeded';
        }
        op.processed = op.work.length;
        break;
      }
    }
    if (op.processed >= op.work.length && op.polls >= this.pollsToComplete) {
      op.status = op.failed > allowed ? 'FAILED' : 'SUCCEEDED';
      op.ended = new Date(op.created.getTime() + op.polls * 1000);
    }
  }

  private process(ss: FakeStackSet, op: FakeOperation, w: WorkItem): void {
    const key = `${w.account}/${w.region}`;
    const result = op.results.get(key);
    if (w.kind === 'drift') {
      const inst = ss.instances.get(key);
      if (inst) Object.assign(inst, { drift: this.instanceDrift.has(`${ss.name}/${key}`) ? 'DRIFTED' : 'IN_SYNC', driftOperationId: op.id });
      if (result) result.status = 'SUCCEEDED';
      return;
    }
    if (this.accounts.get(w.account)?.state === 'SUSPENDED') {
      if (w.kind === 'delete') ss.instances.delete(key);
      else ss.instances.set(key, { account: w.account, region: w.region, ouId: w.ouId, status: 'OUTDATED', detailed: 'SKIPPED_SUSPENDED_ACCOUNT', lastOperationId: op.id });
      return;
    }
    const failure = this.instanceFailures.get(w.account);
    if (failure) {
      op.failed++;
      if (result) Object.assign(result, { status: 'FAILED', reason: failure });
      if (w.kind === 'delete') {
        const inst = ss.instances.get(key);
        if (inst) Object.assign(inst, { status: 'INOPERABLE', detailed: 'INOPERABLE', reason: failure, lastOperationId: op.id });
      } else {
        ss.instances.set(key, { account: w.account, region: w.region, ouId: ss.instances.get(key)?.ouId ?? w.ouId, status: 'OUTDATED', detailed: 'FAILED', reason: failure, lastOperationId: op.id });
      }
      return;
    }
    if (result) result.status = 'SUCCEEDED';
    if (w.kind === 'delete') ss.instances.delete(key);
    else ss.instances.set(key, { account: w.account, region: w.region, ouId: ss.instances.get(key)?.ouId ?? w.ouId, status: 'CURRENT', detailed: 'SUCCEEDED', lastOperationId: op.id });
  }

  private operation(ss: FakeStackSet, id: string): FakeOperation {
    const op = ss.operations.find((o) => o.id === id);
    if (!op) throw cfnError('OperationNotFoundException', `Operation ${id} not found`);
    return op;
  }

  private describeStackSetOperation(i: Input): Out {
    const ss = this.stackSet(i);
    const op = this.operation(ss, i.OperationId);
    this.advance(ss, op);
    return {
      StackSetOperation: {
        OperationId: op.id,
        StackSetId: ss.id,
        Action: op.action,
        Status: op.status,
        OperationPreferences: op.preferences,
        CreationTimestamp: op.created,
        EndTimestamp: op.ended,
        StatusDetails: { FailedStackInstancesCount: op.failed },
      },
    };
  }

  private listStackSetOperations(i: Input): Out {
    const ss = this.stackSet(i);
    const newestFirst = [...ss.operations].reverse().map((o) => ({ OperationId: o.id, Action: o.action, Status: o.status, CreationTimestamp: o.created, EndTimestamp: o.ended }));
    const p = pageOf(newestFirst, i, Math.min(100, this.cfnPageSize));
    return { Summaries: p.items, NextToken: p.next };
  }

  private listStackSetOperationResults(i: Input): Out {
    const ss = this.stackSet(i);
    const op = this.operation(ss, i.OperationId);
    let rows = [...op.results.values()];
    const filter = (i.Filters ?? []).find((f: Input) => f.Name === 'OPERATION_RESULT_STATUS');
    if (filter) rows = rows.filter((r) => r.status === filter.Values);
    const p = pageOf(rows, i, Math.min(100, this.cfnPageSize));
    return {
      Summaries: p.items.map((r) => ({ Account: r.account, Region: r.region, OrganizationalUnitId: r.ouId, Status: r.status, StatusReason: r.reason })),
      NextToken: p.next,
    };
  }

  private listStackInstances(i: Input): Out {
    const ss = this.stackSet(i);
    let rows = [...ss.instances.values()].sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
    for (const f of (i.Filters ?? []) as Input[]) {
      if (f.Name === 'DETAILED_STATUS') rows = rows.filter((r) => r.detailed === f.Values);
      else if (f.Name === 'DRIFT_STATUS') rows = rows.filter((r) => (r.drift ?? 'NOT_CHECKED') === f.Values);
      else if (f.Name === 'LAST_OPERATION_ID') rows = rows.filter((r) => r.lastOperationId === f.Values);
    }
    if (i.StackInstanceAccount) rows = rows.filter((r) => r.account === i.StackInstanceAccount);
    if (i.StackInstanceRegion) rows = rows.filter((r) => r.region === i.StackInstanceRegion);
    const p = pageOf(rows, i, Math.min(100, this.cfnPageSize));
    return {
      Summaries: p.items.map((r) => ({
        StackSetId: ss.id,
        Account: r.account,
        Region: r.region,
        OrganizationalUnitId: r.ouId,
        Status: r.status,
        StatusReason: r.reason,
        StackInstanceStatus: { DetailedStatus: r.detailed },
        LastOperationId: r.lastOperationId,
        DriftStatus: r.drift ?? 'NOT_CHECKED',
      })),
      NextToken: p.next,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Stacks and change sets.

  private findStack(nameOrId: string, region: string): FakeStack | undefined {
    return this.stacksById.get(nameOrId) ?? this.stacks.get(`${region}/${nameOrId}`);
  }

  private mustStack(nameOrId: string, region: string): FakeStack {
    const s = this.findStack(nameOrId, region);
    if (!s) throw cfnError('ValidationError', `Stack with id ${nameOrId} does not exist`);
    return s;
  }

  private event(s: FakeStack, logicalId: string, status: string, reason?: string, token?: string): void {
    s.events.unshift({
      StackId: s.id,
      StackName: s.name,
      EventId: `${logicalId}-${++this.seq}`,
      LogicalResourceId: logicalId,
      ResourceStatus: status as C.ResourceStatus,
      ResourceStatusReason: reason,
      ResourceType: logicalId === s.name ? 'AWS::CloudFormation::Stack' : 'AWS::Resource',
      Timestamp: new Date(1_700_000_000_000 + this.seq * 1000),
      ClientRequestToken: token,
    });
  }

  private advanceStack(s: FakeStack): void {
    if (!s.pending) return;
    s.polls++;
    if (s.polls < this.stackPolls) return;
    const p = s.pending;
    s.pending = undefined;
    if (p.kind === 'delete') {
      s.status = 'DELETE_COMPLETE';
      this.event(s, s.name, 'DELETE_COMPLETE', undefined, p.token);
      this.stacks.delete(`${s.region}/${s.name}`);
      return;
    }
    const failure = this.stackFailures.get(s.name);
    if (failure) {
      this.stackFailures.delete(s.name);
      this.event(s, failure.logicalId, p.kind === 'create' ? 'CREATE_FAILED' : 'UPDATE_FAILED', failure.reason, p.token);
      this.event(s, 'Other', p.kind === 'create' ? 'CREATE_FAILED' : 'UPDATE_FAILED', 'Resource creation cancelled', p.token);
      s.status = p.kind === 'create' ? 'ROLLBACK_COMPLETE' : 'UPDATE_ROLLBACK_COMPLETE';
      s.reason = 'The following resource(s) failed: [' + failure.logicalId + ']';
      this.event(s, s.name, s.status, undefined, p.token);
      return;
    }
    s.body = p.body;
    s.parameters = p.parameters;
    s.status = p.kind === 'create' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
    for (const [logicalId, r] of Object.entries((JSON.parse(s.body || '{}') as { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> }).Resources ?? {})) {
      if (r.Type === 'AWS::S3::Bucket') this.buckets.add(this.physicalId(s, logicalId, r));
    }
    s.reason = undefined;
    this.event(s, s.name, s.status, undefined, p.token);
  }

  private describeStacks(i: Input, region: string): Out {
    // "if no stack name was specified, then it returns the description for all the stacks created" (API reference, DescribeStacks).
    if (!i.StackName) {
      const all = [...this.stacks.values()].filter((x) => x.region === region);
      const p = pageOf(all, i, this.cfnPageSize);
      return { Stacks: p.items.map((x) => this.stackRow(x)), NextToken: p.next };
    }
    const s = this.mustStack(i.StackName, region);
    this.advanceStack(s);
    return { Stacks: [this.stackRow(s)] };
  }

  /** The buckets the CI account holds: every BucketName in any stack ever created (buckets are retained). */
  readonly buckets = new Set<string>();

  private stackRow(s: FakeStack): Out {
    return {
          StackId: s.id,
          StackName: s.name,
          StackStatus: s.status,
          StackStatusReason: s.reason,
          Parameters: Object.entries(s.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
          EnableTerminationProtection: s.protection,
          CreationTime: new Date(1_700_000_000_000),
          Outputs: this.outputs(s),
          Tags: Object.entries(s.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        };
  }

  /** Outputs named in the deployed template, with made-up ARN-like values. */
  private outputs(s: FakeStack): C.Output[] {
    let keys: string[] = [];
    try {
      keys = Object.keys((JSON.parse(s.body || '{}') as { Outputs?: object }).Outputs ?? {});
    } catch {
      keys = [];
    }
    return keys.map((k) => ({ OutputKey: k, OutputValue: `arn:aws:fake:${s.region}:${this.caller}:${s.name}/${k}` }));
  }

  private getTemplate(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    return { TemplateBody: s.body, StagesAvailable: ['Original', 'Processed'] };
  }

  private createChangeSet(i: Input, region: string): Out {
    let s = this.findStack(i.StackName, region);
    if (s && s.status === 'DELETE_COMPLETE') s = undefined;
    if (i.ChangeSetType === 'CREATE') {
      if (s && s.status !== 'REVIEW_IN_PROGRESS') throw cfnError('AlreadyExistsException', `Stack [${i.StackName}] already exists`);
      if (!s) {
        const id = `arn:aws:cloudformation:${region}:${this.caller}:stack/${i.StackName}/${String(++this.seq).padStart(8, '0')}`;
        s = { id, name: i.StackName, region, status: 'REVIEW_IN_PROGRESS', body: '', parameters: {}, protection: false, events: [], changeSets: new Map(), polls: 0 };
        this.stacks.set(`${region}/${s.name}`, s);
        this.stacksById.set(id, s);
      }
    } else if (!s) {
      throw cfnError('ValidationError', `Stack [${i.StackName}] does not exist`);
    }
    if (s.changeSets.has(i.ChangeSetName)) throw cfnError('AlreadyExistsException', `ChangeSet ${i.ChangeSetName} already exists`);
    const cs: ChangeSet = { name: i.ChangeSetName, id: `${s.id}/changeSet/${i.ChangeSetName}`, type: i.ChangeSetType ?? 'UPDATE', status: 'CREATE_PENDING', body: i.TemplateBody, parameters: params(i.Parameters), tags: Object.fromEntries((i.Tags ?? []).map((t: Input) => [t.Key, t.Value])), polls: 0 };
    s.changeSets.set(cs.name, cs);
    return { Id: cs.id, StackId: s.id };
  }

  private changeSet(i: Input, region: string): { s: FakeStack; cs: ChangeSet } {
    const s = this.mustStack(i.StackName, region);
    const cs = s.changeSets.get(i.ChangeSetName);
    if (!cs) throw cfnError('ChangeSetNotFoundException', `ChangeSet [${i.ChangeSetName}] does not exist`);
    return { s, cs };
  }

  private describeChangeSet(i: Input, region: string): Out {
    const { s, cs } = this.changeSet(i, region);
    if (cs.status === 'CREATE_PENDING' && ++cs.polls >= this.stackPolls) {
      const same = cs.type === 'UPDATE' && cs.body === s.body && JSON.stringify(cs.parameters) === JSON.stringify(s.parameters);
      cs.status = same ? 'FAILED' : 'CREATE_COMPLETE';
      if (same) cs.reason = "The submitted information didn't contain changes. Submit different information to create a change set.";
    }
    return { ChangeSetName: cs.name, ChangeSetId: cs.id, StackId: s.id, StackName: s.name, Status: cs.status, StatusReason: cs.reason, ExecutionStatus: cs.status === 'CREATE_COMPLETE' ? 'AVAILABLE' : 'UNAVAILABLE' };
  }

  private deleteChangeSet(i: Input, region: string): Out {
    const { s, cs } = this.changeSet(i, region);
    s.changeSets.delete(cs.name);
    return {};
  }

  private executeChangeSet(i: Input, region: string): Out {
    const { s, cs } = this.changeSet(i, region);
    if (cs.status !== 'CREATE_COMPLETE') throw cfnError('InvalidChangeSetStatusException', `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`);
    const kind = cs.type === 'CREATE' ? 'create' : 'update';
    s.status = kind === 'create' ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS';
    s.pending = { kind, body: cs.body, parameters: cs.parameters, token: i.ClientRequestToken };
    // CreateChangeSet Tags: "Key-value pairs to associate with this stack" (API reference, CreateChangeSet).
    s.tags = cs.tags;
    s.polls = 0;
    s.changeSets.clear();
    this.event(s, s.name, s.status, 'User Initiated', i.ClientRequestToken);
    return {};
  }

  private deleteStack(i: Input, region: string): Out {
    const s = this.findStack(i.StackName, region);
    if (!s || s.status === 'DELETE_COMPLETE') return {};
    if (s.protection) throw cfnError('ValidationError', `Stack [${s.name}] cannot be deleted while TerminationProtection is enabled`);
    s.status = 'DELETE_IN_PROGRESS';
    s.pending = { kind: 'delete', body: s.body, parameters: s.parameters, token: i.ClientRequestToken };
    s.polls = 0;
    return {};
  }

  private updateTerminationProtection(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    s.protection = Boolean(i.EnableTerminationProtection);
    return { StackId: s.id };
  }

  private describeStackEvents(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    const p = pageOf(s.events, i, this.cfnPageSize);
    return { StackEvents: p.items, NextToken: p.next };
  }

  // ------------------------------------------------------------------------------------------
  // Stack resources and drift.

  /** `Fn::Sub` with the stack's parameters and the pseudo parameters a name uses; other values as they are. */
  private resolveName(value: unknown, s: FakeStack): string | undefined {
    if (typeof value === 'string') return value;
    const sub = (value as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
    if (typeof sub !== 'string') return undefined;
    const vars: Record<string, string> = { ...s.parameters, 'AWS::AccountId': this.caller, 'AWS::Region': s.region, 'AWS::StackName': s.name };
    return sub.replace(/\$\{([^}]+)\}/g, (m, k: string) => vars[k] ?? m);
  }

  private physicalId(s: FakeStack, logicalId: string, r: { Type?: string; Properties?: Record<string, unknown> }): string {
    const named = r.Type === 'AWS::S3::Bucket' ? r.Properties?.BucketName : r.Type === 'AWS::Logs::LogGroup' ? r.Properties?.LogGroupName : undefined;
    const name = this.resolveName(named, s);
    if (name) return name;
    if (r.Type === 'AWS::KMS::Key' || r.Type === 'AWS::KMS::ReplicaKey') {
      const hex = [...`${s.id}/${logicalId}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7).toString(16).padStart(8, '0');
      return `mrk-${hex}${'0'.repeat(24)}`;
    }
    return `${s.name}-${logicalId}`;
  }

  private listStackResources(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    let resources: Record<string, { Type?: string; Properties?: Record<string, unknown> }> = {};
    try {
      resources = (JSON.parse(s.body || '{}') as { Resources?: typeof resources }).Resources ?? {};
    } catch {
      resources = {};
    }
    const rows = Object.entries(resources).map(([logicalId, r]) => ({
      LogicalResourceId: logicalId,
      PhysicalResourceId: this.physicalId(s, logicalId, r),
      ResourceType: r.Type,
      ResourceStatus: 'CREATE_COMPLETE',
      LastUpdatedTimestamp: new Date(1_700_000_000_000),
    }));
    const p = pageOf(rows, i, this.cfnPageSize);
    return { StackResourceSummaries: p.items, NextToken: p.next };
  }

  private detectStackSetDrift(i: Input): Out {
    const ss = this.stackSet(i);
    const id = this.beforeMutating(ss, i);
    const work: WorkItem[] = [...ss.instances.values()]
      .filter((inst) => inst.status !== 'INOPERABLE')
      .sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region))
      .map((inst) => ({ account: inst.account, region: inst.region, ouId: inst.ouId, kind: 'drift' as const }));
    this.startOperation(ss, 'DETECT_DRIFT', work, id, i);
    return { OperationId: id };
  }

  private driftRows(resources: FakeDriftedResource[], filter: string[] | undefined, stackId: string, physical: (r: FakeDriftedResource) => string): Out[] {
    return resources
      .filter((r) => !filter || filter.includes(r.status))
      .map((r) => ({
        StackId: stackId,
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: physical(r),
        ResourceType: r.type,
        StackResourceDriftStatus: r.status,
        PropertyDifferences: (r.differences ?? []).map((d) => ({ PropertyPath: d.path, ExpectedValue: d.expected, ActualValue: d.actual, DifferenceType: 'NOT_EQUAL' })),
        Timestamp: new Date(1_700_000_000_000),
      }));
  }

  private listStackInstanceResourceDrifts(i: Input): Out {
    const ss = this.stackSet(i);
    this.operation(ss, i.OperationId);
    const key = `${i.StackInstanceAccount}/${i.StackInstanceRegion}`;
    const inst = ss.instances.get(key);
    if (!inst) throw cfnError('StackInstanceNotFoundException', `Stack instance ${key} of StackSet ${ss.name} not found`);
    const resources = inst.drift === 'DRIFTED' ? (this.instanceDrift.get(`${ss.name}/${key}`) ?? []) : [];
    const rows = this.driftRows(resources, i.StackInstanceResourceDriftStatuses, `arn:aws:cloudformation:${inst.region}:${inst.account}:stack/StackSet-${ss.name}/fake`, (r) => `${r.logicalId}-${inst.account}`);
    const p = pageOf(rows, i, Math.min(100, this.cfnPageSize));
    return { Summaries: p.items, NextToken: p.next };
  }

  private readonly lastStackDrift = new Map<string, FakeDriftedResource[]>();

  private detectStackDrift(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    if (s.pending) throw cfnError('ValidationError', `Drift detection cannot be performed on stack [${s.name}] in status ${s.status}`);
    const id = `00000000-0000-0000-0000-${String(++this.seq).padStart(12, '0')}`;
    this.stackDriftDetections.set(id, { stack: s, polls: 0, resources: this.stackDrift.get(`${region}/${s.name}`) ?? [] });
    return { StackDriftDetectionId: id };
  }

  private describeStackDriftDetectionStatus(i: Input): Out {
    const d = this.stackDriftDetections.get(i.StackDriftDetectionId);
    if (!d) throw cfnError('ValidationError', `Drift detection ${i.StackDriftDetectionId} does not exist`);
    const done = ++d.polls >= this.stackPolls;
    if (done) this.lastStackDrift.set(d.stack.id, d.resources);
    return {
      StackId: d.stack.id,
      StackDriftDetectionId: i.StackDriftDetectionId,
      DetectionStatus: done ? 'DETECTION_COMPLETE' : 'DETECTION_IN_PROGRESS',
      ...(done ? { StackDriftStatus: d.resources.length > 0 ? 'DRIFTED' : 'IN_SYNC', DriftedStackResourceCount: d.resources.length } : {}),
      Timestamp: new Date(1_700_000_000_000),
    };
  }

  private describeStackResourceDrifts(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    const rows = this.driftRows(this.lastStackDrift.get(s.id) ?? [], i.StackResourceDriftStatusFilters, s.id, (r) => `${s.name}-${r.logicalId}`);
    const p = pageOf(rows, i, this.cfnPageSize);
    return { StackResourceDrifts: p.items, NextToken: p.next };
  }
}

export const CI_ACCOUNT = '222222222222';
export const SOURCE_ACCOUNT = '333333333333';

/**
 * The organization most tests use: management account at the root, CI and source accounts in
 * Root/Infrastructure, `accounts` workload accounts spread over nested OUs
 * (Root/Workloads/NonProd[/TeamA], Root/Workloads/Prod[/Payments]) and Root/Sandbox.
 */
export function standardOrg(o: FakeOptions & { accounts?: number; suspended?: number } = {}): FakeAws {
  const fake = new FakeAws(o);
  const infra = fake.ou('Root/Infrastructure');
  fake.addAccount(infra, CI_ACCOUNT, 'ACTIVE', 'ci');
  fake.addAccount(infra, SOURCE_ACCOUNT, 'ACTIVE', 'source');
  const homes = [fake.ou('Root/Workloads/NonProd'), fake.ou('Root/Workloads/NonProd/TeamA'), fake.ou('Root/Workloads/Prod'), fake.ou('Root/Workloads/Prod/Payments'), fake.ou('Root/Sandbox')];
  fake.ou('Root/Security');
  const n = o.accounts ?? 50;
  const suspended = o.suspended ?? 0;
  for (let i = 0; i < n; i++) {
    const isSuspended = i >= n - suspended;
    // Suspended accounts sit in Root/Workloads/Prod, a target OU, where StackSets must skip them.
    fake.addAccount(isSuspended ? homes[2] : homes[i % homes.length], String(400000000000 + i), isSuspended ? 'SUSPENDED' : 'ACTIVE');
  }
  fake.caller = CI_ACCOUNT;
  fake.delegatedAdmins.add(CI_ACCOUNT);
  return fake;
}
