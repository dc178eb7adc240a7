// Builds xacct's engine: lib/deploy/rollout/engine-cli.js and everything it reaches, in one file
// (lib/deploy/rollout/xacct-engine.js) that runs with node alone, as the pipeline's CodeBuild actions
// install it from the templates bucket. Run after tsc (make build, npm pack); esbuild is a development
// dependency and never loaded by the CLI. `--from-source --outfile FILE` bundles the TypeScript
// sources instead (test/package/engine.test.ts: the same bundle without a compile first).
//
// @aws-cdk/aws-service-spec reads its database (db.json.gz) from beside its own module at run time;
// in one file there is no beside, so the bundle carries the database and loads it from memory.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const fromSource = args.includes('--from-source');
const outfile = args.includes('--outfile') ? args[args.indexOf('--outfile') + 1] : join(root, 'lib', 'deploy', 'rollout', 'xacct-engine.js');
const entry = fromSource ? join(root, 'deploy', 'rollout', 'engine-cli.ts') : join(root, 'lib', 'deploy', 'rollout', 'engine-cli.js');
const cli = fromSource ? join('deploy', 'cli.ts') : join('deploy', 'cli.js');
const require = createRequire(join(root, 'package.json'));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const specDb = join(dirname(require.resolve('@aws-cdk/aws-service-spec/package.json')), 'db.json.gz');

/** `@aws-cdk/aws-service-spec` as a module holding its database, with the two loaders it exports. */
const embeddedServiceSpec = {
  name: 'embedded-service-spec',
  setup(b) {
    b.onResolve({ filter: /^@aws-cdk\/aws-service-spec$/ }, () => ({ path: 'aws-service-spec', namespace: 'xacct-embedded' }));
    b.onResolve({ filter: /^xacct-service-spec-db$/ }, () => ({ path: specDb }));
    b.onLoad({ filter: /.*/, namespace: 'xacct-embedded' }, () => ({
      resolveDir: root,
      loader: 'js',
      contents: [
        "const { gunzipSync } = require('node:zlib');",
        "const { emptyDatabase } = require('@aws-cdk/service-spec-types');",
        "const db = require('xacct-service-spec-db');",
        'function load() { const d = emptyDatabase(); d.load(JSON.parse(gunzipSync(Buffer.from(db)).toString("utf-8"))); return d; }',
        'exports.loadAwsServiceSpecSync = load;',
        'exports.loadAwsServiceSpec = async () => load();',
      ].join('\n'),
    }));
  },
};

/** The CLI's own command list (build, lint, params ... and all they load): the engine brings its own (engine-cli.ts). */
const engineCommandsOnly = {
  name: 'engine-commands-only',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands$/ }, (a) => (a.importer.endsWith(cli) ? { path: 'commands', namespace: 'xacct-no-commands' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'xacct-no-commands' }, () => ({ loader: 'js', contents: 'exports.commands = [];' }));
  },
};

/** The region list templates-src/regions.ts reads from @aws-sdk/core at run time, read now. */
const partitionsFile = join(
  dirname(require.resolve('@aws-sdk/core/package.json')),
  'dist-es',
  'submodules',
  'client',
  'util-endpoints',
  'lib',
  'aws',
  'partitions.js',
);
const partitions = readFileSync(partitionsFile, 'utf8')
  .replace(/^[^{]*/, '')
  .replace(/;\s*$/, '');

const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'eof',
  loader: { '.gz': 'binary' },
  define: { __XACCT_ENGINE__: 'true', __XACCT_VERSION__: JSON.stringify(version), __XACCT_PARTITIONS__: JSON.stringify(JSON.parse(partitions)) },
  plugins: [embeddedServiceSpec, engineCommandsOnly],
  logLevel: 'warning',
  // regions.ts resolves @aws-sdk/core's file only when the bundle's region list (__XACCT_PARTITIONS__) is absent: never here.
  logOverride: { 'require-resolve-not-external': 'silent' },
  metafile: true,
  write: false,
});

/** Every package the bundle holds, with its version and license, named at the top of the file. */
function bundledPackages(inputs) {
  const found = new Map();
  for (const file of Object.keys(inputs)) {
    const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(file);
    if (!m || found.has(m[2])) continue;
    const p = JSON.parse(readFileSync(join(root, m[1], 'package.json'), 'utf8'));
    found.set(m[2], `${p.name}@${p.version} (${p.license ?? 'see its package'})`);
  }
  return [...found.values()].sort();
}
const banner = `/*! xacct ${version} engine (Apache-2.0), one file with the packages it uses, each under its own license: ${bundledPackages(result.metafile.inputs).join(', ')} */\n`;
const out = result.outputFiles[0];
// After the entry's `#!/usr/bin/env node`, which must stay the first line.
const shebang = /^#!.*\n/.exec(out.text)?.[0] ?? '';
writeFileSync(outfile, shebang + banner + out.text.slice(shebang.length));
console.log(`xacct engine: ${outfile}, ${((banner.length + out.contents.length) / 1e6).toFixed(1)} MB`);
