import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDist } from '../../templates-src/build';
import type { Config } from '../../templates-src/config';
import type { Io } from '../io';

/** Files a previous build may have left that this build owns (and so may replace or remove). */
const OWNED = /^(.+\.template\.(json|yaml)|manifest\.json|README\.md|config\.schema\.json)$/;

/** Write dist/ (or `out`): exactly the files the manifest lists, removing stale generated ones. */
export function runBuild(config: Config, out: string, io: Io): { files: string[] } {
  const { files, manifest } = buildDist(config);
  mkdirSync(out, { recursive: true });
  for (const existing of readdirSync(out)) {
    if (OWNED.test(existing) && !files.has(existing)) {
      rmSync(join(out, existing));
      io.debug(`removed stale ${existing}`);
    }
  }
  for (const [name, content] of files) writeFileSync(join(out, name), content);
  const lines = manifest.templates.map((t) => `  ${t.name.padEnd(28)} ${t.deploysTo.padEnd(22)} ${String(t.bytes).padStart(6)} bytes`);
  io.result(`wrote ${files.size} files to ${out}\n${lines.join('\n')}`, { out, files: [...files.keys()].sort(), templates: manifest.templates });
  return { files: [...files.keys()].sort() };
}
