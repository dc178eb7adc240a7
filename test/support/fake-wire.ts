/**
 * The wire side of the in-memory AWS (fake-aws.ts): turns an HTTP request as the SDK sends it into
 * service, operation and input, and an answer or a fault into the HTTP response AWS would send, so
 * the SDK's own serializers, deserializers, retry strategy and xacct's middleware all run.
 *
 * - CloudFormation and STS speak the AWS query protocol: a form-encoded body with `Action=...`,
 *   nested members as `A.B`, lists as `A.member.N`; answers are `<XResponse><XResult>` XML with
 *   lists as `<member>` elements and ISO 8601 timestamps; errors are `<ErrorResponse><Error>` with
 *   the model's awsQueryError code and HTTP status (AWS Query protocol, Smithy documentation).
 * - Organizations speaks awsJson1_1: `X-Amz-Target: AWSOrganizationsV20161128.<Op>`, a JSON body,
 *   epoch-second timestamps; errors are `{"__type", "Message"}` (AWS JSON 1.1 protocol).
 * - S3 PutObject is REST-XML: `PUT /<key>` on the bucket's host (or path style), headers for SSE,
 *   the object as the body; errors are `<Error><Code>` (Amazon S3 API Reference, "Error responses").
 *   HeadObject is `HEAD /<key>`: headers only, a missing key 404 with no body.
 *
 * Request inputs are read through the SDK's own operation schemas, so a list is a list even when it
 * is empty (`Capabilities=`) and booleans and numbers arrive typed, as the service parses them.
 */
import { randomUUID } from 'node:crypto';
import * as C from '@aws-sdk/client-cloudformation';
import * as O from '@aws-sdk/client-organizations';
import * as STS from '@aws-sdk/client-sts';
import { HttpResponse } from '@smithy/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';
import type { HttpRequest } from '@smithy/types';
import type { Json } from './json';

type Input = Record<string, Json>;

export type Service = 'cloudformation' | 'sts' | 'organizations' | 's3';

/** An AWS error as the service names it; the wire layer gives it each protocol's shape. */
export class FakeFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status when the model does not say (ValidationError, Throttling): 400 client, 500 server. */
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export interface WireRequest {
  service: Service;
  op: string;
  input: Input;
  region: string;
}

/** The SDK module whose schemas describe each service's operations and errors. */
const MODELS: Record<Exclude<Service, 's3'>, Record<string, unknown>> = { cloudformation: C, sts: STS, organizations: O };
const QUERY_NAMESPACE: Record<string, string> = {
  cloudformation: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

function header(req: HttpRequest, name: string): string | undefined {
  const key = Object.keys(req.headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : req.headers[key];
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new FakeFault('InvalidRequest', 'the in-memory AWS reads only string and byte bodies (no streams)');
}

/**
 * Service and region from the SigV4 credential scope (`Credential=AKID/20240101/eu-west-1/cloudformation/aws4_request`):
 * it names both whatever endpoint the client was pointed at.
 */
function scope(req: HttpRequest): { service: Service; region: string } {
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(header(req, 'authorization') ?? '');
  if (!m) throw new FakeFault('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  const service = m[2];
  if (service !== 'cloudformation' && service !== 'sts' && service !== 'organizations' && service !== 's3') {
    throw new FakeFault('UnknownOperationException', `the in-memory AWS does not model ${service}`);
  }
  return { service, region: m[1] };
}

/** `Parameters.member.1.ParameterKey=k` as nested objects of strings: `{ Parameters: { member: { 1: { ParameterKey: 'k' } } } }`. */
function formTree(body: string): Record<string, unknown> {
  const tree: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.');
    let node = tree as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return tree;
}

function numbered(node: unknown): unknown[] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node as Record<string, unknown>)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => v);
}

