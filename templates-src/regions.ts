/**
 * The AWS regions, read from the partition data the AWS SDK ships (the same data the SDK uses to
 * resolve endpoints), so the list grows with `npm update` instead of being copied by hand. Read as
 * data, not by loading the SDK: config validation stays free of the SDK and fast.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface AwsRegion {
  name: string;
  /** `aws`, `aws-cn`, `aws-us-gov`, ... */
  partition: string;
  description: string;
}

/** Where @aws-sdk/core keeps its partitions (an ES module holding one JSON object). */
export function partitionsFile(): string {
  return join(dirname(require.resolve('@aws-sdk/core/package.json')), 'dist-es', 'submodules', 'client', 'util-endpoints', 'lib', 'aws', 'partitions.js');
}

export interface PartitionsData {
  partitions: Array<{ id: string; regions: Record<string, { description?: string }> }>;
}

let cached: AwsRegion[] | undefined;

/** The same data, read at bundle time: xacct's engine bundle (deploy/rollout/bundle.mjs) has no node_modules to read it from. */
declare const __XACCT_PARTITIONS__: PartitionsData | undefined;

/** The partitions file's JSON (an ES module `export default {...};`). */
export function readPartitions(file = partitionsFile()): PartitionsData {
  try {
    return JSON.parse(
      readFileSync(file, 'utf8')
        .replace(/^[^{]*/, '')
        .replace(/;\s*$/, ''),
    ) as PartitionsData;
  } catch (err) {
    throw new Error(`cannot read the AWS region list from ${file} (${(err as Error).message}); reinstall dependencies (npm ci)`, { cause: err });
  }
}

/** Every region of every partition, without the `*-global` pseudo-regions (endpoints, not regions). */
export function awsRegions(): AwsRegion[] {
  if (cached) return cached;
  const data = typeof __XACCT_PARTITIONS__ !== 'undefined' ? __XACCT_PARTITIONS__ : readPartitions();
  cached = data.partitions.flatMap((p) =>
    Object.entries(p.regions)
      .filter(([name]) => !name.endsWith('-global'))
      .map(([name, r]) => ({ name, partition: p.id, description: r.description ?? name })),
  );
  return cached;
}

export function regionNames(): string[] {
  return awsRegions().map((r) => r.name);
}

export function partitionOf(region: string): string | undefined {
  return awsRegions().find((r) => r.name === region)?.partition;
}
