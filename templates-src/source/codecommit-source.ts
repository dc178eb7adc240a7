import { Events, IAM, Template } from '../cfn-types';
import { CODECOMMIT_SOURCE_ACTIONS } from '../policies/codecommit';
import type { Config } from '../config';
import { getAtt, merge, parameters, ref, sub, tags, P } from '../cfn';
import { names } from '../names';
import { artifactBucketArns, ciKeyUseViaS3, policy, S3_ARTIFACT_READ, S3_ARTIFACT_WRITE, S3_BUCKET_READ } from '../policies/document';
import { pascal } from '../central/pipeline-plan';
import { roleOutputs, roleResources, trustCiRoles, trustService } from '../target/role-template';

export const SOURCE_ROLE = 'SourceAccessRole';
export const SOURCE_EVENTS_ROLE = 'SourceEventsRole';

/** A repository and a branch a pipeline reads: one forwarding rule each. */
export interface SourceBranch {
  repository: string;
  branch: string;
}

const byName = (a: SourceBranch, b: SourceBranch) => a.repository.localeCompare(b.repository) || a.branch.localeCompare(b.branch);

function unique(branches: SourceBranch[]): SourceBranch[] {
  const seen = new Map(branches.map((b) => [`${b.repository}\0${b.branch}`, { repository: b.repository, branch: b.branch }]));
  return [...seen.values()].sort(byName);
}

/** Every repository and branch that some pipeline reads in `account`, sorted, each once. */
export function sourceBranches(config: Config, account: string): SourceBranch[] {
  return unique(config.pipelines.flatMap((p) => ('codecommit' in p.source && p.source.codecommit.account === account ? [p.source.codecommit] : [])));
}

/**
 * What the template covers without a source account (the building block of `dist/`): the first
 * source account's repositories, else the CodeCommit repositories of the CI account (as if moved
 * out), else `app` on `main`.
 */
function buildingBlockBranches(config: Config): SourceBranch[] {
  const first = config.pipelines.flatMap((p) => ('codecommit' in p.source && p.source.codecommit.account ? [p.source.codecommit.account] : []))[0];
  if (first) return sourceBranches(config, first);
  const local = unique(config.pipelines.flatMap((p) => ('codecommit' in p.source ? [p.source.codecommit] : [])));
  return local.length > 0 ? local : [{ repository: 'app', branch: 'main' }];
}

const repoArn = (repository: string) => sub(`arn:${P.partition}:codecommit:${P.region}:${P.account}:${repository}`);
const ciBus = () => sub(`arn:${P.partition}:events:${P.region}:${P.ciAccount}:event-bus/default`);

/** Logical IDs from the names (stable when pipelines are added); names that collapse to one ID get a number. */
function ruleIds(branches: SourceBranch[]): string[] {
  const taken = new Set<string>();
  return branches.map((b) => {
    const base = `Forward${pascal(b.repository)}${pascal(b.branch)}Events`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
    taken.add(id);
    return id;
  });
}

function forwardingRules(branches: SourceBranch[]): NonNullable<Template['Resources']> {
  const ids = ruleIds(branches);
  return Object.fromEntries(
    branches.map((b, i) => [
      ids[i],
      new Events.Rule({
        Description: `Forward ${b.repository}/${b.branch} changes to the xacct CI account`,
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.codecommit'],
          'detail-type': ['CodeCommit Repository State Change'],
          resources: [repoArn(b.repository)],
          detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'], referenceName: [b.branch] },
        },
        Targets: [{ Arn: ciBus(), Id: 'ci-account-bus', RoleArn: getAtt(SOURCE_EVENTS_ROLE, 'Arn') }],
      }),
    ]),
  );
}

/**
 * codecommit-source — lands in an account that holds CodeCommit repositories read by pipelines in
 * the CI account: one StackSet per such account, covering every repository and branch any pipeline
 * reads there. The `<prefix>-source-access` role the pipelines assume for their source actions
 * (reading exactly those repositories), and one EventBridge rule per repository and branch
 * forwarding its events to the CI account's default bus through a role that may only put events
 * there. Role names are account-global, so two StackSets in one account would collide: hence one
 * per account, whatever the number of pipelines.
 */
export function codecommitSource(config: Config, account?: string): Template {
  const branches = account ? sourceBranches(config, account) : buildingBlockBranches(config);
  if (branches.length === 0) throw new Error(`codecommit-source: no pipeline reads a CodeCommit repository in account ${account}`);
  const repositories = [...new Set(branches.map((b) => b.repository))];
  const artifacts = artifactBucketArns(true);
  const spec = {
    id: SOURCE_ROLE,
    name: names.sourceAccessRole,
    slug: 'source-access',
    description: `Assumed by the xacct pipelines in the CI account to read ${repositories.join(', ')}`.slice(0, 1000),
    trust: trustCiRoles([names.pipelineRole]),
    inline: [
      {
        Sid: 'ReadRepositories',
        Effect: 'Allow' as const,
        Action: CODECOMMIT_SOURCE_ACTIONS,
        Resource: repositories.map(repoArn),
      },
      { Sid: 'WriteSourceArtifacts', Effect: 'Allow' as const, Action: [...S3_ARTIFACT_READ, ...S3_ARTIFACT_WRITE], Resource: artifacts.objects },
      { Sid: 'ListArtifactBuckets', Effect: 'Allow' as const, Action: S3_BUCKET_READ, Resource: artifacts.buckets },
      ciKeyUseViaS3('UseArtifactKeyThroughS3', true),
    ],
  };
  const forwarding: Template = {
    Parameters: { Prefix: parameters.Prefix(config.prefix), CiAccountId: parameters.CiAccountId() },
    Resources: {
      [SOURCE_EVENTS_ROLE]: new IAM.Role({
        RoleName: sub(names.sourceEventsRole(P.prefix)),
        Description: 'Forwards repository events to the xacct CI account',
        AssumeRolePolicyDocument: trustService('events.amazonaws.com'),
        Policies: [
          {
            PolicyName: sub(`${names.sourceEventsRole(P.prefix)}-policy`),
            PolicyDocument: policy({ Sid: 'PutEventsOnCiBusOnly', Effect: 'Allow', Action: 'events:PutEvents', Resource: ciBus() }),
          },
        ],
        Tags: tags(ref('Prefix')),
      }),
      ...forwardingRules(branches),
    },
  };
  const description = `xacct codecommit-source (source account): source-access role and event forwarding for ${branches.map((b) => `${b.repository}/${b.branch}`).join(', ')}`;
  return merge(description.slice(0, 1024), { Resources: roleResources(spec) }, forwarding, { Outputs: roleOutputs(spec) });
}
