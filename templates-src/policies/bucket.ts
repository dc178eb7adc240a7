import { Value } from '../cfn-types';
import { sub, P } from '../cfn';
import { Statement } from './document';

/** `arn:aws:s3:::bucket` and `arn:aws:s3:::bucket/*` for a bucket name expression. */
export function bucketArns(name: string): { bucket: Value<string>; objects: Value<string> } {
  return { bucket: sub(`arn:${P.partition}:s3:::${name}`), objects: sub(`arn:${P.partition}:s3:::${name}/*`) };
}

/** Deny plain HTTP and TLS older than 1.2, for the bucket and its objects. */
export function transportDenies(name: string): Statement[] {
  const { bucket, objects } = bucketArns(name);
  const deny = (Sid: string, Condition: Statement['Condition']): Statement => ({
    Sid,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucket, objects],
    Condition,
  });
  return [deny('DenyInsecureTransport', { Bool: { 'aws:SecureTransport': 'false' } }), deny('DenyTlsBelow12', { NumericLessThan: { 's3:TlsVersion': '1.2' } })];
}

/**
 * Every put must name SSE-KMS and this bucket's key. CodePipeline and CodeBuild send both headers
 * when the pipeline has an encryption key; anything else writing here must do the same.
 */
export function encryptionDenies(name: string, keyArn: Value<string>): Statement[] {
  const { objects } = bucketArns(name);
  return [
    {
      Sid: 'DenyPutsWithoutKmsEncryption',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    },
    {
      Sid: 'DenyPutsWithoutEncryptionHeader',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } },
    },
    {
      Sid: 'DenyPutsWithAnotherKey',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } },
    },
  ];
}