/** A form tree read as the operation's input shape says: lists, maps, booleans, numbers, timestamps. */
function fromForm(schema: NormalizedSchema, node: unknown): unknown {
  if (schema.isListSchema()) {
    if (node === '') return [];
    const listed = (node as Record<string, unknown>)?.member ?? node;
    return numbered(listed).map((v) => fromForm(schema.getValueSchema(), v));
  }
  if (schema.isMapSchema()) {
    const entries = numbered((node as Record<string, unknown>)?.entry ?? node) as Array<{ key: string; value: unknown }>;
    return Object.fromEntries(entries.map((e) => [e.key, fromForm(schema.getValueSchema(), e.value)]));
  }
  if (schema.isStructSchema()) {
    const out: Record<string, unknown> = {};
    const fields = (node ?? {}) as Record<string, unknown>;
    for (const [name, member] of schema.structIterator()) {
      const wireName = (member.getMergedTraits().xmlName as string | undefined) ?? name;
      if (fields[wireName] !== undefined) out[name] = fromForm(member, fields[wireName]);
    }
    return out;
  }
  const text = String(node);
  if (schema.isBooleanSchema()) return text === 'true';
  if (schema.isNumericSchema()) return Number(text);
  if (schema.isTimestampSchema()) return new Date(text);
  if (schema.isBlobSchema()) return Buffer.from(text, 'base64');
  return text;
}

function operationSchema(service: Exclude<Service, 's3'>, op: string): { input: NormalizedSchema; output: NormalizedSchema } {
  const schema = MODELS[service][`${op}$`] as unknown[] | undefined;
  if (!Array.isArray(schema) || schema[0] !== 9)
    throw new FakeFault(service === 'organizations' ? 'UnknownOperationException' : 'InvalidAction', `Could not find operation ${op} for version`);
  return { input: NormalizedSchema.of(schema[4] as never), output: NormalizedSchema.of(schema[5] as never) };
}

