/**
 * The config `xacct init` writes: the three-account baseline (CI account, a non-prod and a prod
 * target group, one pipeline with change-set stages and an approval before prod) from a few
 * answers, as YAML whose comments are the JSON Schema's own descriptions of the fields below them
 * (the words of the README's Config reference and of an editor's hover), headed by the YAML
 * language server's schema modeline. Pure: no file system, no environment.
 */
import { Document, isMap, isScalar, isSeq } from 'yaml';
import { ConfigInput, defaultConfigInput, Source } from './config';
import { fieldDescription } from './config-reference';

export interface StarterOptions {
  prefix: string;
  homeRegion: string;
  nonprodOus: string[];
  prodOus: string[];
  source: Source;
}

/** What `xacct init` writes when nothing else is said: the embedded default's values. */
export const STARTER_DEFAULTS = {
  prefix: 'xacct',
  homeRegion: 'eu-west-1',
  nonprodOus: ['Root/Workloads/NonProd'],
  prodOus: ['Root/Workloads/Prod'],
  source: 'codecommit:app',
  branch: 'main',
} as const;

export const SOURCE_SYNTAX = 'codecommit:REPO[@ACCOUNT], s3:BUCKET/KEY or connection:ARN:OWNER/REPO';

/**
 * `codecommit:REPO[@ACCOUNT]`, `s3:BUCKET/KEY` or `connection:ARN:OWNER/REPO` as a config source;
 * `branch` applies to codecommit and connection. Returns the reason when the text fits none of them
 * (the config's own rules then check names, account IDs and the ARN).
 */
export function parseSource(text: string, branch?: string): Source | { error: string } {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const noBranch =
    branch !== undefined && kind === 's3' ? { error: '--branch applies to codecommit and connection sources; an S3 source is one object key' } : undefined;
  if (noBranch) return noBranch;
  if (kind === 'codecommit' && rest !== '') {
    const [repository, account, ...more] = rest.split('@');
    if (repository !== '' && more.length === 0 && account !== '')
      return { codecommit: { repository, branch: branch ?? STARTER_DEFAULTS.branch, ...(account !== undefined ? { account } : {}) } };
  }
  if (kind === 's3') {
    const slash = rest.indexOf('/');
    if (slash > 0 && slash < rest.length - 1) return { s3: { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) } };
  }
  if (kind === 'connection') {
    // The ARN holds colons itself; owner/repository never does, so it is what follows the last one.
    const last = rest.lastIndexOf(':');
    if (last > 0 && rest.slice(last + 1).includes('/'))
      return { connection: { arn: rest.slice(0, last), repository: rest.slice(last + 1), branch: branch ?? STARTER_DEFAULTS.branch } };
  }
  return { error: `"${text}" is not a source; expected ${SOURCE_SYNTAX}` };
}

/** The baseline with these answers: the embedded default's pipeline and stages, this source, these OUs. */
export function starterConfig(o: StarterOptions): ConfigInput {
  const pipeline = defaultConfigInput.pipelines![0];
  return {
    prefix: o.prefix,
    homeRegion: o.homeRegion,
    targets: { nonprod: { ous: [...o.nonprodOus] }, prod: { ous: [...o.prodOus] } },
    pipelines: [{ ...pipeline, source: o.source, stages: pipeline.stages.map((s) => ({ ...s })) }],
  };
}

/** `pipelines.0.stages.1.name` -> `pipelines[].stages[].name`: the same field in every list item. */
const fieldOf = (path: Array<string | number>) =>
  path
    .map((k) => (typeof k === 'number' ? '[]' : `.${k}`))
    .join('')
    .replace(/^\./, '');

/** Description lines for a field, once per field (a second stage's `name` is the same field as the first's). */
function explain(path: Array<string | number>, seen: Set<string>): string[] {
  const field = fieldOf(path);
  if (seen.has(field)) return [];
  seen.add(field);
  const text = fieldDescription(path);
  return text ? [text] : [];
}

const comment = (lines: string[]) => (lines.length > 0 ? lines.map((l) => ` ${l}`).join('\n') : undefined);

function annotate(node: unknown, path: Array<string | number>, seen: Set<string>): void {
  if (isSeq(node)) node.items.forEach((item, i) => annotate(item, [...path, i], seen));
  if (!isMap(node)) return;
  const itemOfList = typeof path[path.length - 1] === 'number';
  const own = itemOfList ? explain(path, seen) : [];
  node.items.forEach((pair, i) => {
    if (!isScalar(pair.key)) return;
    const childPath = [...path, String(pair.key.value)];
    const lines = explain(childPath, seen);
    // The first key of a list item shares the item's `- ` line: its words go above it, after the item's.
    if (i === 0 && itemOfList) node.commentBefore = comment([...own, ...lines]);
    else pair.key.commentBefore = comment(lines);
    annotate(pair.value, childPath, seen);
  });
}

/**
 * The config as commented YAML. `schemaRef` goes into the modeline the YAML language server reads
 * ("# yaml-language-server: $schema=<url or path relative to the file>").
 */
export function renderStarter(input: ConfigInput, schemaRef: string): string {
  const doc = new Document(input);
  const seen = new Set<string>();
  annotate(doc.contents, [], seen);
  doc.commentBefore = [` yaml-language-server: $schema=${schemaRef}`, ` ${fieldDescription([])}`].join('\n');
  return doc.toString({ lineWidth: 0 });
}
