/**
 * How a template body reaches CloudFormation. Inline bodies are limited to 51,200 bytes; larger ones
 * (a pipeline with many accounts per stage) go through the CI account's templates bucket, whose
 * objects CloudFormation reads by URL (up to 1 MB).
 */
import { createHash } from 'node:crypto';
import type { CfnTemplate } from './cfn';

export const MAX_INLINE_BYTES = 51_200;
export const MAX_URL_BYTES = 1_000_000;

export type Delivery = { kind: 'inline'; body: string; bytes: number } | { kind: 's3'; body: string; bytes: number; key: string; reason: string };

/** Minified JSON inline when it fits, else an S3 key in the templates bucket named by content hash. */
export function templateDelivery(name: string, template: CfnTemplate): Delivery {
  const body = JSON.stringify(template);
  const bytes = Buffer.byteLength(body);
  if (bytes <= MAX_INLINE_BYTES) return { kind: 'inline', body, bytes };
  if (bytes > MAX_URL_BYTES) {
    throw new Error(
      `template '${name}' is ${bytes} bytes, over CloudFormation's ${MAX_URL_BYTES}-byte limit for templates in S3; split its pipelines or stages`,
    );
  }
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return {
    kind: 's3',
    body,
    bytes,
    key: `xacct/templates/${name}/${hash}.json`,
    reason: `template '${name}' is ${bytes} bytes, over the ${MAX_INLINE_BYTES}-byte inline limit; it is uploaded to the templates bucket and passed as TemplateURL`,
  };
}
