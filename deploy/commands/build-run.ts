import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildDist, DistSource, embeddedDefaultSource } from '../../templates-src/build';
import type { Config } from '../../templates-src/config';
import { XacctError } from '../errors';
import type { Io } from '../io';
import type { ChosenConfig } from '../config-file';
import { packageVersion } from '../package-info';

/**
 * Which config a build comes from, for dist/README.md's header and the manifest: the file's name
 * (without its directories, so the same file built anywhere gives the same dist/) and the sha256
 * of its bytes, or the embedded default; and this xacct's version.
 */
export function distSource(chosen: Pick<ChosenConfig, 'file'>): DistSource {
  const version = packageVersion();
  if (!chosen.file) return embeddedDefaultSource(version);
  return { config: basename(chosen.file), sha256: createHash('sha256').update(readFileSync(chosen.file)).digest('hex'), version };
}

/** A file name a manifest may list: no directories, no way out of DIR. */
const PLAIN_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The files DIR's manifest.json says xacct wrote there, or undefined when DIR has no manifest of
 * xacct's (no file, not JSON, or not the shape `xacct build` writes).
 */
export function ownedFiles(dir: string): Set<string> | undefined {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { xacct?: unknown; files?: unknown };
    if (typeof m.xacct !== 'string' || !Array.isArray(m.files)) return undefined;
    return new Set(m.files.filter((f): f is string => typeof f === 'string' && PLAIN_NAME.test(f) && f !== '.' && f !== '..'));
  } catch {
    return undefined;
  }
}

export interface OutPlan {
  /** Files the previous build wrote that this one does not: removed. */
  remove: string[];
  /** Existing files this build writes again. */
  overwrite: string[];
}

/**
 * What writing `files` into `dir` would remove and overwrite; refuses (exit 2) to touch anything
 * xacct cannot show it wrote, unless `force`: then it overwrites its own file names and removes nothing.
 */
export function planOut(dir: string, files: Set<string>, force: boolean): OutPlan {
  if (!existsSync(dir)) return { remove: [], overwrite: [] };
  if (!lstatSync(dir).isDirectory()) throw new XacctError('BAD_INPUT', `--out ${dir}: not a directory`);
  const present = readdirSync(dir).sort();
  if (present.length === 0) return { remove: [], overwrite: [] };
  const owned = ownedFiles(dir);
  if (!owned) {
    if (force) return { remove: [], overwrite: present.filter((f) => files.has(f)) };
    const shown = present.slice(0, 5).join(', ') + (present.length > 5 ? `, ... (${present.length} entries)` : '');
    throw new XacctError(
      'BAD_INPUT',
      `--out ${dir} is not empty and has no manifest.json from xacct build (holds ${shown}); choose an empty or new directory, or pass --force to write into it (removing nothing)`,
    );
  }
  const foreign = present.filter((f) => files.has(f) && !owned.has(f));
  if (foreign.length > 0 && !force) {
    throw new XacctError(
      'BAD_INPUT',
      `--out ${dir}: would overwrite ${foreign.join(', ')}, which its manifest.json does not list as written by xacct; move ${foreign.length === 1 ? 'it' : 'them'}, or pass --force`,
    );
  }
  const remove = present.filter((f) => owned.has(f) && !files.has(f) && lstatSync(join(dir, f)).isFile());
  return { remove, overwrite: present.filter((f) => files.has(f)) };
}

/**
 * Write dist/ (or `out`): exactly the files the manifest lists. Removes only files that the
 * manifest.json already in `out` lists as xacct's and this build no longer produces, each named.
 */
export function runBuild(
  config: Config,
  out: string,
  io: Io,
  o: { force?: boolean; buildingBlocks?: boolean; source?: DistSource } = {},
): { files: string[]; removed: string[] } {
  const { files, manifest } = buildDist(config, { buildingBlocks: o.buildingBlocks, source: o.source });
  const plan = planOut(out, new Set(files.keys()), Boolean(o.force));
  mkdirSync(out, { recursive: true });
  for (const name of plan.remove) {
    rmSync(join(out, name));
    io.info(`removed ${join(out, name)} (listed in the previous manifest.json; this config no longer produces it)`);
  }
  for (const [name, content] of files) writeFileSync(join(out, name), content);
  const lines = manifest.templates.map((t) => `  ${t.name.padEnd(28)} ${t.deploysTo.padEnd(22)} ${String(t.bytes).padStart(6)} bytes`);
  const replaced = plan.overwrite.length > 0 ? ` (${plan.overwrite.length} replaced)` : '';
  io.result(`wrote ${files.size} files to ${out}${replaced}\n${lines.join('\n')}`, {
    out,
    files: [...files.keys()].sort(),
    removed: plan.remove,
    replaced: plan.overwrite,
    templates: manifest.templates,
  });
  return { files: [...files.keys()].sort(), removed: plan.remove };
}
