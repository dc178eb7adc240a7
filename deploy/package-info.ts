/**
 * Where xacct itself is installed and which version it is: found by walking up from this file to
 * the package.json named xacct, the same from a checkout (deploy/) and from the build (lib/deploy/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'xacct') return (root = dir);
    if (dirname(dir) === dir) throw new Error(`xacct's package.json not found above ${__dirname}`);
  }
}

/** Set by the engine bundler (deploy/rollout/bundle.mjs): the bundle has no package.json beside it. */
declare const __XACCT_VERSION__: string | undefined;

export function packageVersion(): string {
  if (typeof __XACCT_VERSION__ !== 'undefined') return __XACCT_VERSION__;
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
