import { Events, IAM, Template } from '../cfn-types';
import type { Config } from '../config';
import { getAtt, merge, parameters, ref, sub, tags, P } from '../cfn';
import { StringParameter } from '../cfn-types';
import { names } from '../names';
import { artifactBucketArns, ciKeyUseViaS3, policy, S3_ARTIFACT_READ, S3_ARTIFACT_WRITE, S3_BUCKET_READ } from '../policies/document';
import { roleOutputs, roleResources, trustCiRoles, trustService } from '../target/role-template';

export const SOURCE_ROLE = 'SourceAccessRole';
export const SOURCE_EVENTS_ROLE = 'SourceEventsRole';

/** The first cross-account CodeCommit source of the config, for the template's Parameter defaults. */
function defaults(config: Config): { repository: string; branch: string } {
  for (const p of config.pipelines) if ('codecommit' in p.source && p.source.codecommit.account) return p.source.codecommit;
  for (const p of config.pipelines) if ('codecommit' in p.source) return p.source.codecommit;
  return { repository: 'app', branch: 'main' };
}

const repoArn = () => sub(`arn:${P.partition}:codecommit:${P.region}:${P.account}:\${RepositoryName}`);
const ciBus = () => sub(`arn:${P.partition}:events:${P.region}:${P.ciAccount}:event-bus/default`);

/**
 * codecommit-source — lands in the account that holds a CodeCommit repository read by a pipeline in
 * the CI account (one StackSet instance per such pipeline). The `<prefix>-source-access` role the
 * pipeline assumes for its source action, and an EventBridge rule forwarding the branch's
 * repository events to the CI account's default bus through a role that may only put events there.
 */
export function codecommitSource(config: Config): Template {
  const d = defaults(config);
  const artifacts = artifactBucketArns(true);
  const spec = {
    id: SOURCE_ROLE,
    name: names.sourceAccessRole,
    slug: 'source-access',
    description: 'Assumed by the xacct pipeline in the CI account to read this repository',
    trust: trustCiRoles([names.pipelineRole]),
    inline: [
      {
        Sid: 'ReadRepository',
        Effect: 'Allow' as const,
        Action: ['codecommit:CancelUploadArchive', 'codecommit:GetBranch', 'codecommit:GetCommit', 'codecommit:GetRepository', 'codecommit:GetUploadArchiveStatus', 'codecommit:UploadArchive'],
        Resource: repoArn(),
      },
      { Sid: 'WriteSourceArtifacts', Effect: 'Allow' as const, Action: [...S3_ARTIFACT_READ, ...S3_ARTIFACT_WRITE], Resource: artifacts.objects },
      { Sid: 'ListArtifactBuckets', Effect: 'Allow' as const, Action: S3_BUCKET_READ, Resource: artifacts.buckets },
      ciKeyUseViaS3('UseArtifactKeyThroughS3', true),
    ],
  };
  const forwarding: Template = {
    Parameters: {
      Prefix: parameters.Prefix(config.prefix),
      CiAccountId: parameters.CiAccountId(),
      RepositoryName: new StringParameter({ Description: 'CodeCommit repository the pipeline reads', AllowedPattern: '^[\\w.-]{1,100}$', Default: d.repository }),
      BranchName: new StringParameter({ Description: 'Branch whose changes start the pipeline', MinLength: 1, Default: d.branch }),
    },
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
      ForwardRepositoryEvents: new Events.Rule({
        Description: sub('Forward ${RepositoryName}/${BranchName} changes to the xacct CI account'),
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.codecommit'],
          'detail-type': ['CodeCommit Repository State Change'],
          resources: [repoArn()],
          detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'], referenceName: [ref('BranchName')] },
        },
        Targets: [{ Arn: ciBus(), Id: 'ci-account-bus', RoleArn: getAtt(SOURCE_EVENTS_ROLE, 'Arn') }],
      }),
    },
  };
  const description = 'xacct codecommit-source (source account): source-access role and event forwarding to the CI account';
  return merge(description, { Resources: roleResources(spec), Outputs: roleOutputs(spec) }, forwarding);
}
