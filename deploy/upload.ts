/**
 * Templates over CloudFormation's 51,200-byte inline limit go to the CI account's templates bucket.
 * The bucket policy refuses puts that do not name SSE-KMS with the artifact key, so both are sent.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsFailure, XacctError } from './errors';
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
    if (!kmsKey) throw new XacctError('PRECONDITION', `stack '${spec.name}' (${spec.region}): the artifact key ARN is not known yet, so its template cannot be uploaded to ${bucket}`);
    try {
      await s3(spec.region).send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: spec.templateBody, ContentType: 'application/json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKey }),
      );
    } catch (err) {
      throw awsFailure(`stack '${spec.name}' (${spec.region}): uploading its template to s3://${bucket}/${key}`, 's3:PutObject', err);
    }
    return templateUrl(bucket, spec.region, key);
  };
}
