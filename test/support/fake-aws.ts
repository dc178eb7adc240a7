/**
 * A stateful in-memory AWS Organization that answers the SDK at the HTTP request-handler level:
 * Organizations, STS, CloudFormation (stacks, change sets, service-managed StackSets and their
 * operations) and S3 PutObject and HeadObject. Real SDK clients send real requests to it (`fake.clients(...)`, or
 * `fake.listen()` for the CLI over HTTP), so the SDK's serializers, retry strategy and adaptive rate
 * limiter and xacct's own middleware all run. Every request is recorded (`calls`) and counted by
 * operation. The wire protocols are in fake-wire.ts, templates and parameters in fake-templates.ts,
 * S3 in fake-s3.ts. Each behaviour names the API reference page it follows.
 *
 * WHERE IT IS SIMPLER THAN AWS:
 * - Time does not pass on its own. Each DescribeStackSetOperation call on any operation of a StackSet
 *   is one step for every running operation of that StackSet; an operation finishes after
 *   `pollsToComplete` steps. A stack or change set finishes after `stackPolls` DescribeStacks /
 *   DescribeChangeSet calls. Timestamps come from one counter. With a `latency` model (the
 *   benchmarks), time is virtual instead: every request takes `requestMs`, an operation runs its
 *   instances in waves of as many as its preferences allow, each wave `instanceMs`, and stacks and
 *   change sets finish after their stated durations (see LatencyModel).
 * - Managed execution: which operations "conflict" is not documented. Here UpdateStackSet and
 *   DetectStackSetDrift conflict with everything, CreateStackInstances / DeleteStackInstances with
 *   operations sharing an account and region. A queued operation takes its settings and targets
 *   when it starts, not when it was requested. Changing ManagedExecution while operations run or
 *   wait is refused with ValidationError (the exception name is not documented).
 * - Failure tolerance is judged once per operation across all regions, not per region; instances
 *   not yet processed when it is exceeded become CANCELLED. Region concurrency, MaxConcurrent and
 *   RegionOrder are recorded, not simulated; instances are processed in account order.
 * - A suspended account's instance gets OUTDATED / SKIPPED_SUSPENDED_ACCOUNT and no result row.
 * - Stack instances have no real stacks behind them, only the names they hold: an instance whose
 *   template names an IAM role, managed policy, instance profile, SSM parameter or export that
 *   another instance in the same account holds fails: another StackSet's, or the same StackSet's in
 *   another region (IAM names per account, parameters and exports per account and region); central stacks are not counted, and a deleted instance's
 *   names are free again, also those of resources its template retains. Parameter overrides, AccountsUrl,
 *   UNION/DIFFERENCE filters, UpdateStackSet with DeploymentTargets, StopStackSetOperation and
 *   self-managed StackSets are not modelled.
 * - Drift is injected, not detected: driftInstance() / driftStack() name the resources that differ.
 * - Templates are read for Parameters, Resources and Outputs only; resource properties are not
 *   validated. Change sets compare template text, parameters and tags. Resources exist as far as
 *   ListStackResources, outputs, exports and S3 buckets need: physical IDs from the name property
 *   with intrinsics resolved, ARNs in each service's format for buckets, keys and roles, made-up ones
 *   otherwise. UpdateStackSet without a value for a parameter that has no Default is refused, as an
 *   update of a stack would be (the StackSet API reference does not say).
 * - S3 (fake-s3.ts): one version per key, only explicit Denys in bucket policies are evaluated, and
 *   buckets a stack created outlive the stack.
 * - Signatures are not checked; the credential scope says which service and region a request is for.
 * - Error messages are close to AWS's wording but not verbatim; exception names and HTTP statuses
 *   are the SDK model's.
 * - Lists are instantly consistent and in a stable order (ListStackSetOperations newest first)
 *   unless `listLag` / `shuffleSeed` ask for AWS's eventual consistency and absent order guarantee.
 * - Pages are small (orgPageSize, cfnPageSize) to make every caller follow NextToken.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { HttpRequest } from '@smithy/core/protocols';
import type { HttpHandlerOptions, HttpRequest as IHttpRequest } from '@smithy/types';
import { AwsOptions, Clients, createClients } from '../../deploy/aws';
import { encodeFault, encodeOutput, FakeFault, parseRequest, Service, WireRequest } from './fake-wire';
import { FakeS3, PolicyStatement, PutObjectInput } from './fake-s3';
import { parametersFor, parseTemplate, Template, templateOf } from './fake-templates';
import type { Json } from './json';

type Input = Record<string, Json>;
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
  /** List calls see the state as it was this many calls ago (0: at once). */
  listLag?: number;
  /** List calls return items in an order fixed by this seed, not by creation or name. */
  shuffleSeed?: number;
  /** Durations on a virtual clock instead of poll counts (bench/first-deploy.ts). */
  latency?: LatencyModel;
}

/**
 * How long things take, on a virtual clock the caller drives (bench/virtual-time.ts). Only
 * what finishes when changes: statuses, results and verdicts are those of the poll-count model.
 */
export interface LatencyModel {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Every request, before it is answered. */
  requestMs: number;
  /** One stack instance of a StackSet operation (a wave takes this long). */
  instanceMs: number;
  /** The most instances one operation deploys at once in a region, whatever its preferences. */
  maxConcurrentInstances: number;
  /** From CreateChangeSet to CREATE_COMPLETE. */
  changeSetMs: number;
  /** From ExecuteChangeSet (or DeleteStack) to the stack's final status, by stack name. */
  stackMs(name: string, kind: 'create' | 'update' | 'delete'): number;
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

interface ResultRow {
  account: string;
  region: string;
  ouId: string;
  status: string;
  reason?: string;
}

export interface FakeOperation {
  id: string;
  action: 'CREATE' | 'UPDATE' | 'DELETE' | 'DETECT_DRIFT';
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';
  /** Every status it has had, in order: what a test asserts QUEUED -> RUNNING -> SUCCEEDED with. */
  history: string[];
  created: Date;
  ended?: Date;
  work: WorkItem[];
  processed: number;
  polls: number;
  results: Map<string, ResultRow>;
  failed: number;
  tolerancePct: number;
  preferences?: Input;
  foreign: boolean;
  /** What it touches, for managed execution: every instance, or these `account/region` keys. */
  scope: 'all' | Set<string>;
  /** Applies the request and lists the work; run when the operation leaves the queue. */
  start?: () => WorkItem[];
  /** With a latency model: when it started running and how long it takes. */
  startedAt?: number;
  durationMs?: number;
}

export type Tag = { Key: string; Value: string };

export interface FakeStackSet {
  name: string;
  id: string;
  body: string;
  description: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Tag[];
  autoDeployment: { enabled: boolean; retain: boolean };
  managedExecution: boolean;
  ous: Set<string>;
  /**
   * OUs named with an account filter (AccountFilterType INTERSECTION): auto-deployment still acts on
   * them, "Automatic deployments do not consider account level targeting filters" ("Enable or disable
   * automatic deployments for StackSets in AWS Organizations").
   */
  filteredOus: Set<string>;
  regions: Set<string>;
  instances: Map<string, Instance>;
  operations: FakeOperation[];
}

interface ChangeSet {
  name: string;
  id: string;
  type: 'CREATE' | 'UPDATE';
  status: string;
  reason?: string;
  body: string;
  parameters: Record<string, string>;
  tags: Tag[];
  polls: number;
  createdAt?: number;
}

export interface FakeStack {
  id: string;
  name: string;
  region: string;
  status: string;
  reason?: string;
  body: string;
  parameters: Record<string, string>;
  tags: Tag[];
  protection: boolean;
  events: StackEvent[];
  changeSets: Map<string, ChangeSet>;
  polls: number;
  pending?: { kind: 'create' | 'update' | 'delete'; body: string; parameters: Record<string, string>; tags: Tag[]; token?: string; since?: number };
}

export interface FakeDriftedResource {
  logicalId: string;
  type: string;
  status: 'MODIFIED' | 'DELETED';
  differences?: Array<{ path: string; expected: string; actual: string }>;
}

/** What a list call sees of one StackSet: copies, so a lagging view does not change under it. */
interface StackSetView {
  summary: Out;
  operations: Out[];
  instances: Instance[];
  results: { get(operationId: string): ResultRow[] | undefined };
}

/** Calls that change something; a no-op deploy makes none of them. */
export const MUTATING = /^(Create|Update|Delete|Execute|Activate|Deactivate|Stop|Import|Register|Put)/;

/** Credentials the fake's clients sign with: any will do, the fake reads only the credential scope. */
export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret' };

/** The property that names a resource of each type (resource type reference pages), for physical IDs. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::CodePipeline::Pipeline': 'Name',
  'AWS::CodeBuild::Project': 'Name',
  'AWS::SSM::Parameter': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::CodeArtifact::Domain': 'DomainName',
  'AWS::CodeArtifact::Repository': 'RepositoryName',
};

/** Stack statuses that take an update (CreateChangeSet: "Stack ... is in X state and can not be updated" otherwise). */
const UPDATABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

function pageOf<T>(items: T[], input: Input, max: number): { items: T[]; next?: string } {
  const start = input.NextToken ? Number(input.NextToken) : 0;
  const size = Math.min(max, input.MaxResults ?? max);
  const slice = items.slice(start, start + size);
  return { items: slice, next: start + size < items.length ? String(start + size) : undefined };
}

const fault = (name: string, message: string, status?: number) => new FakeFault(name, message, status);
const paramList = (p: Record<string, string>) => Object.entries(p).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
const tagList = (tags: Input[] | undefined): Tag[] => (tags ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? '') }));
const sameTags = (a: Tag[], b: Tag[]) =>
  JSON.stringify([...a].sort((x, y) => x.Key.localeCompare(y.Key))) === JSON.stringify([...b].sort((x, y) => x.Key.localeCompare(y.Key)));

