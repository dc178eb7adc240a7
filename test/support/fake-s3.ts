/**
 * The in-memory S3 behind the fake organization: buckets that stacks create, PutObject with the
 * headers S3 receives, the bucket policy's Deny statements evaluated against those headers, and the
 * objects CloudFormation reads through `TemplateURL`.
 *
 * Simpler than S3: one version per key; no ACLs, no Allow evaluation (the caller is taken to be the
 * bucket owner's administrator, so only an explicit Deny in the bucket policy refuses a put); a bucket
 * answers in any region; only the condition operators xacct's bucket policies use are evaluated, and
 * any other operator on a statement that applies to the put fails loudly instead of being skipped.
 */
import { createHash } from 'node:crypto';
import { FakeFault } from './fake-wire';

export interface FakeObject {
  body: string;
  contentType?: string;
  /** `x-amz-server-side-encryption` as sent: `aws:kms`, `AES256` or absent. */
  sse?: string;
  kmsKeyId?: string;
  etag: string;
}

/** A bucket policy statement after CloudFormation resolved its intrinsic functions. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface FakeBucket {
  name: string;
  region: string;
  account: string;
  objects: Map<string, FakeObject>;
  policy: PolicyStatement[];
}

export interface PutObjectInput {
  Bucket: string;
  Key: string;
  Body: string;
  ContentType?: string;
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
}

const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

/**
 * One condition operator against the request context (IAM JSON policy elements: Condition operators).
 * A negated operator holds when the key is absent; `...IfExists` holds when the key is absent.
 */
function holds(operator: string, key: string, wanted: string[], context: Record<string, string | undefined>): boolean {
  const ifExists = operator.endsWith('IfExists');
  const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = context[key];
  if (op === 'Null') return wanted.includes(String(actual === undefined));
  if (actual === undefined) return ifExists || op === 'StringNotEquals';
  switch (op) {
    case 'StringEquals':
      return wanted.includes(actual);
    case 'StringNotEquals':
      return !wanted.includes(actual);
    case 'Bool':
      return wanted.includes(actual);
    case 'NumericLessThan':
      return wanted.some((w) => Number(actual) < Number(w));
    default:
      throw new Error(`the in-memory S3 cannot evaluate condition operator ${operator} (key ${key}); model it before relying on it`);
  }
}

export class FakeS3 {
  readonly buckets = new Map<string, FakeBucket>();
  /** Every PutObject as S3 received it, refused ones included. */
  readonly puts: Array<PutObjectInput & { region: string; refused?: string }> = [];

  createBucket(name: string, region: string, account: string, policy: PolicyStatement[] = []): FakeBucket {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    const bucket: FakeBucket = { name, region, account, objects: new Map(), policy };
    this.buckets.set(name, bucket);
    return bucket;
  }

  /** The Deny statement that refuses this put, if any (Amazon S3 User Guide: bucket policy examples, "Require SSE-KMS"). */
  private denial(bucket: FakeBucket, i: PutObjectInput): PolicyStatement | undefined {
    const arn = `arn:aws:s3:::${bucket.name}/${i.Key}`;
    // Requests reach the fake as HTTPS with TLS 1.3, like the SDK's defaults.
    const context: Record<string, string | undefined> = {
      'aws:SecureTransport': 'true',
      's3:TlsVersion': '1.3',
      's3:x-amz-server-side-encryption': i.ServerSideEncryption,
      's3:x-amz-server-side-encryption-aws-kms-key-id': i.SSEKMSKeyId,
    };
    return bucket.policy.find((s) => {
      if (s.Effect !== 'Deny') return false;
      if (!asList(s.Action).some((a) => glob(a, 's3:PutObject'))) return false;
      if (!asList(s.Resource).some((r) => glob(r, arn))) return false;
      return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, wanted]) => holds(operator, key, asList(wanted), context)),
      );
    });
  }

  /** PutObject (Amazon S3 API Reference: PutObject). Returns the response headers. */
  putObject(i: PutObjectInput, region: string): Record<string, string | undefined> {
    const bucket = this.buckets.get(i.Bucket);
    if (!bucket) {
      this.puts.push({ ...i, region, refused: 'NoSuchBucket' });
      throw new FakeFault('NoSuchBucket', 'The specified bucket does not exist', 404);
    }
    const denied = this.denial(bucket, i);
    if (denied) {
      this.puts.push({ ...i, region, refused: `AccessDenied by ${denied.Sid ?? 'a Deny statement'}` });
      // An explicit deny in a resource-based policy (IAM: "Access denied error messages").
      throw new FakeFault(
        'AccessDenied',
        `User is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${i.Bucket}/${i.Key}" with an explicit deny in a resource-based policy`,
        403,
      );
    }
    this.puts.push({ ...i, region });
    const etag = `"${createHash('md5').update(i.Body).digest('hex')}"`;
    bucket.objects.set(i.Key, { body: i.Body, contentType: i.ContentType, sse: i.ServerSideEncryption, kmsKeyId: i.SSEKMSKeyId, etag });
    return {
      ETag: etag,
      'x-amz-server-side-encryption': i.ServerSideEncryption ?? 'AES256',
      'x-amz-server-side-encryption-aws-kms-key-id': i.ServerSideEncryption === 'aws:kms' ? i.SSEKMSKeyId : undefined,
    };
  }

  /**
   * HeadObject: the object's headers; a missing bucket or key is a bare 404, which the SDK names
   * NotFound (a HEAD response carries no error body: "HeadObject - Amazon Simple Storage Service").
   */
  headObject(i: { Bucket: string; Key: string }): Record<string, string | undefined> {
    const object = this.buckets.get(i.Bucket)?.objects.get(i.Key);
    if (!object) throw new FakeFault('NotFound', 'Not Found', 404);
    return {
      ETag: object.etag,
      'Content-Length': String(Buffer.byteLength(object.body)),
      'Content-Type': object.contentType,
      'x-amz-server-side-encryption': object.sse ?? 'AES256',
      'x-amz-server-side-encryption-aws-kms-key-id': object.sse === 'aws:kms' ? object.kmsKeyId : undefined,
    };
  }

  /** Bucket and key of an S3 object URL, virtual-hosted or path style. */
  static parseUrl(url: string): { bucket: string; key: string } | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    const path = u.pathname.replace(/^\//, '').split('/').map(decodeURIComponent);
    const hosted = /^(.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com(\.cn)?$/.exec(u.hostname);
    if (hosted) return { bucket: hosted[1], key: path.join('/') };
    if (/^s3[.-]([a-z0-9-]+\.)?amazonaws\.com(\.cn)?$/.test(u.hostname)) return { bucket: path[0], key: path.slice(1).join('/') };
    return undefined;
  }

  /**
   * The template body a `TemplateURL` names, as CloudFormation fetches it; a URL that is not an S3
   * object it can read fails as CloudFormation says (CreateChangeSet / CreateStackSet: TemplateURL).
   */
  templateAt(url: string): string {
    const where = FakeS3.parseUrl(url);
    const object = where ? this.buckets.get(where.bucket)?.objects.get(where.key) : undefined;
    if (!object) throw new FakeFault('ValidationError', 'TemplateURL must reference a valid S3 object to which you have access.');
    return object.body;
  }
}
