import { S3, SSM, Template, Value } from '../cfn-types';
import type { Config } from '../config';
import { importValue, merge, orgParameters, ref, retain, sub, tags, P } from '../cfn';
import { BucketKind, names } from '../names';
import {
  artifactRoleNames,
  policy,
  S3_ARTIFACT_READ,
  S3_ARTIFACT_WRITE,
  S3_BUCKET_READ,
  sourceAccessConditions,
  sourceAccounts,
  Statement,
  targetRoleStatements,
} from '../policies/document';
import { bucketArns, encryptionDenies, transportDenies } from '../policies/bucket';

export const BUCKET_IDS: Record<BucketKind, string> = { artifacts: 'ArtifactBucket', templates: 'TemplatesBucket', logs: 'AccessLogBucket' };

export function bucketName(kind: BucketKind): string {
  return names.bucket(P.prefix, kind, P.account, P.region);
}

interface BucketOptions {
  kind: BucketKind;
  /** SSE-KMS key ARN; undefined means SSE-S3 (the access-log bucket, see below). */
  keyArn?: Value<string>;
  expireDays?: number;
  noncurrentDays: number;
}

/** A bucket with every hardening point: encryption, versioning, no public access, owner-enforced, lifecycle, logging. */
export function hardenedBucket(o: BucketOptions): S3.Bucket {
  const encryption = o.keyArn ? { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: o.keyArn } : { SSEAlgorithm: 'AES256' };
  return retain(
    new S3.Bucket({
      BucketName: sub(bucketName(o.kind)),
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: encryption, BucketKeyEnabled: o.keyArn !== undefined }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'expire-and-clean-up',
            Status: 'Enabled',
            ExpirationInDays: o.expireDays,
            NoncurrentVersionExpiration: { NoncurrentDays: o.noncurrentDays },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
      // The access-log bucket does not log to itself: S3 would log its own log deliveries forever.
      LoggingConfiguration: o.kind === 'logs' ? undefined : { DestinationBucketName: ref(BUCKET_IDS.logs), LogFilePrefix: `${o.kind}/` },
      Tags: tags(ref('Prefix')),
    }),
  );
}

/** Target roles (target OU paths or named accounts, and fixed names) may read and write artifacts; nothing else is granted. */
export function targetAccessStatements(config: Config, kind: BucketKind, write: boolean): Statement[] {
  const { bucket, objects } = bucketArns(bucketName(kind));
  const statement = {
    Sid: write ? 'TargetRolesReadWrite' : 'TargetRolesRead',
    Action: [...S3_ARTIFACT_READ, ...(write ? S3_ARTIFACT_WRITE : []), ...S3_BUCKET_READ],
    Resource: [bucket, objects],
  };
  return targetRoleStatements(config, statement, artifactRoleNames(config));
}

/** Source-access roles put the source archive into the artifact bucket (home region only). */
function sourceAccessStatements(config: Config): Statement[] {
  if (sourceAccounts(config).length === 0) return [];
  const { bucket, objects } = bucketArns(bucketName('artifacts'));
  return [
    {
      Sid: 'SourceAccessRolesReadWrite',
      Effect: 'Allow',
      Principal: '*',
      Action: [...S3_ARTIFACT_READ, ...S3_ARTIFACT_WRITE, ...S3_BUCKET_READ],
      Resource: [bucket, objects],
      Condition: sourceAccessConditions(),
    },
  ];
}

function bucketPolicy(id: string, kind: BucketKind, statements: Statement[]): S3.BucketPolicy {
  return new S3.BucketPolicy({ Bucket: ref(id), PolicyDocument: policy(...transportDenies(bucketName(kind)), ...statements) });
}

function logDeliveryStatement(): Statement {
  const sources = (['artifacts', 'templates'] as const).map((k) => bucketArns(bucketName(k)).bucket);
  return {
    Sid: 'S3ServerAccessLogDelivery',
    Effect: 'Allow',
    Principal: { Service: 'logging.s3.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: bucketArns(bucketName('logs')).objects,
    Condition: { StringEquals: { 'aws:SourceAccount': sub(P.account) }, ArnLike: { 'aws:SourceArn': sources } },
  };
}

/**
 * Artifact, templates and access-log buckets for one region of the CI account. The log bucket uses
 * SSE-S3: S3 server access log delivery supports only SSE-S3 on the destination bucket.
 */
export function bucketResources(config: Config, keyArn: Value<string>): Template {
  const a = config.artifacts;
  return {
    Resources: {
      [BUCKET_IDS.logs]: hardenedBucket({ kind: 'logs', expireDays: a.logRetentionDays, noncurrentDays: a.noncurrentVersionDays }),
      AccessLogBucketPolicy: bucketPolicy(BUCKET_IDS.logs, 'logs', [logDeliveryStatement()]),
      [BUCKET_IDS.artifacts]: hardenedBucket({ kind: 'artifacts', keyArn, expireDays: a.expireDays, noncurrentDays: a.noncurrentVersionDays }),
      ArtifactBucketPolicy: bucketPolicy(BUCKET_IDS.artifacts, 'artifacts', [
        ...encryptionDenies(bucketName('artifacts'), keyArn),
        ...targetAccessStatements(config, 'artifacts', true),
        ...sourceAccessStatements(config),
      ]),
      [BUCKET_IDS.templates]: hardenedBucket({ kind: 'templates', keyArn, noncurrentDays: a.noncurrentVersionDays }),
      TemplatesBucketPolicy: bucketPolicy(BUCKET_IDS.templates, 'templates', [
        ...encryptionDenies(bucketName('templates'), keyArn),
        ...targetAccessStatements(config, 'templates', false),
      ]),
    },
  };
}

/**
 * buckets — lands in the CI account. Artifact, templates and access-log buckets, hardened, with
 * policies that admit only xacct's roles in accounts under the target OUs. Names published as
 * exports and SSM parameters.
 */
export function buckets(config: Config): Template {
  const keyArn = importValue(sub(names.export(P.prefix, 'artifact-key-arn')));
  const published: Template = { Parameters: orgParameters(config, sourceAccounts(config)), Resources: {}, Outputs: {} };
  for (const kind of ['artifacts', 'templates', 'logs'] as const) {
    const id = BUCKET_IDS[kind];
    published.Resources![`${id}NameParameter`] = new SSM.Parameter({
      Name: sub(names.ssm(P.prefix, `${kind}-bucket`)),
      Type: 'String',
      Value: ref(id),
      Description: `Name of the xacct ${kind} bucket`,
    });
    published.Outputs![`${id}Name`] = {
      Description: `Name of the ${kind} bucket`,
      Value: ref(id),
      Export: { Name: sub(names.export(P.prefix, `${kind}-bucket`)) },
    };
  }
  return merge('xacct buckets (CI account): artifact, templates and access-log buckets', bucketResources(config, keyArn), published);
}