/** A stable pseudo-random rank for `key` under `seed` (FNV-1a), so a shuffled list pages consistently. */
function rank(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (const c of key) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

let installed: FakeAws | undefined;

/** The organization `install()` made current: the harnesses in test/support send to it. */
export function installedFake(): FakeAws {
  if (!installed) throw new Error('no in-memory organization installed: call standardOrg().install() first');
  return installed;
}

export class FakeAws {
  readonly organizationId: string;
  readonly rootId: string;
  readonly managementAccountId: string;
  pollsToComplete: number;
  stackPolls: number;
  orgPageSize: number;
  cfnPageSize: number;
  trustedAccess: 'ENABLED' | 'DISABLED' | 'DISABLED_PERMANENTLY';
  listLag: number;
  shuffleSeed?: number;
  latency?: LatencyModel;

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
  readonly s3 = new FakeS3();

  readonly calls: Array<{ service: Service; op: string; input: Input; region: string }> = [];
  private readonly counts = new Map<string, number>();

  /** `account/scope/name` -> the StackSet whose stack in that account holds a named resource or export. */
  readonly namedResources = new Map<string, string>();
  /** The keys of namedResources each stack instance holds (`name\naccount\nregion`). */
  private readonly claims = new Map<string, Set<string>>();
  /** The region of the instance holding each key of namedResources. */
  private readonly holderRegion = new Map<string, string>();
  /** Template bodies as parsed, by body: every instance of an operation reads the same one. */
  private readonly parsed = new Map<string, ReturnType<typeof parseTemplate>>();
  /** account -> AWS reason: every operation on that account's instances fails with it. */
  readonly instanceFailures = new Map<string, string>();
  /** stack name -> the resource that fails on the next execution. */
  readonly stackFailures = new Map<string, { logicalId: string; reason: string }>();
  /** `stackSet/account/region` -> resources that differ from the template in that instance. */
  readonly instanceDrift = new Map<string, FakeDriftedResource[]>();
  /** `region/stack` -> resources that differ in that stack. */
  readonly stackDrift = new Map<string, FakeDriftedResource[]>();
  private readonly stackDriftDetections = new Map<string, { stack: FakeStack; polls: number; resources: FakeDriftedResource[] }>();
  private readonly lastStackDrift = new Map<string, FakeDriftedResource[]>();
  private readonly injected = new Map<string, Array<{ times: number; make: (service: Service) => FakeFault }>>();
  private readonly beforeMutation = new Map<string, () => void>();
  /** Snapshots for lagging lists: the oldest is what a list call sees. */
  private readonly views: Array<Map<string, StackSetView>> = [];
  private seq = 0;
  private server?: Server;

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
    this.listLag = o.listLag ?? 0;
    this.shuffleSeed = o.shuffleSeed;
    this.latency = o.latency;
    this.caller = this.managementAccountId;
    this.childOus.set(this.rootId, []);
    this.childAccounts.set(this.rootId, []);
    this.accounts.set(this.managementAccountId, { id: this.managementAccountId, name: 'management', parentId: this.rootId, state: 'ACTIVE' });
    this.childAccounts.get(this.rootId)!.push(this.managementAccountId);
  }

  // ------------------------------------------------------------------------------------------
  // Building the organization.

  /** A new OU under `parentId`; `id` gives it a chosen ID (a config that names an OU by ID), else the next in sequence. */
  addOu(parentId: string, name: string, id = `ou-${this.rootId.slice(2)}-${String(this.ous.size + 1).padStart(8, '0')}`): string {
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

  /**
   * Add an account; StackSets with auto-deployment targeting an ancestor OU deploy to it at once
   * (AutoDeployment, Enabled: StackSets deploys additional stack instances to accounts added to a target OU),
   * also an OU that was named only with an account filter.
   */
  addAccount(parentId: string, id: string, state: FakeAccount['state'] = 'ACTIVE', name = `account-${id}`): string {
    this.accounts.set(id, { id, name, parentId, state });
    this.childAccounts.get(parentId)!.push(id);
    for (const ss of this.stackSets.values()) {
      if (!ss.autoDeployment.enabled) continue;
      const target = this.ancestors(parentId).find((a) => ss.ous.has(a) || ss.filteredOus.has(a));
      if (!target) continue;
      for (const region of ss.regions) ss.instances.set(`${id}/${region}`, { account: id, region, ouId: target, status: 'CURRENT', detailed: 'SUCCEEDED' });
    }
    return id;
  }

  /**
   * Move an account to another OU, as MoveAccount would. What auto-deployment does on a move (delete
   * in the old OU's StackSets, create in the new one's) is not modelled, so an account that has
   * instances is refused: move accounts before deploying.
   */
  moveAccount(id: string, parentId: string): void {
    const a = this.accounts.get(id)!;
    if ([...this.stackSets.values()].some((ss) => [...ss.instances.values()].some((i) => i.account === id)))
      throw new Error(`moveAccount: ${id} has stack instances; moves are not modelled after a deploy`);
    this.childAccounts.set(
      a.parentId,
      this.childAccounts.get(a.parentId)!.filter((x) => x !== id),
    );
    this.childAccounts.get(parentId)!.push(id);
    a.parentId = parentId;
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

  /** The next `times` requests for `op` fail with the service's throttling error (the SDK retries them). */
  throttle(op: string, times: number): void {
    this.failNext(op, times, (service) =>
      // Organizations: TooManyRequestsException; CloudFormation and STS: Throttling "Rate exceeded"; S3: SlowDown 503.
      service === 'organizations'
        ? fault('TooManyRequestsException', "AWS Organizations can't complete your request because another request is already in progress. Try again later.")
        : service === 's3'
          ? fault('SlowDown', 'Please reduce your request rate.', 503)
          : fault('Throttling', 'Rate exceeded'),
    );
  }

  /** The next `times` requests for `op` fail with `make(service)` (e.g. a 500 InternalFailure the SDK retries). */
  failNext(op: string, times: number, make: (service: Service) => FakeFault): void {
    this.injected.set(op, [...(this.injected.get(op) ?? []), { times, make }]);
  }

  /** Start an operation that is not ours on a StackSet (someone else's deploy). It queues behind running ones under managed execution. */
  startForeignOperation(stackSetName: string): FakeOperation {
    const ss = this.stackSets.get(stackSetName)!;
    return this.newOperation(ss, 'UPDATE', 'all', () => [], undefined, undefined, true);
  }

  /** Just before the next mutating call on `stackSetName`, someone else starts an operation. */
  raceNextMutation(stackSetName: string): void {
    this.beforeMutation.set(stackSetName, () => this.startForeignOperation(stackSetName));
  }

  /** Someone else's update of a stack is in progress; it completes, unchanged, after `stackPolls` DescribeStacks. */
  startForeignStackUpdate(region: string, name: string): FakeStack {
    const s = this.stack(region, name)!;
    s.status = 'UPDATE_IN_PROGRESS';
    s.pending = { kind: 'update', body: s.body, parameters: s.parameters, tags: s.tags, token: 'foreign-update', since: this.latency?.now() };
    s.polls = 0;
    this.event(s, s.name, s.status, 'User Initiated', 'foreign-update');
    return s;
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
  // Wiring: the SDK's requestHandler, clients that use it, an HTTP endpoint for the CLI.

  /** A requestHandler for SDK clients (@smithy/types HttpHandler): every request is answered here. */
  handler() {
    return {
      handle: (request: IHttpRequest, options?: HttpHandlerOptions) => this.handle(request, options),
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
  }

  /** xacct's clients (deploy/aws.ts) sending to this organization. */
  clients(o: Omit<AwsOptions, 'requestHandler' | 'credentials'>): Clients {
    return createClients({ ...o, requestHandler: this.handler(), credentials: FAKE_CREDENTIALS });
  }

  /** Make this the organization the harnesses send to. */
  install(): this {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the harnesses find the organization through this module-level slot, one at a time
    installed = this;
    return this;
  }

  async restore(): Promise<void> {
    if (installed === this) installed = undefined;
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** An HTTP endpoint on localhost answering like AWS, for the CLI's `--endpoint-url`. */
  async listen(): Promise<string> {
    if (!this.server) {
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const url = new URL(req.url ?? '/', 'http://localhost');
          const request = new HttpRequest({
            method: req.method,
            protocol: 'http:',
            hostname: (req.headers.host ?? '').split(':')[0],
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')])),
            body: Buffer.concat(chunks),
          });
          this.handle(request).then(
            ({ response }) => {
              res.writeHead(response.statusCode, response.headers);
              res.end(response.body as Buffer);
            },
            // A defect of the fake itself: answer, so the CLI under test fails instead of hanging.
            (err: unknown) => res.writeHead(500).end(String(err)),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.server = server;
    }
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(request: IHttpRequest, options?: HttpHandlerOptions): Promise<{ response: ReturnType<typeof encodeOutput> }> {
    // Like the SDK's own handlers: an aborted request never reaches the service.
    if (options?.abortSignal?.aborted) throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    await (this.latency ? this.latency.sleep(this.latency.requestMs) : Promise.resolve());
    let wire: WireRequest;
    try {
      wire = parseRequest(request);
    } catch (err) {
      if (err instanceof FakeFault) return { response: encodeFault('cloudformation', err) };
      throw err;
    }
    try {
      return { response: encodeOutput(wire, this.dispatch(wire)) };
    } catch (err) {
      if (err instanceof FakeFault) return { response: encodeFault(wire.service, err) };
      throw err;
    }
  }

  /** Called as each request arrives, after it is recorded (tests press Ctrl-C from here). */
  onRequest?: (call: { service: string; op: string; index: number }) => void;

  private dispatch(w: WireRequest): Out | undefined {
    if (this.listLag > 0 && this.views.length === 0) this.views.push(this.captureViews());
    this.calls.push({ service: w.service, op: w.op, input: w.input, region: w.region });
    this.onRequest?.({ service: w.service, op: w.op, index: this.calls.length - 1 });
    this.counts.set(w.op, (this.counts.get(w.op) ?? 0) + 1);
    try {
      const pending = this.injected.get(w.op)?.[0];
      if (pending) {
        if (--pending.times <= 0) this.injected.get(w.op)!.shift();
        throw pending.make(w.service);
      }
      const fn = this.route(w.service, w.op);
      if (!fn) throw fault('InvalidAction', `the in-memory AWS does not model ${w.service}:${w.op}`);
      return fn(w.input, w.region);
    } finally {
      if (this.listLag > 0) {
        this.views.push(this.captureViews());
        while (this.views.length > this.listLag + 1) this.views.shift();
      }
    }
  }

  private route(service: Service, op: string): ((i: Input, region: string) => Out | undefined) | undefined {
    const routes: Record<Service, Record<string, (i: Input, region: string) => Out | undefined>> = {
      sts: {
        GetCallerIdentity: () => ({ Account: this.caller, Arn: `arn:aws:sts::${this.caller}:assumed-role/deployer/session`, UserId: 'AROAEXAMPLE:session' }),
      },
      organizations: {
        DescribeOrganization: () => this.describeOrganization(),
        ListRoots: (i) => this.listRoots(i),
        ListOrganizationalUnitsForParent: (i) => this.listOus(i),
        ListAccountsForParent: (i) => this.listAccounts(i),
        ListParents: (i) => this.listParents(i),
        RegisterDelegatedAdministrator: (i) => this.registerDelegatedAdministrator(i),
        PutResourcePolicy: (i) => this.putResourcePolicy(i),
        // "ListDelegatedAdministrators - AWS Organizations": callable from the management account or a delegated administrator.
        ListDelegatedAdministrators: (i) => {
          this.orgReader();
          const admins =
            !i.ServicePrincipal || i.ServicePrincipal === 'member.org.stacksets.cloudformation.amazonaws.com' ? [...this.delegatedAdmins].sort() : [];
          return {
            DelegatedAdministrators: admins.map((Id) => ({
              Id,
              Arn: `arn:aws:organizations::${this.managementAccountId}:account/${this.organizationId}/${Id}`,
              Status: 'ACTIVE',
            })),
          };
        },
      },
      s3: {
        PutObject: (i, r) => this.s3.putObject(i as PutObjectInput, r),
        HeadObject: (i) => this.s3.headObject(i as { Bucket: string; Key: string }),
        // "ListBuckets - Amazon Simple Storage Service": every bucket the caller's account owns, whatever the region.
        ListBuckets: () => ({ Buckets: [...this.s3.buckets.keys()].sort().map((Name) => ({ Name })) }),
      },
      cloudformation: {
        DescribeOrganizationsAccess: (i) => this.describeOrganizationsAccess(i),
        ActivateOrganizationsAccess: (i) => this.activateOrganizationsAccess(i),
        DescribeStackSet: (i) => this.describeStackSet(i),
        CreateStackSet: (i) => this.createStackSet(i),
        UpdateStackSet: (i) => this.updateStackSet(i),
        DeleteStackSet: (i) => this.deleteStackSet(i),
        CreateStackInstances: (i) => this.createStackInstances(i),
        DeleteStackInstances: (i) => this.deleteStackInstances(i),
        ListStackInstances: (i) => this.listStackInstances(i),
        ListStackSets: (i) => this.listStackSets(i),
        DescribeStackSetOperation: (i) => this.describeStackSetOperation(i),
        ListStackSetOperations: (i) => this.listStackSetOperations(i),
        ListStackSetOperationResults: (i) => this.listStackSetOperationResults(i),
        DescribeStacks: (i, r) => this.describeStacks(i, r),
        GetTemplate: (i, r) => this.getTemplate(i, r),
        CreateChangeSet: (i, r) => this.createChangeSet(i, r),
        DescribeChangeSet: (i, r) => this.describeChangeSet(i, r),
        DeleteChangeSet: (i, r) => this.deleteChangeSet(i, r),
        ExecuteChangeSet: (i, r) => this.executeChangeSet(i, r),
        DeleteStack: (i, r) => this.deleteStack(i, r),
        UpdateTerminationProtection: (i, r) => this.updateTerminationProtection(i, r),
        DescribeStackEvents: (i, r) => this.describeStackEvents(i, r),
        ListStackResources: (i, r) => this.listStackResources(i, r),
        DetectStackSetDrift: (i) => this.detectStackSetDrift(i),
        ListStackInstanceResourceDrifts: (i) => this.listStackInstanceResourceDrifts(i),
        DetectStackDrift: (i, r) => this.detectStackDrift(i, r),
        DescribeStackDriftDetectionStatus: (i) => this.describeStackDriftDetectionStatus(i),
        DescribeStackResourceDrifts: (i, r) => this.describeStackResourceDrifts(i, r),
      },
    };
    return routes[service][op];
  }

  // ------------------------------------------------------------------------------------------
  // Lists: consistency and order.

  /** Items in the order a list returns them: as given, or shuffled by the seed (stable across pages). */
  private ordered<T>(rows: T[], key: (r: T) => string): T[] {
    if (this.shuffleSeed === undefined) return rows;
    const seed = this.shuffleSeed;
    return [...rows].sort((a, b) => rank(seed, key(a)) - rank(seed, key(b)));
  }

  private viewOf(ss: FakeStackSet): StackSetView {
    return {
      summary: this.summaryOf(ss),
      operations: ss.operations.map((o) => this.operationSummary(o)),
      instances: [...ss.instances.values()].map((i) => ({ ...i })),
      results: new Map(ss.operations.map((o) => [o.id, [...o.results.values()].map((r) => ({ ...r }))])),
    };
  }

  private summaryOf(ss: FakeStackSet): Out {
    return {
      StackSetName: ss.name,
      StackSetId: ss.id,
      Description: ss.description,
      Status: 'ACTIVE',
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: ss.autoDeployment.enabled, RetainStacksOnAccountRemoval: ss.autoDeployment.retain },
      ManagedExecution: { Active: ss.managedExecution },
    };
  }

  private operationSummary(o: FakeOperation): Out {
    return { OperationId: o.id, Action: o.action, Status: o.status, CreationTimestamp: o.created, EndTimestamp: o.ended };
  }

  private captureViews(): Map<string, StackSetView> {
    return new Map([...this.stackSets.values()].map((ss) => [ss.name, this.viewOf(ss)]));
  }

  /**
   * What a list call sees of a StackSet: as it was `listLag` calls ago, or live. A StackSet created
   * within the lag is not listed yet and its lists are empty. Describe calls always read the live
   * state (DescribeStackSetOperation: "This API provides strongly consistent reads").
   */
  private listedStackSet(ss: FakeStackSet): StackSetView {
    if (this.listLag > 0) return this.views[0].get(ss.name) ?? { summary: {}, operations: [], instances: [], results: new Map() };
    // Live and uncopied: lists map the rows straight to output, and a 5,000-account organization stays cheap.
    return {
      summary: this.summaryOf(ss),
      operations: ss.operations.map((o) => this.operationSummary(o)),
      instances: [...ss.instances.values()],
      results: { get: (id: string) => [...(ss.operations.find((o) => o.id === id)?.results.values() ?? [])] },
    };
  }

  private listedStackSets(): Out[] {
    if (this.listLag > 0) return [...this.views[0].values()].map((v) => v.summary);
    return [...this.stackSets.values()].map((ss) => this.summaryOf(ss));
  }

  // ------------------------------------------------------------------------------------------
  // Organizations.

  /** DescribeOrganization: an account outside any organization gets AWSOrganizationsNotInUseException. */
  private describeOrganization(): Out {
    if (!this.accounts.has(this.caller)) throw fault('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
    return {
      Organization: {
        Id: this.organizationId,
        MasterAccountId: this.managementAccountId,
        FeatureSet: 'ALL',
        Arn: `arn:aws:organizations::${this.managementAccountId}:organization/${this.organizationId}`,
      },
    };
  }

  /** Listing the tree needs the management account or a delegated administrator. */
  private orgReader(): void {
    if (this.caller !== this.managementAccountId && !this.delegatedAdmins.has(this.caller)) {
      throw fault('AccessDeniedException', "You don't have permissions to access this resource.");
    }
  }

  /** ListRoots (paginated). */
  private listRoots(i: Input): Out {
    this.orgReader();
    const p = pageOf(
      [{ Id: this.rootId, Name: 'Root', Arn: `arn:aws:organizations::${this.managementAccountId}:root/${this.organizationId}/${this.rootId}` }],
      i,
      this.orgPageSize,
    );
    return { Roots: p.items, NextToken: p.next };
  }

  /** ListOrganizationalUnitsForParent / ListAccountsForParent: an unknown ParentId is ParentNotFoundException. */
  private parentExists(id: string): void {
    if (!this.childOus.has(id)) throw fault('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.");
  }

  /** ListOrganizationalUnitsForParent: direct children only, paginated. */
  private listOus(i: Input): Out {
    this.orgReader();
    this.parentExists(i.ParentId);
    const ous = this.childOus.get(i.ParentId)!.map((id) => ({ Id: id, Name: this.ous.get(id)!.name }));
    const p = pageOf(ous, i, this.orgPageSize);
    return { OrganizationalUnits: p.items, NextToken: p.next };
  }

  /** ListAccountsForParent: direct children only, with State, paginated. */
  private listAccounts(i: Input): Out {
    this.orgReader();
    this.parentExists(i.ParentId);
    const accounts = this.childAccounts.get(i.ParentId)!.map((id) => {
      const a = this.accounts.get(id)!;
      return { Id: a.id, Name: a.name, Status: a.state, State: a.state, Email: `${a.id}@example.com`, JoinedTimestamp: new Date(1_600_000_000_000) };
    });
    const p = pageOf(accounts, i, this.orgPageSize);
    return { Accounts: p.items, NextToken: p.next };
  }

  /** ListParents: the one parent (root or OU) of an account or OU; unknown ChildId is ChildNotFoundException. */
  private listParents(i: Input): Out {
    this.orgReader();
    const child: string = i.ChildId;
    const parent = this.accounts.get(child)?.parentId ?? this.ous.get(child)?.parentId;
    if (!parent) throw fault('ChildNotFoundException', "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.");
    return { Parents: [{ Id: parent, Type: parent.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
  }

  /**
   * RegisterDelegatedAdministrator ("RegisterDelegatedAdministrator - AWS Organizations"): from the
   * management account, for a member account (not the management account itself) and a service
   * principal; here only StackSets' principal is modelled. AccountAlreadyRegisteredException when it is one already.
   */
  private registerDelegatedAdministrator(i: Input): Out {
    if (this.caller !== this.managementAccountId) throw fault('AccessDeniedException', "You don't have permissions to access this resource.");
    if (i.ServicePrincipal !== 'member.org.stacksets.cloudformation.amazonaws.com')
      throw fault('InvalidInputException', `the in-memory organization models only StackSets' delegated administrators, not ${i.ServicePrincipal}`);
    if (!this.accounts.has(i.AccountId)) throw fault('AccountNotFoundException', "You specified an account that doesn't exist.");
    if (i.AccountId === this.managementAccountId)
      throw fault('ConstraintViolationException', 'You cannot register the management account as a delegated administrator.');
    if (this.delegatedAdmins.has(i.AccountId))
      throw fault('AccountAlreadyRegisteredException', 'The provided account is already a delegated administrator for your organization.');
    this.delegatedAdmins.add(i.AccountId);
    return {};
  }

  /** The organization's resource policy, as PutResourcePolicy last set it (the fake does not evaluate it: listing the tree is allowed to delegated administrators of any service). */
  resourcePolicy?: string;

  /** PutResourcePolicy ("PutResourcePolicy - AWS Organizations"): from the management account; Content must be a JSON policy document. */
  private putResourcePolicy(i: Input): Out {
    if (this.caller !== this.managementAccountId) throw fault('AccessDeniedException', "You don't have permissions to access this resource.");
    try {
      const doc = JSON.parse(String(i.Content)) as { Statement?: unknown };
      if (!Array.isArray(doc.Statement)) throw new Error('no Statement');
    } catch (err) {
      throw fault(
        'MalformedPolicyDocumentException',
        `The provided policy document doesn't meet the requirements of the specified policy type: ${(err as Error).message}`,
      );
    }
    this.resourcePolicy = String(i.Content);
    return {
      ResourcePolicy: {
        ResourcePolicySummary: {
          Id: 'rp-00000001',
          Arn: `arn:aws:organizations::${this.managementAccountId}:resourcepolicy/${this.organizationId}/rp-00000001`,
        },
        Content: this.resourcePolicy,
      },
    };
  }

  // ------------------------------------------------------------------------------------------
  // StackSets: who may call, and as what.

  /**
   * CallAs (CreateStackSet and every StackSet call): SELF only from the management account,
   * DELEGATED_ADMIN only from a registered delegated administrator; service-managed StackSets need
   * trusted access ("Activate trusted access for StackSets with AWS Organizations").
   */
  private checkCallAs(i: Input): void {
    const callAs = i.CallAs ?? 'SELF';
    if (callAs === 'SELF') {
      if (this.caller !== this.managementAccountId) {
        throw fault(
          'ValidationError',
          `Account ${this.caller} is not the management account; service-managed StackSets must be called with CallAs DELEGATED_ADMIN from a delegated administrator account.`,
        );
      }
    } else if (!this.delegatedAdmins.has(this.caller)) {
      throw fault(
        'ValidationError',
        `Account ${this.caller} should have 'Delegated Administrator' role for service principal member.org.stacksets.cloudformation.amazonaws.com.`,
      );
    }
    if (this.trustedAccess !== 'ENABLED') throw fault('ValidationError', 'You must enable organizations access to operate a service managed stack set');
  }

  /** DescribeOrganizationsAccess: ENABLED | DISABLED | DISABLED_PERMANENTLY. */
  private describeOrganizationsAccess(i: Input): Out {
    const callAs = i.CallAs ?? 'SELF';
    if (callAs === 'DELEGATED_ADMIN' && !this.delegatedAdmins.has(this.caller)) {
      throw fault('ValidationError', `Account ${this.caller} should have 'Delegated Administrator' role`);
    }
    if (callAs === 'SELF' && this.caller !== this.managementAccountId)
      throw fault('InvalidOperationException', 'Only the management account or a delegated administrator can describe organizations access.');
    return { Status: this.trustedAccess };
  }

  /** ActivateOrganizationsAccess: from the management account only. */
  private activateOrganizationsAccess(i: Input): Out {
    if ((i.CallAs ?? 'SELF') !== 'SELF' || this.caller !== this.managementAccountId)
      throw fault('InvalidOperationException', 'Only the management account can activate organizations access.');
    if (this.trustedAccess === 'DISABLED_PERMANENTLY') throw fault('InvalidOperationException', 'Organizations access is disabled permanently.');
    this.trustedAccess = 'ENABLED';
    return {};
  }

  /** The StackSet a call names (StackSetNotFoundException otherwise), after the CallAs checks. */
  private stackSet(i: Input): FakeStackSet {
    this.checkCallAs(i);
    const ss = this.stackSets.get(i.StackSetName);
    if (!ss) throw fault('StackSetNotFoundException', `StackSet ${i.StackSetName} not found`);
    return ss;
  }

  private active(ss: FakeStackSet): FakeOperation[] {
    return ss.operations.filter((o) => o.status === 'RUNNING' || o.status === 'QUEUED');
  }

  /**
   * Checks every mutating StackSet call shares: races, a reused OperationId, and a running operation
   * when managed execution is off (ManagedExecution: "When false (default), StackSets performs one
   * operation at a time in request order", refused with OperationInProgressException).
   */
  private beforeMutating(ss: FakeStackSet, i: Input): string {
    const race = this.beforeMutation.get(ss.name);
    if (race) {
      this.beforeMutation.delete(ss.name);
      race();
    }
    if (i.OperationId && ss.operations.some((o) => o.id === i.OperationId))
      throw fault('OperationIdAlreadyExistsException', `The operation ID ${i.OperationId} already exists.`);
    if (!ss.managedExecution && this.active(ss).length > 0)
      throw fault('OperationInProgressException', `Another Operation on StackSet ${ss.id} is in progress`);
    return i.OperationId ?? `op-${++this.seq}`;
  }

  /** DescribeStackSet: settings, parameters with their resolved values, tags, targets and regions. */
  private describeStackSet(i: Input): Out {
    const ss = this.stackSet(i);
    return {
      StackSet: {
        StackSetName: ss.name,
        StackSetId: ss.id,
        Description: ss.description,
        Status: 'ACTIVE',
        TemplateBody: ss.body,
        Parameters: paramList(ss.parameters),
        Capabilities: ss.capabilities,
        Tags: ss.tags,
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: ss.autoDeployment.enabled, RetainStacksOnAccountRemoval: ss.autoDeployment.retain },
        ManagedExecution: { Active: ss.managedExecution },
        OrganizationalUnitIds: [...ss.ous].sort(),
        Regions: [...ss.regions].sort(),
      },
    };
  }

  /** ListStackSets, with its Status filter; paginated, lagging and ordered like every list here. */
  private listStackSets(i: Input): Out {
    this.checkCallAs(i);
    const all = this.listedStackSets().filter((s) => !i.Status || s.Status === i.Status);
    const p = pageOf(
      this.ordered(all, (s) => String(s.StackSetName)),
      i,
      this.cfnPageSize,
    );
    return { Summaries: p.items, NextToken: p.next };
  }

  /** What CreateStackSet and UpdateStackSet set, validated now; applied by `apply`. */
  private definition(ss: FakeStackSet | undefined, i: Input) {
    const body = templateOf(this.s3, i, ss?.body);
    const keepParams = ss && i.Parameters === undefined && i.UsePreviousTemplate;
    const parameters = keepParams ? ss.parameters : parametersFor(body, i.Parameters, ss?.parameters);
    return {
      apply: (target: FakeStackSet) => {
        target.body = body;
        target.parameters = parameters;
        if (i.Description !== undefined) target.description = i.Description;
        if (i.Capabilities !== undefined) target.capabilities = [...i.Capabilities].sort();
        // UpdateStackSet: Tags given replace the StackSet's tags, an empty list removes them, none keeps them.
        if (i.Tags !== undefined) target.tags = tagList(i.Tags);
        if (i.AutoDeployment !== undefined)
          target.autoDeployment = { enabled: Boolean(i.AutoDeployment.Enabled), retain: Boolean(i.AutoDeployment.RetainStacksOnAccountRemoval) };
        if (i.ManagedExecution !== undefined) target.managedExecution = Boolean(i.ManagedExecution.Active);
      },
    };
  }

  /**
   * CreateStackSet: NameAlreadyExistsException for a taken name; SERVICE_MANAGED needs AutoDeployment.
   * It starts no operation: instances come from CreateStackInstances.
   */
  private createStackSet(i: Input): Out {
    this.checkCallAs(i);
    if (i.PermissionModel !== 'SERVICE_MANAGED') throw fault('ValidationError', 'this fake models SERVICE_MANAGED StackSets only');
    if (this.stackSets.has(i.StackSetName)) throw fault('NameAlreadyExistsException', `StackSet ${i.StackSetName} already exists`);
    if (i.AutoDeployment === undefined) throw fault('ValidationError', 'AutoDeployment must be specified for SERVICE_MANAGED StackSets');
    const definition = this.definition(undefined, i);
    const ss: FakeStackSet = {
      name: i.StackSetName,
      id: `${i.StackSetName}:${String(++this.seq).padStart(8, '0')}-0000-0000-0000-000000000000`,
      body: '',
      description: '',
      parameters: {},
      capabilities: [],
      tags: [],
      autoDeployment: { enabled: false, retain: false },
      managedExecution: false,
      ous: new Set(),
      filteredOus: new Set(),
      regions: new Set(),
      instances: new Map(),
      operations: [],
    };
    definition.apply(ss);
    this.stackSets.set(ss.name, ss);
    return { StackSetId: ss.id };
  }

  /** DeleteStackSet: refused while operations run or wait (OperationInProgressException) or instances remain (StackSetNotEmptyException). */
  private deleteStackSet(i: Input): Out {
    const ss = this.stackSet(i);
    if (this.active(ss).length > 0) throw fault('OperationInProgressException', `Another Operation on StackSet ${ss.id} is in progress`);
    if (ss.instances.size > 0) throw fault('StackSetNotEmptyException', `StackSet ${ss.name} is not empty`);
    this.stackSets.delete(ss.name);
    return {};
  }

  /** Accounts a DeploymentTargets value selects, with the targeted OU each came through. */
  private targetAccounts(t: Input | undefined): Array<{ account: string; ouId: string }> {
    const out = new Map<string, string>();
    for (const ou of (t?.OrganizationalUnitIds ?? []) as string[]) {
      if (!this.childOus.has(ou)) throw fault('ValidationError', `OrganizationalUnitIds ${ou} not found in organization`);
      for (const a of this.accountsUnder(ou)) if (a !== this.managementAccountId && !out.has(a)) out.set(a, ou);
    }
    let selected = [...out];
    if (t?.AccountFilterType === 'INTERSECTION') selected = selected.filter(([a]) => (t.Accounts ?? []).includes(a));
    else if (t?.AccountFilterType !== undefined && t.AccountFilterType !== 'NONE')
      throw fault('ValidationError', `AccountFilterType ${t.AccountFilterType} is not modelled`);
    return selected.map(([account, ouId]) => ({ account, ouId })).sort((a, b) => a.account.localeCompare(b.account));
  }

  /**
   * A new operation. With managed execution and other operations running or queued it is QUEUED
   * (ManagedExecution: "If there are already running or queued operations, StackSets queues all
   * incoming operations even if they are non-conflicting"); otherwise it starts at once.
   */
  private newOperation(
    ss: FakeStackSet,
    action: FakeOperation['action'],
    scope: FakeOperation['scope'],
    start: () => WorkItem[],
    id?: string,
    i?: Input,
    foreign = false,
  ): FakeOperation {
    const op: FakeOperation = {
      id: id ?? `op-${++this.seq}`,
      action,
      status: 'QUEUED',
      history: [],
      created: new Date(1_700_000_000_000 + ++this.seq * 1000),
      work: [],
      processed: 0,
      polls: 0,
      results: new Map(),
      failed: 0,
      tolerancePct: i?.OperationPreferences?.FailureTolerancePercentage ?? 0,
      preferences: i?.OperationPreferences,
      foreign,
      scope,
      start,
    };
    const waiting = this.active(ss).length > 0;
    ss.operations.push(op);
    if (waiting) op.history.push('QUEUED');
    else this.begin(op);
    return op;
  }

  /** An operation starts: its work is fixed and every instance it touches has a PENDING result (StackSetOperationResultSummary). */
  private begin(op: FakeOperation): void {
    op.work = op.start?.() ?? [];
    op.start = undefined;
    op.status = 'RUNNING';
    op.history.push('RUNNING');
    op.results = new Map(
      op.work
        .filter((w) => this.accounts.get(w.account)?.state !== 'SUSPENDED')
        .map((w) => [`${w.account}/${w.region}`, { account: w.account, region: w.region, ouId: w.ouId, status: 'PENDING' }]),
    );
    if (this.latency) {
      op.startedAt = this.latency.now();
      op.durationMs = this.operationMs(op, this.latency);
    }
  }

  /**
   * How long an operation runs under the latency model: per region, waves of as many instances as
   * run at once (StackSetOperationPreferences: MaxConcurrentCount, default 1, or MaxConcurrentPercentage
   * of the region's accounts rounded down but at least 1), capped at `maxConcurrentInstances`;
   * regions one after another unless RegionConcurrencyType is PARALLEL.
   */
  private operationMs(op: FakeOperation, l: LatencyModel): number {
    const byRegion = new Map<string, number>();
    for (const w of op.work) byRegion.set(w.region, (byRegion.get(w.region) ?? 0) + 1);
    const prefs = op.preferences ?? {};
    const waves = [...byRegion.values()].map((n) => {
      const requested =
        prefs.MaxConcurrentCount ?? (prefs.MaxConcurrentPercentage !== undefined ? Math.max(1, Math.floor((n * prefs.MaxConcurrentPercentage) / 100)) : 1);
      return Math.ceil(n / Math.min(requested, l.maxConcurrentInstances));
    });
    const total = prefs.RegionConcurrencyType === 'PARALLEL' ? Math.max(0, ...waves) : waves.reduce((a, b) => a + b, 0);
    return Math.max(1, total) * l.instanceMs;
  }

  private static conflicts(a: FakeOperation, b: FakeOperation): boolean {
    if (a.scope === 'all' || b.scope === 'all') return true;
    const other = b.scope;
    return [...a.scope].some((k) => other.has(k));
  }

  /** ManagedExecution: "After conflicting operations finish, StackSets starts queued operations in request order." */
  private startQueued(ss: FakeStackSet): void {
    for (const op of ss.operations.filter((o) => o.status === 'QUEUED')) {
      if (ss.operations.some((r) => r.status === 'RUNNING' && FakeAws.conflicts(r, op))) break;
      this.begin(op);
    }
  }

  /** One step of time for a StackSet: every running operation advances, then queued ones may start. */
  private tick(ss: FakeStackSet): void {
    for (const op of ss.operations.filter((o) => o.status === 'RUNNING')) this.advance(ss, op);
    this.startQueued(ss);
  }

  private keysOf(targets: Array<{ account: string }>, regions: string[]): Set<string> {
    return new Set(targets.flatMap((t) => regions.map((r) => `${t.account}/${r}`)));
  }

  /**
   * CreateStackInstances: every account under the DeploymentTargets OUs, nested OUs included, the
   * management account never (DeploymentTargets: "StackSets doesn't deploy stack instances to the
   * organization management account"), or only the listed ones with AccountFilterType INTERSECTION.
   * Whole-OU targets become the StackSet's auto-deployment targets.
   */
  private createStackInstances(i: Input): Out {
    const ss = this.stackSet(i);
    const regions: string[] = i.Regions ?? [];
    const scope = this.keysOf(this.targetAccounts(i.DeploymentTargets), regions);
    const id = this.beforeMutating(ss, i);
    const start = () => {
      const targets = this.targetAccounts(i.DeploymentTargets);
      for (const ou of i.DeploymentTargets?.OrganizationalUnitIds ?? [])
        (i.DeploymentTargets?.AccountFilterType === undefined ? ss.ous : ss.filteredOus).add(ou);
      for (const r of regions) ss.regions.add(r);
      return regions.flatMap((region) =>
        targets.map((t) => ({ ...t, region, kind: ss.instances.has(`${t.account}/${region}`) ? ('update' as const) : ('create' as const) })),
      );
    };
    this.newOperation(ss, 'CREATE', scope, start, id, i);
    return { OperationId: id };
  }

  /** DeleteStackInstances: the instances of those OUs (and accounts, with INTERSECTION) in those regions. */
  private deleteStackInstances(i: Input): Out {
    const ss = this.stackSet(i);
    const id = this.beforeMutating(ss, i);
    const regions: string[] = i.Regions ?? [];
    const ous: string[] = i.DeploymentTargets?.OrganizationalUnitIds ?? [];
    const accounts: string[] | undefined = i.DeploymentTargets?.AccountFilterType === 'INTERSECTION' ? i.DeploymentTargets.Accounts : undefined;
    const selected = () =>
      [...ss.instances.values()].filter((inst) => regions.includes(inst.region) && ous.includes(inst.ouId) && (!accounts || accounts.includes(inst.account)));
    const start = () => {
      const work = selected().map((inst) => ({ account: inst.account, region: inst.region, ouId: inst.ouId, kind: 'delete' as const }));
      if (!accounts) {
        const allOus = [...ss.ous].every((o) => ous.includes(o));
        for (const ou of ous) if (regions.length >= ss.regions.size && [...ss.regions].every((r) => regions.includes(r))) ss.ous.delete(ou);
        if (allOus) for (const r of regions) ss.regions.delete(r);
      }
      return work;
    };
    this.newOperation(ss, 'DELETE', new Set(selected().map((x) => `${x.account}/${x.region}`)), start, id, i);
    return { OperationId: id };
  }

  /**
   * UpdateStackSet: the new definition reaches every instance that is not INOPERABLE; instances are
   * OUTDATED until the operation reaches them ("Even if the StackSet operation created by updating the
   * StackSet fails ... the StackSet is updated with your changes").
   */
  private updateStackSet(i: Input): Out {
    const ss = this.stackSet(i);
    const definition = this.definition(ss, i);
    const id = this.beforeMutating(ss, i);
    // ManagedExecution: "You can't modify your StackSet's execution configuration while there are running or queued operations."
    if (i.ManagedExecution !== undefined && Boolean(i.ManagedExecution.Active) !== ss.managedExecution && this.active(ss).length > 0) {
      throw fault('ValidationError', `StackSet ${ss.name} has running or queued operations; its ManagedExecution cannot change now`);
    }
    const start = () => {
      definition.apply(ss);
      const work = [...ss.instances.values()]
        .filter((inst) => inst.status !== 'INOPERABLE')
        .sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region))
        .map((inst) => ({ account: inst.account, region: inst.region, ouId: inst.ouId, kind: 'update' as const }));
      for (const inst of ss.instances.values()) if (inst.status === 'CURRENT') inst.status = 'OUTDATED';
      return work;
    };
    this.newOperation(ss, 'UPDATE', 'all', start, id, i);
    return { OperationId: id };
  }

  /** One step's worth of progress: a share of the work, then the verdict once all is done. */
  private advance(ss: FakeStackSet, op: FakeOperation): void {
    op.polls++;
    const share = this.latency
      ? Math.min(1, (this.latency.now() - (op.startedAt ?? 0)) / Math.max(1, op.durationMs ?? 1))
      : op.polls / Math.max(1, this.pollsToComplete);
    const target = Math.min(op.work.length, Math.ceil(op.work.length * share));
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
    // Under the latency model an operation over its failure tolerance ends at once: the rest is CANCELLED.
    if (op.processed >= op.work.length && (this.latency ? share >= 1 || op.failed > allowed : op.polls >= this.pollsToComplete)) {
      op.status = op.failed > allowed ? 'FAILED' : 'SUCCEEDED';
      op.history.push(op.status);
      // From the same counter as every creation time: end times order the operations as they finished.
      op.ended = new Date(1_700_000_000_000 + ++this.seq * 1000);
    }
  }

  /**
   * One instance of an operation (StackInstanceSummary: Status CURRENT | OUTDATED | INOPERABLE,
   * DetailedStatus SUCCEEDED | FAILED | SKIPPED_SUSPENDED_ACCOUNT | INOPERABLE). A failed delete leaves
   * the instance INOPERABLE (StackInstanceSummary, Status INOPERABLE: a failed DeleteStackInstances left it unstable).
   */
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
      else
        ss.instances.set(key, {
          account: w.account,
          region: w.region,
          ouId: w.ouId,
          status: 'OUTDATED',
          detailed: 'SKIPPED_SUSPENDED_ACCOUNT',
          lastOperationId: op.id,
        });
      return;
    }
    const failure = this.instanceFailures.get(w.account) ?? (w.kind === 'delete' ? undefined : this.nameClash(ss, w));
    if (failure) {
      op.failed++;
      if (result) Object.assign(result, { status: 'FAILED', reason: failure });
      if (w.kind === 'delete') {
        const inst = ss.instances.get(key);
        if (inst) Object.assign(inst, { status: 'INOPERABLE', detailed: 'INOPERABLE', reason: failure, lastOperationId: op.id });
      } else {
        ss.instances.set(key, {
          account: w.account,
          region: w.region,
          ouId: ss.instances.get(key)?.ouId ?? w.ouId,
          status: 'OUTDATED',
          detailed: 'FAILED',
          reason: failure,
          lastOperationId: op.id,
        });
      }
      return;
    }
    if (result) result.status = 'SUCCEEDED';
    this.claimNames(ss, w);
    if (w.kind === 'delete') ss.instances.delete(key);
    else
      ss.instances.set(key, {
        account: w.account,
        region: w.region,
        ouId: ss.instances.get(key)?.ouId ?? w.ouId,
        status: 'CURRENT',
        detailed: 'SUCCEEDED',
        lastOperationId: op.id,
      });
  }

  /**
   * The names an instance's stack gives its resources and exports, each with the scope it must be
   * unique in: IAM names per account ("CreateRole": "IAM user, group, role, and policy names must be
   * unique within the account"), SSM parameters and export names per account and region.
   */
  private namesOf(ss: FakeStackSet, w: WorkItem): Array<{ key: string; logicalId: string; type: string; name: string }> {
    let t = this.parsed.get(ss.body);
    if (!t) this.parsed.set(ss.body, (t = parseTemplate(ss.body)));
    const vars: Record<string, string> = { ...ss.parameters, 'AWS::AccountId': w.account, 'AWS::Region': w.region, 'AWS::Partition': 'aws' };
    const text = (v: unknown): string | undefined => {
      const sub = v && typeof v === 'object' && 'Fn::Sub' in v ? (v as { 'Fn::Sub': unknown })['Fn::Sub'] : v;
      return typeof sub === 'string' ? sub.replace(/\$\{([^}!]+)\}/g, (_m, k: string) => vars[k] ?? `<${k}>`) : undefined;
    };
    const scoped: Record<string, [string, string]> = {
      'AWS::IAM::Role': ['RoleName', 'iam-role'],
      'AWS::IAM::ManagedPolicy': ['ManagedPolicyName', 'iam-policy'],
      'AWS::IAM::InstanceProfile': ['InstanceProfileName', 'iam-instance-profile'],
      'AWS::SSM::Parameter': ['Name', `ssm/${w.region}`],
    };
    const out: Array<{ key: string; logicalId: string; type: string; name: string }> = [];
    for (const [logicalId, r] of Object.entries(t.Resources ?? {})) {
      const [property, scope] = scoped[r.Type ?? ''] ?? [];
      const name = property ? text(r.Properties?.[property]) : undefined;
      if (name) out.push({ key: `${w.account}/${scope}/${name}`, logicalId, type: r.Type!, name });
    }
    for (const [id, o] of Object.entries(t.Outputs ?? {})) {
      const name = text(o.Export?.Name);
      if (name) out.push({ key: `${w.account}/export/${w.region}/${name}`, logicalId: `Outputs.${id}`, type: 'Export', name });
    }
    return out;
  }

  /**
   * A named resource another stack in the same account already holds (another StackSet's, or this
   * StackSet's in another region: "CreateRole": IAM names "must be unique within the account"): the
   * instance fails as CloudFormation's would.
   */
  private nameClash(ss: FakeStackSet, w: WorkItem): string | undefined {
    for (const n of this.namesOf(ss, w)) {
      const owner = this.namedResources.get(n.key);
      if (owner && (owner !== ss.name || this.holderRegion.get(n.key) !== w.region)) {
        // The wording of CloudFormation's resource handlers for IAM roles; other types say the same of their names.
        const what = n.type === 'AWS::IAM::Role' ? 'Role with name' : `${n.type} ${n.logicalId} named`;
        return `Resource handler returned message: "${what} ${n.name} already exists." (HandlerErrorCode: AlreadyExists)`;
      }
    }
    return undefined;
  }

  /** After a create, update or delete: the names this StackSet's stack in that account and region holds now. */
  private claimNames(ss: FakeStackSet, w: WorkItem): void {
    if (w.kind === 'drift') return;
    // What each instance holds, indexed: scanning every name per instance is quadratic at thousands of accounts.
    const holder = `${ss.name}\n${w.account}\n${w.region}`;
    for (const key of this.claims.get(holder) ?? []) {
      if (this.namedResources.get(key) === ss.name && this.holderRegion.get(key) === w.region) {
        this.namedResources.delete(key);
        this.holderRegion.delete(key);
      }
    }
    this.claims.delete(holder);
    if (w.kind === 'delete') return;
    const keys = new Set<string>();
    for (const n of this.namesOf(ss, w)) {
      this.namedResources.set(n.key, ss.name);
      this.holderRegion.set(n.key, w.region);
      keys.add(n.key);
    }
    this.claims.set(holder, keys);
  }

  /** The operation an OperationId names (OperationNotFoundException otherwise). */
  private operation(ss: FakeStackSet, id: string): FakeOperation {
    const op = ss.operations.find((o) => o.id === id);
    if (!op) throw fault('OperationNotFoundException', `Operation ${id} not found`);
    return op;
  }

  /** DescribeStackSetOperation: strongly consistent; each call is one step of time for the StackSet (see the header). */
  private describeStackSetOperation(i: Input): Out {
    const ss = this.stackSet(i);
    const op = this.operation(ss, i.OperationId);
    this.tick(ss);
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

  /** ListStackSetOperations: no documented order; here newest first unless shuffled. */
  private listStackSetOperations(i: Input): Out {
    const view = this.listedStackSet(this.stackSet(i));
    const newestFirst = [...view.operations].reverse();
    const p = pageOf(
      this.ordered(newestFirst, (o) => String(o.OperationId)),
      i,
      Math.min(100, this.cfnPageSize),
    );
    return { Summaries: p.items, NextToken: p.next };
  }

  /** ListStackSetOperationResults, with Filters OPERATION_RESULT_STATUS (OperationResultFilter). */
  private listStackSetOperationResults(i: Input): Out {
    const ss = this.stackSet(i);
    this.operation(ss, i.OperationId);
    let rows = this.listedStackSet(ss).results.get(i.OperationId) ?? [];
    for (const f of (i.Filters ?? []) as Input[]) {
      if (f.Name !== 'OPERATION_RESULT_STATUS') throw fault('ValidationError', `Filter name ${f.Name} is not one of [OPERATION_RESULT_STATUS]`);
      rows = rows.filter((r) => r.status === f.Values);
    }
    const p = pageOf(
      this.ordered(rows, (r) => `${r.account}/${r.region}`),
      i,
      Math.min(100, this.cfnPageSize),
    );
    return {
      Summaries: p.items.map((r) => ({ Account: r.account, Region: r.region, OrganizationalUnitId: r.ouId, Status: r.status, StatusReason: r.reason })),
      NextToken: p.next,
    };
  }

  /** ListStackInstances, with StackInstanceFilter DETAILED_STATUS | LAST_OPERATION_ID | DRIFT_STATUS (every filter must hold). */
  private listStackInstances(i: Input): Out {
    const ss = this.stackSet(i);
    let rows = [...this.listedStackSet(ss).instances].sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
    for (const f of (i.Filters ?? []) as Input[]) {
      if (f.Name === 'DETAILED_STATUS') rows = rows.filter((r) => r.detailed === f.Values);
      else if (f.Name === 'DRIFT_STATUS') rows = rows.filter((r) => (r.drift ?? 'NOT_CHECKED') === f.Values);
      else if (f.Name === 'LAST_OPERATION_ID') rows = rows.filter((r) => r.lastOperationId === f.Values);
      else throw fault('ValidationError', `Filter name ${f.Name} is not one of [DETAILED_STATUS, LAST_OPERATION_ID, DRIFT_STATUS]`);
    }
    if (i.StackInstanceAccount) rows = rows.filter((r) => r.account === i.StackInstanceAccount);
    if (i.StackInstanceRegion) rows = rows.filter((r) => r.region === i.StackInstanceRegion);
    const p = pageOf(
      this.ordered(rows, (r) => `${r.account}/${r.region}`),
      i,
      Math.min(100, this.cfnPageSize),
    );
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
    if (!s) throw fault('ValidationError', `Stack with id ${nameOrId} does not exist`);
    return s;
  }

  private event(s: FakeStack, logicalId: string, status: string, reason?: string, token?: string): void {
    s.events.unshift({
      StackId: s.id,
      StackName: s.name,
      EventId: `${logicalId}-${++this.seq}`,
      LogicalResourceId: logicalId,
      ResourceStatus: status as StackEvent['ResourceStatus'],
      ResourceStatusReason: reason,
      ResourceType: logicalId === s.name ? 'AWS::CloudFormation::Stack' : 'AWS::Resource',
      Timestamp: new Date(1_700_000_000_000 + this.seq * 1000),
      ClientRequestToken: token,
    });
  }

  /**
   * A stack operation finishes (Stack status codes): create / update COMPLETE, or, with an injected
   * failure, ROLLBACK_COMPLETE for a first create and UPDATE_ROLLBACK_COMPLETE for an update, with
   * the failed resource first in the events; a deleted stack is DELETE_COMPLETE and only found by ID.
   */
  private advanceStack(s: FakeStack): void {
    if (!s.pending) return;
    s.polls++;
    if (this.latency) {
      if (this.latency.now() < (s.pending.since ?? 0) + this.latency.stackMs(s.name, s.pending.kind)) return;
    } else if (s.polls < this.stackPolls) return;
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
    s.tags = p.tags;
    s.status = p.kind === 'create' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
    s.reason = undefined;
    this.materializeBuckets(s);
    this.event(s, s.name, s.status, undefined, p.token);
  }

  /** One stack as DescribeStacks describes it. */
  private describeOne(s: FakeStack): Out {
    return {
      StackId: s.id,
      StackName: s.name,
      StackStatus: s.status,
      StackStatusReason: s.reason,
      Parameters: paramList(s.parameters),
      Tags: s.tags,
      EnableTerminationProtection: s.protection,
      CreationTime: new Date(1_700_000_000_000),
      Outputs: this.outputs(s),
    };
  }

  /** DescribeStacks: one stack by name or ID; without StackName every stack of the region that is not deleted, paginated. */
  private describeStacks(i: Input, region: string): Out {
    if (i.StackName === undefined) {
      const live = [...this.stacks.values()].filter((s) => s.region === region);
      for (const s of live) this.advanceStack(s);
      const p = pageOf(
        live.filter((s) => s.status !== 'DELETE_COMPLETE'),
        i,
        this.cfnPageSize,
      );
      return { Stacks: p.items.map((s) => this.describeOne(s)), NextToken: p.next };
    }
    const s = this.mustStack(i.StackName, region);
    this.advanceStack(s);
    return { Stacks: [this.describeOne(s)] };
  }

  /** Outputs of the deployed template with their values resolved (physical IDs and ARNs as above) and their export names. */
  private outputs(s: FakeStack): Out[] {
    const outputs = this.deployedTemplate(s).Outputs ?? {};
    return Object.entries(outputs).map(([k, o]) => ({
      OutputKey: k,
      OutputValue: String(this.resolve(o.Value, s)),
      ExportName: o.Export?.Name === undefined ? undefined : String(this.resolve(o.Export.Name, s)),
    }));
  }

  /** A deployed stack's outputs by key, as DescribeStacks returns them. */
  outputsOf(region: string, name: string): Record<string, string> {
    const s = this.stack(region, name);
    return Object.fromEntries((s ? this.outputs(s) : []).map((o) => [String(o.OutputKey), String(o.OutputValue)]));
  }

  private deployedTemplate(s: FakeStack): Template {
    try {
      return s.body ? parseTemplate(s.body) : {};
    } catch {
      return {};
    }
  }

  /** Exports of the region's stacks by name (Fn::ImportValue). */
  private exportsIn(region: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const s of this.stacks.values()) {
      if (s.region !== region || s.status === 'DELETE_COMPLETE') continue;
      for (const o of this.outputs(s)) if (o.ExportName) out.set(String(o.ExportName), String(o.OutputValue));
    }
    return out;
  }

  /** GetTemplate: the template as submitted (Original). */
  private getTemplate(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    return { TemplateBody: s.body, StagesAvailable: ['Original', 'Processed'] };
  }

  private createChangeSet(i: Input, region: string): Out {
    let s = this.findStack(i.StackName, region);
    if (s && s.status === 'DELETE_COMPLETE') s = undefined;
    const type: 'CREATE' | 'UPDATE' = i.ChangeSetType ?? 'UPDATE';
    if (type === 'CREATE') {
      if (s && s.status !== 'REVIEW_IN_PROGRESS') throw fault('AlreadyExistsException', `Stack [${i.StackName}] already exists`);
    } else if (!s) {
      throw fault('ValidationError', `Stack [${i.StackName}] does not exist`);
    } else if (!UPDATABLE.has(s.status)) {
      throw fault('ValidationError', `Stack:${s.id} is in ${s.status} state and can not be updated.`);
    }
    const previous = type === 'UPDATE' ? s : undefined;
    const body = templateOf(this.s3, i, previous?.body);
    const parameters = parametersFor(body, i.Parameters, previous?.parameters);
    if (s?.changeSets.has(i.ChangeSetName)) throw fault('AlreadyExistsException', `ChangeSet [${i.ChangeSetName}] already exists`);
    if (!s) {
      const id = `arn:aws:cloudformation:${region}:${this.caller}:stack/${i.StackName}/${String(++this.seq).padStart(8, '0')}`;
      s = {
        id,
        name: i.StackName,
        region,
        status: 'REVIEW_IN_PROGRESS',
        body: '',
        parameters: {},
        tags: [],
        protection: false,
        events: [],
        changeSets: new Map(),
        polls: 0,
      };
      this.stacks.set(`${region}/${s.name}`, s);
      this.stacksById.set(id, s);
    }
    // CreateChangeSet: Tags given replace the stack's tags on execution; none keeps them.
    const tags = i.Tags !== undefined ? tagList(i.Tags) : s.tags;
    const cs: ChangeSet = {
      name: i.ChangeSetName,
      id: `${s.id}/changeSet/${i.ChangeSetName}`,
      type,
      status: 'CREATE_PENDING',
      body,
      parameters,
      tags,
      polls: 0,
      createdAt: this.latency?.now(),
    };
    s.changeSets.set(cs.name, cs);
    return { Id: cs.id, StackId: s.id };
  }

  /** The change set a call names (ChangeSetNotFoundException otherwise). */
  private changeSet(i: Input, region: string): { s: FakeStack; cs: ChangeSet } {
    const s = this.mustStack(i.StackName, region);
    // ChangeSetName: "The name or Amazon Resource Name (ARN) of the change set" (DescribeChangeSet, ExecuteChangeSet).
    const cs = s.changeSets.get(i.ChangeSetName) ?? [...s.changeSets.values()].find((c) => c.id === i.ChangeSetName);
    if (!cs) throw fault('ChangeSetNotFoundException', `ChangeSet [${i.ChangeSetName}] does not exist`);
    return { s, cs };
  }

  /** DescribeChangeSet: an update that changes nothing FAILS with CloudFormation's "didn't contain changes" reason. */
  private describeChangeSet(i: Input, region: string): Out {
    const { s, cs } = this.changeSet(i, region);
    const ready = this.latency ? (++cs.polls, this.latency.now() >= (cs.createdAt ?? 0) + this.latency.changeSetMs) : ++cs.polls >= this.stackPolls;
    if (cs.status === 'CREATE_PENDING' && ready) {
      const same = cs.type === 'UPDATE' && cs.body === s.body && JSON.stringify(cs.parameters) === JSON.stringify(s.parameters) && sameTags(cs.tags, s.tags);
      cs.status = same ? 'FAILED' : 'CREATE_COMPLETE';
      if (same) cs.reason = "The submitted information didn't contain changes. Submit different information to create a change set.";
    }
    return {
      ChangeSetName: cs.name,
      ChangeSetId: cs.id,
      StackId: s.id,
      StackName: s.name,
      Status: cs.status,
      StatusReason: cs.reason,
      ExecutionStatus: cs.status === 'CREATE_COMPLETE' ? 'AVAILABLE' : 'UNAVAILABLE',
      Parameters: paramList(cs.parameters),
      Tags: cs.tags,
    };
  }

  /** DeleteChangeSet. */
  private deleteChangeSet(i: Input, region: string): Out {
    const { s, cs } = this.changeSet(i, region);
    s.changeSets.delete(cs.name);
    return {};
  }

  /**
   * ExecuteChangeSet: only a CREATE_COMPLETE change set (InvalidChangeSetStatusException otherwise),
   * on a stack that is not busy; "CloudFormation deletes all other change sets associated with the stack".
   */
  private executeChangeSet(i: Input, region: string): Out {
    const { s, cs } = this.changeSet(i, region);
    if (cs.status !== 'CREATE_COMPLETE')
      throw fault('InvalidChangeSetStatusException', `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`);
    if (s.pending) throw fault('ValidationError', `Stack:${s.id} is in ${s.status} state and can not be updated.`);
    const kind = cs.type === 'CREATE' ? 'create' : 'update';
    s.status = kind === 'create' ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS';
    s.pending = { kind, body: cs.body, parameters: cs.parameters, tags: cs.tags, token: i.ClientRequestToken, since: this.latency?.now() };
    s.polls = 0;
    s.changeSets.clear();
    this.event(s, s.name, s.status, 'User Initiated', i.ClientRequestToken);
    return {};
  }

  /** DeleteStack: nothing for a stack already gone; refused while termination protection is on (UpdateTerminationProtection). */
  private deleteStack(i: Input, region: string): Out | undefined {
    const s = this.findStack(i.StackName, region);
    if (!s || s.status === 'DELETE_COMPLETE') return undefined;
    if (s.protection) throw fault('ValidationError', `Stack [${s.name}] cannot be deleted while TerminationProtection is enabled`);
    s.status = 'DELETE_IN_PROGRESS';
    s.pending = { kind: 'delete', body: s.body, parameters: s.parameters, tags: s.tags, token: i.ClientRequestToken, since: this.latency?.now() };
    s.polls = 0;
    return undefined;
  }

  /** UpdateTerminationProtection. */
  private updateTerminationProtection(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    s.protection = Boolean(i.EnableTerminationProtection);
    return { StackId: s.id };
  }

  /** DescribeStackEvents: newest first ("in reverse chronological order"), paginated. */
  private describeStackEvents(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    const p = pageOf(s.events, i, this.cfnPageSize);
    return { StackEvents: p.items, NextToken: p.next };
  }

  // ------------------------------------------------------------------------------------------
  // Resources: intrinsic functions, physical IDs, S3 buckets.

  /** Ref, Fn::Sub, Fn::GetAtt (Arn of a bucket), Fn::Join and Fn::ImportValue, as far as names and bucket policies need them. */
  private resolve(value: unknown, s: FakeStack): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, s));
    if (!value || typeof value !== 'object') return value;
    const o = value as Record<string, unknown>;
    const pseudo: Record<string, string> = {
      'AWS::AccountId': this.caller,
      'AWS::Region': s.region,
      'AWS::StackName': s.name,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const resources = this.deployedTemplate(s).Resources ?? {};
    const ref = (name: string): string =>
      pseudo[name] ?? s.parameters[name] ?? (resources[name] ? this.physicalId(s, name, resources[name]) : `<unresolved ${name}>`);
    if ('Ref' in o) return ref(String(o.Ref));
    if ('Fn::Sub' in o) {
      const [text, vars] = Array.isArray(o['Fn::Sub']) ? (o['Fn::Sub'] as [string, Record<string, unknown>]) : [String(o['Fn::Sub']), {}];
      return text.replace(/\$\{([^}!]+)\}/g, (_m, k: string) =>
        k in vars ? String(this.resolve(vars[k], s)) : k.includes('.') ? String(this.resolve({ 'Fn::GetAtt': k.split('.') }, s)) : ref(k),
      );
    }
    if ('Fn::GetAtt' in o) {
      const [logicalId, attr] = o['Fn::GetAtt'] as [string, string];
      return this.attribute(s, logicalId, resources[logicalId], attr);
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return (this.resolve(parts, s) as unknown[]).map(String).join(sep);
    }
    if ('Fn::ImportValue' in o) return this.exportsIn(s.region).get(String(this.resolve(o['Fn::ImportValue'], s))) ?? '<unresolved import>';
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, this.resolve(v, s)]));
  }

  /**
   * The physical ID of a resource: its name property when the template sets one, the primary key's ID
   * for a replica key (a multi-Region replica shares it), a made-up `mrk-` ID for a key,
   * `<stack>-<LogicalId>` otherwise.
   */
  private physicalId(s: FakeStack, logicalId: string, r: { Type?: string; Properties?: Record<string, unknown> }): string {
    const named = r.Properties?.[NAME_PROPERTY[r.Type ?? ''] ?? ''];
    if (named !== undefined) return String(this.resolve(named, s));
    if (r.Type === 'AWS::KMS::ReplicaKey') {
      const primary = String(this.resolve(r.Properties?.PrimaryKeyArn, s));
      if (/key\/mrk-/.test(primary)) return primary.split('/').pop()!;
    }
    if (r.Type === 'AWS::KMS::Key' || r.Type === 'AWS::KMS::ReplicaKey') {
      const hex = [...`${s.id}/${logicalId}`]
        .reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
        .toString(16)
        .padStart(8, '0');
      return `mrk-${hex}${'0'.repeat(24)}`;
    }
    return `${s.name}-${logicalId}`;
  }

  /** Fn::GetAtt: ARNs in each service's format for the types xacct's outputs use, a made-up ARN otherwise. */
  private attribute(s: FakeStack, logicalId: string, r: { Type?: string; Properties?: Record<string, unknown> } | undefined, attr: string): string {
    const id = r ? this.physicalId(s, logicalId, r) : logicalId;
    if (attr === 'Arn') {
      if (r?.Type === 'AWS::S3::Bucket') return `arn:aws:s3:::${id}`;
      if (r?.Type === 'AWS::KMS::Key' || r?.Type === 'AWS::KMS::ReplicaKey') return `arn:aws:kms:${s.region}:${this.caller}:key/${id}`;
      if (r?.Type === 'AWS::IAM::Role') return `arn:aws:iam::${this.caller}:role/${id}`;
    }
    return `arn:aws:fake:${s.region}:${this.caller}:${s.name}/${logicalId}.${attr}`;
  }

  /** The stack's S3 buckets exist in the in-memory S3 once it is deployed, with their bucket policies. */
  private materializeBuckets(s: FakeStack): void {
    const resources = this.deployedTemplate(s).Resources ?? {};
    for (const [logicalId, r] of Object.entries(resources))
      if (r.Type === 'AWS::S3::Bucket') this.s3.createBucket(this.physicalId(s, logicalId, r), s.region, this.caller);
    for (const r of Object.values(resources)) {
      if (r.Type !== 'AWS::S3::BucketPolicy') continue;
      const bucket = this.s3.buckets.get(String(this.resolve(r.Properties?.Bucket, s)));
      const document = this.resolve(r.Properties?.PolicyDocument, s) as { Statement?: PolicyStatement[] } | undefined;
      if (bucket) bucket.policy = document?.Statement ?? [];
    }
  }

  /** ListStackResources: the deployed template's resources with their physical IDs, paginated. */
  private listStackResources(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    const rows = Object.entries(this.deployedTemplate(s).Resources ?? {}).map(([logicalId, r]) => ({
      LogicalResourceId: logicalId,
      PhysicalResourceId: this.physicalId(s, logicalId, r),
      ResourceType: r.Type,
      ResourceStatus: 'CREATE_COMPLETE',
      LastUpdatedTimestamp: new Date(1_700_000_000_000),
    }));
    const p = pageOf(rows, i, this.cfnPageSize);
    return { StackResourceSummaries: p.items, NextToken: p.next };
  }

  // ------------------------------------------------------------------------------------------
  // Drift.

  /** DetectStackSetDrift: an operation (DETECT_DRIFT) over every instance that is not INOPERABLE; each gets its DriftStatus when it is reached. */
  private detectStackSetDrift(i: Input): Out {
    const ss = this.stackSet(i);
    const id = this.beforeMutating(ss, i);
    const start = () =>
      [...ss.instances.values()]
        .filter((inst) => inst.status !== 'INOPERABLE')
        .sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region))
        .map((inst) => ({ account: inst.account, region: inst.region, ouId: inst.ouId, kind: 'drift' as const }));
    this.newOperation(ss, 'DETECT_DRIFT', 'all', start, id, i);
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
        PropertyDifferences: (r.differences ?? []).map((d) => ({
          PropertyPath: d.path,
          ExpectedValue: d.expected,
          ActualValue: d.actual,
          DifferenceType: 'NOT_EQUAL',
        })),
        Timestamp: new Date(1_700_000_000_000),
      }));
  }

  /** ListStackInstanceResourceDrifts: the drifted resources of one instance, filtered by StackInstanceResourceDriftStatuses. */
  private listStackInstanceResourceDrifts(i: Input): Out {
    const ss = this.stackSet(i);
    this.operation(ss, i.OperationId);
    const key = `${i.StackInstanceAccount}/${i.StackInstanceRegion}`;
    const inst = ss.instances.get(key);
    if (!inst) throw fault('StackInstanceNotFoundException', `Stack instance ${key} of StackSet ${ss.name} not found`);
    const resources = inst.drift === 'DRIFTED' ? (this.instanceDrift.get(`${ss.name}/${key}`) ?? []) : [];
    const rows = this.driftRows(
      resources,
      i.StackInstanceResourceDriftStatuses,
      `arn:aws:cloudformation:${inst.region}:${inst.account}:stack/StackSet-${ss.name}/fake`,
      (r) => `${r.logicalId}-${inst.account}`,
    );
    const p = pageOf(rows, i, Math.min(100, this.cfnPageSize));
    return { Summaries: p.items, NextToken: p.next };
  }

  /** DetectStackDrift: refused on a stack with an operation in progress. */
  private detectStackDrift(i: Input, region: string): Out {
    const s = this.mustStack(i.StackName, region);
    if (s.pending) throw fault('ValidationError', `Drift detection cannot be performed on stack [${s.name}] in status ${s.status}`);
    const id = `00000000-0000-0000-0000-${String(++this.seq).padStart(12, '0')}`;
    this.stackDriftDetections.set(id, { stack: s, polls: 0, resources: this.stackDrift.get(`${region}/${s.name}`) ?? [] });
    return { StackDriftDetectionId: id };
  }

  /** DescribeStackDriftDetectionStatus: DETECTION_IN_PROGRESS until `stackPolls` calls, then DETECTION_COMPLETE with the stack's drift. */
  private describeStackDriftDetectionStatus(i: Input): Out {
    const d = this.stackDriftDetections.get(i.StackDriftDetectionId);
    if (!d) throw fault('ValidationError', `Drift detection ${i.StackDriftDetectionId} does not exist`);
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

  /** DescribeStackResourceDrifts: the last detection's results, filtered by StackResourceDriftStatusFilters. */
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
  const homes = [
    fake.ou('Root/Workloads/NonProd'),
    fake.ou('Root/Workloads/NonProd/TeamA'),
    fake.ou('Root/Workloads/Prod'),
    fake.ou('Root/Workloads/Prod/Payments'),
    fake.ou('Root/Sandbox'),
  ];
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