/** Bucket and key of an S3 request, virtual-hosted (`bucket.s3.region.amazonaws.com/key`) or path style (`host/bucket/key`). */
function s3Target(req: HttpRequest): { bucket: string; key: string } {
  const segments = req.path.replace(/^\//, '').split('/').map(decodeURIComponent);
  const hosted = /^(.+)\.s3[.-]/.exec(req.hostname);
  if (hosted) return { bucket: hosted[1], key: segments.join('/') };
  return { bucket: segments[0], key: segments.slice(1).join('/') };
}

function s3Request(req: HttpRequest, region: string): WireRequest {
  const query = req.query ?? {};
  // ListBuckets: `GET /` on the service endpoint ("ListBuckets - Amazon Simple Storage Service").
  if (req.method === 'GET' && (req.path === '/' || req.path === '') && !/^(.+)\.s3[.-]/.test(req.hostname)) {
    return { service: 's3', op: 'ListBuckets', region, input: { ContinuationToken: query['continuation-token'], MaxBuckets: query['max-buckets'] } as Input };
  }
  // HeadObject: `HEAD /<key>` ("HeadObject - Amazon Simple Storage Service"): the object's metadata, no body.
  if (req.method === 'HEAD' && Object.keys(query).every((k) => k === 'x-id')) {
    const { bucket, key } = s3Target(req);
    return { service: 's3', op: 'HeadObject', region, input: { Bucket: bucket, Key: key } };
  }
  if (req.method !== 'PUT' || 'uploadId' in query || 'partNumber' in query || Object.keys(query).some((k) => k !== 'x-id')) {
    throw new FakeFault('NotImplemented', `the in-memory S3 answers PutObject, HeadObject and ListBuckets only (got ${req.method} ${req.path})`, 501);
  }
  const { bucket, key } = s3Target(req);
  const h = (name: string) => header(req, name);
  return {
    service: 's3',
    op: 'PutObject',
    region,
    input: {
      Bucket: bucket,
      Key: key,
      Body: bodyText(req.body),
      ContentType: h('content-type'),
      ServerSideEncryption: h('x-amz-server-side-encryption'),
      SSEKMSKeyId: h('x-amz-server-side-encryption-aws-kms-key-id'),
      BucketKeyEnabled:
        h('x-amz-server-side-encryption-bucket-key-enabled') === undefined ? undefined : h('x-amz-server-side-encryption-bucket-key-enabled') === 'true',
    },
  };
}

/** What a request asks for. Throws FakeFault for what AWS would refuse before reaching the operation. */
export function parseRequest(req: HttpRequest): WireRequest {
  const { service, region } = scope(req);
  if (service === 's3') return s3Request(req, region);
  if (service === 'organizations') {
    const target = header(req, 'x-amz-target') ?? '';
    const op = target.split('.')[1] ?? '';
    operationSchema(service, op);
    const text = bodyText(req.body);
    return { service, op, region, input: text ? (JSON.parse(text) as Input) : {} };
  }
  const tree = formTree(bodyText(req.body));
  const op = String(tree.Action ?? '');
  const { input } = operationSchema(service, op);
  return { service, op, region, input: fromForm(input, tree) as Input };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** One element; arrays become `<member>` children, Dates ISO 8601, undefined nothing. */
function xml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => xml('member', v)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object')
    return `<${name}>${Object.entries(value as object)
      .map(([k, v]) => xml(k, v))
      .join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** JSON with timestamps as epoch seconds, as awsJson1_1 sends them. */
function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, jsonValue(v)]),
    );
  return value;
}

function response(statusCode: number, contentType: string | undefined, body: string, extra: Record<string, string> = {}): HttpResponse {
  const requestId = randomUUID();
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId, ...extra };
  if (contentType) headers['content-type'] = contentType;
  headers['content-length'] = String(Buffer.byteLength(body));
  return new HttpResponse({ statusCode, headers, body: Buffer.from(body) });
}

/** The success response of `req` carrying `output`. */
export function encodeOutput(req: WireRequest, output: Input | undefined): HttpResponse {
  if (req.service === 's3' && req.op === 'ListBuckets') {
    const o = (output ?? {}) as { Buckets?: Array<{ Name: string; CreationDate?: Date }>; ContinuationToken?: string };
    const buckets = (o.Buckets ?? [])
      .map(
        (b) =>
          `<Bucket><Name>${escapeXml(b.Name)}</Name><CreationDate>${(b.CreationDate ?? new Date(1_700_000_000_000)).toISOString()}</CreationDate></Bucket>`,
      )
      .join('');
    const token = o.ContinuationToken ? `<ContinuationToken>${escapeXml(o.ContinuationToken)}</ContinuationToken>` : '';
    return response(
      200,
      'application/xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult><Owner><ID>owner</ID></Owner><Buckets>${buckets}</Buckets>${token}</ListAllMyBucketsResult>`,
    );
  }
  if (req.service === 's3')
    return response(200, undefined, '', Object.fromEntries(Object.entries(output ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>);
  if (req.service === 'organizations') return response(200, 'application/x-amz-json-1.1', JSON.stringify(jsonValue(output ?? {})));
  const unit = operationSchema(req.service, req.op).output.isUnitSchema();
  const result = unit ? '' : xml(`${req.op}Result`, output ?? {});
  const body = `<${req.op}Response xmlns="${QUERY_NAMESPACE[req.service]}">${result}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${req.op}Response>`;
  return response(200, 'text/xml', body);
}

/** Wire code and HTTP status of an error as the service's model declares them (awsQueryError, httpError). */
function modelled(service: Service, fault: FakeFault): { code: string; status: number } {
  const schema = service === 's3' ? undefined : MODELS[service][`${fault.code}$`];
  if (!Array.isArray(schema)) return { code: fault.code, status: fault.status };
  const traits = NormalizedSchema.of(schema as never).getMergedTraits() as { awsQueryError?: [string, number]; httpError?: number; error?: string };
  const status = traits.awsQueryError?.[1] ?? traits.httpError ?? (traits.error === 'server' ? 500 : 400);
  return { code: traits.awsQueryError?.[0] ?? fault.code, status };
}

/** The error response of `service` for `fault`. */
export function encodeFault(service: Service, fault: FakeFault): HttpResponse {
  const { code, status } = modelled(service, fault);
  if (service === 'organizations') return response(status, 'application/x-amz-json-1.1', JSON.stringify({ __type: code, Message: fault.message }));
  if (service === 's3') {
    return response(
      status,
      'application/xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(fault.message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`,
    );
  }
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const body = `<ErrorResponse xmlns="${QUERY_NAMESPACE[service]}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(fault.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  return response(status, 'text/xml', body);
}
