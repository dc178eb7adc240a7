/**
 * Templates over CloudFormation's 51,200-byte inline limit go to the CI account's templates bucket.
 * The bucket policy refuses puts that do not name SSE-KMS with the artifact key, so both are sent.
 */
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsFailure, XacctError } from './errors';
import { isNamed } from './aws-error';
import type { StackSpec } from './stack/spec';

/** Virtual-hosted URL CloudFormation reads the template from. */
export function templateUrl(bucket: string, region: string, key: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${bucket}.s3.${region}.${suffix}/${key}`;
}

export function templateUploader(s3: (region: string) => S3Client, keyArn: (region: string) => string | undefined) {
  return async (spec: StackSpec): Promise<string> => {
    const { bucket, key } = spec.upload!;
    const kmsKey = keyArn(spec.region);
    if (!kmsKey)
      throw new XacctError(
        'PRECONDITION',
        `stack '${spec.name}' (${spec.region}): the artifact key ARN is not known yet, so its template cannot be uploaded to ${bucket}`,
      );
    try {
      await s3(spec.region).send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: spec.templateBody,
          ContentType: 'application/json',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: kmsKey,
        }),
      );
    } catch (err) {
      throw awsFailure(`stack '${spec.name}' (${spec.region}): uploading its template to s3://${bucket}/${key}`, 's3:PutObject', err);
    }
    return templateUrl(bucket, spec.region, key);
  };
}

/** An object under a content-hashed key: what it holds never changes, so one that is there needs no put. */
export interface HashedObject {
  what: string;
  bucket: string;
  key: string;
  body: Buffer | string;
  contentType: string;
}

/** HeadObject answers 404 NotFound for a key that is not there ("HeadObject - Amazon Simple Storage Service"). */
async function exists(s3: S3Client, o: HashedObject): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: o.bucket, Key: o.key }));
    return true;
  } catch (err) {
    if (isNamed(err, 'NotFound', 'NoSuchKey')) return false;
    throw awsFailure(`${o.what}: s3://${o.bucket}/${o.key}`, 's3:HeadObject', err);
  }
}

/** Put `o` with SSE-KMS and the artifact key unless it is there already; true when it was put. */
export async function ensureObject(s3: S3Client, o: HashedObject, kmsKey: string | undefined): Promise<boolean> {
  if (await exists(s3, o)) return false;
  if (!kmsKey) throw new XacctError('PRECONDITION', `${o.what}: the artifact key ARN is not known yet, so it cannot be uploaded to ${o.bucket}`);
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: o.body, ContentType: o.contentType, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKey }),
    );
  } catch (err) {
    throw awsFailure(`${o.what}: uploading to s3://${o.bucket}/${o.key}`, 's3:PutObject', err);
  }
  return true;
}
