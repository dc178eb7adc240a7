import type { CommandSpec } from './types';

export const buildCommand: CommandSpec = {
  name: 'build',
  describe: 'Write templates, manifest and README into dist/ (or --out)',
  aws: false,
  options: {
    config: {
      type: 'string',
      requiresArg: true,
      describe: 'Config file (YAML or JSON); default: xacct.yaml, xacct.yml or xacct.json in the current directory, else the embedded three-account baseline',
    },
    out: {
      type: 'string',
      requiresArg: true,
      default: 'dist',
      describe:
        "Output directory. xacct removes only files that DIR's manifest.json lists as written by an earlier build and this one no longer writes, naming each; a non-empty DIR without such a manifest is refused",
    },
    force: {
      type: 'boolean',
      default: false,
      describe: 'Write into a non-empty DIR that has no manifest.json of xacct (replaces same-named files, removes nothing)',
    },
    'building-blocks': {
      type: 'boolean',
      default: false,
      describe:
        "Also write the templates this config does not deploy (CodeDeploy instance policy, CodeCommit source, regional store), to adapt by hand: this config's key, bucket and pipeline do not admit their roles",
    },
  },
  examples: [
    ['$0 build', 'the config in ./xacct.yaml (or the embedded baseline) into dist/'],
    ['$0 build --config acme.yaml --out infra/xacct', 'a config of your own into a directory of its own'],
  ],
  exitCodes: [
    [0, 'written'],
    [2, 'bad config or arguments, or --out holds files xacct did not write (nothing written)'],
  ],
  handler: async (argv, io, session) => {
    // Graphviz (WebAssembly, in its own thread) takes longest to load: start it before the config
    // and its schema library load, so the two overlap.
    (await import('../../templates-src/diagram-svg')).prepareSvgRenderer();
    const { resolveConfig } = await import('../config-file');
    const { distSource, runBuild } = await import('./build-run');
    const chosen = resolveConfig(argv.config as string | undefined, { embedded: true });
    session.configName = chosen.name;
    io.info(chosen.description);
    runBuild(chosen.load(), argv.out as string, io, {
      force: Boolean(argv.force),
      buildingBlocks: Boolean(argv['building-blocks']),
      source: distSource(chosen),
    });
  },
};
