// Removes compiled files under lib/ whose TypeScript source no longer exists (a module moved or
// deleted): tsc never deletes outputs, and Node resolves a stale `lib/x.js` before `lib/x/index.js`.
// The engine bundle (lib/deploy/rollout/xacct-engine.js) is written by bundle.mjs, not tsc, and stays.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The checkout (or, for tests, the directory given as the one argument).
const root = process.argv[2] ?? dirname(dirname(fileURLToPath(import.meta.url)));
const lib = join(root, 'lib');
const kept = new Set(['deploy/rollout/xacct-engine.js']);
let removed = 0;

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.js')) {
      const rel = relative(lib, path);
      if (kept.has(rel) || existsSync(join(root, rel.replace(/\.js$/, '.ts')))) continue;
      rmSync(path);
      removed++;
    }
  }
}

if (existsSync(lib)) walk(lib);
if (removed > 0) console.log(`removed ${removed} compiled file(s) from lib/ whose source is gone`);
