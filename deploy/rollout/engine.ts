/**
 * xacct's engine as the pipeline runs it: a single-file bundle of the CLI (esbuild, at build time)
 * that `xacct deploy` puts into the templates bucket under a content-hashed key, so the pipeline's
 * CodeBuild actions run exactly the xacct that built the pipeline and need nothing outside the CI
 * account. Installed packages ship the bundle beside this file; the bundle itself is its own engine
 * (a self-update deploys with it and uploads the same bytes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { names } from '../../templates-src/names';
import { XacctError } from '../errors';
import { contentHash } from './stage';

/** The bundle's file name beside the compiled rollout module (lib/deploy/rollout/). */
export const ENGINE_FILE = 'xacct-engine.js';

/** Set by the bundler: this code runs as the bundle. */
declare const __XACCT_ENGINE__: boolean | undefined;

export interface EngineBundle {
  body: Buffer;
  /** Where it was read from, for messages. */
  path: string;
}

/** Reads the engine once; deploy and plan ask for it only when a pipeline needs it. */
export type EngineSource = () => EngineBundle;

/** The bundle this xacct ships (or is). Missing only in a checkout that was not built: exit 2, nothing changed. */
export const shippedEngine: EngineSource = () => {
  const path = typeof __XACCT_ENGINE__ !== 'undefined' && __XACCT_ENGINE__ ? __filename : join(__dirname, ENGINE_FILE);
  if (!existsSync(path)) {
    throw new XacctError(
      'PRECONDITION',
      `xacct's engine bundle ${path} is missing, and stackset: stages and selfUpdate run it in CodeBuild; run make build (or npm pack) first. Nothing was changed.`,
    );
  }
  return { body: readFileSync(path), path };
};

/** `xacct/engine/<hash>.js`: a new key for every different engine, so a pipeline always runs the one it was built with. */
export function engineKey(engine: EngineBundle): string {
  return names.engineKey(contentHash(engine.body));
}
