import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { planPipelines } from '../templates-src/central/pipeline-plan';
import { pipelineProblems } from '../templates-src/central/pipeline-rules';
import { Config, ConfigError, ConfigProblem, defaultConfig, formatPath, parseConfig } from '../templates-src/config';
import { registry } from '../templates-src/index';
import { names } from '../templates-src/names';
import { XacctError } from './errors';

/** Config files looked for in the current directory when no --config is given, in this order. */
export const DISCOVERED_NAMES = ['xacct.yaml', 'xacct.yml', 'xacct.json'] as const;

export interface ChosenConfig {
  /** Reads and validates it (throws ConfigError naming it). */
  load(): Config;
  /** How errors and messages name it: the file as given, or `embedded default config`. */
  name: string;
  /** One line for the operator: which config and why that one. */
  description: string;
  /** The file it is read from; absent for the embedded default. */
  file?: string;
}

/** Load and validate a YAML or JSON config file, CodePipeline's rules included; errors call it `name`. */
export function loadConfig(file: string, name = file): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError(name, [{ path: '(file)', message: `cannot read: ${reason}` }]);
  }
  let raw: unknown;
  try {
    // JSON is YAML, so one parser reads both; it reports line and column for either.
    raw = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const e = err as YAMLParseError;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)';
    throw new ConfigError(name, [{ path: where, message: e.message.split('\n')[0] }]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(name, [{ path: '(top level)', message: 'expected a mapping of settings (prefix, homeRegion, targets, pipelines, ...)' }]);
  }
  return checkPipelines(parseConfig(raw, name), name);
}

/** CodePipeline's cross-account rules on the dist/ shape of every pipeline, reported under the config's name. */
export function checkPipelines(config: Config, name: string): Config {
  const problems = [...pipelineProblems(config, planPipelines(config)), ...stageStackSetProblems(config)];
  if (problems.length > 0) throw new ConfigError(name, problems);
  return config;
}

/**
 * A stackset: stage's StackSet `<prefix>-<pipeline>-<stage>` may not be one xacct deploys itself
 * (pipeline `cross`, stage `account-role` would roll the application over `<prefix>-cross-account-role`).
 */
export function stageStackSetProblems(config: Config): ConfigProblem[] {
  const own = registry.filter((e) => e.placement !== 'central').map((e) => ({ name: names.stackSet(config.prefix, e.name), source: e.placement === 'source' }));
  const problems: ConfigProblem[] = [];
  config.pipelines.forEach((p, i) =>
    p.stages.forEach((s, j) => {
      if (!s.stackset) return;
      const name = names.stageStackSet(config.prefix, p.name, s.name);
      const taken = own.find((o) => name === o.name || (o.source && name.startsWith(`${o.name}-`)));
      if (taken)
        problems.push({
          path: formatPath(['pipelines', i, 'stages', j, 'name']),
          message: `stage "${s.name}" of pipeline "${p.name}" would be the StackSet ${name}, a name xacct gives its own StackSets (${taken.name}); rename the stage`,
        });
    }),
  );
  return problems;
}

/** The config file in `dir` by its conventional name; more than one is ambiguous. */
export function discoverConfig(dir: string): string | undefined {
  const found = DISCOVERED_NAMES.filter((n) => existsSync(join(dir, n)));
  if (found.length > 1) throw new XacctError('BAD_INPUT', `found ${found.join(' and ')} in ${dir}; keep one, or choose with --config FILE`);
  return found[0];
}

/**
 * The config a command uses: `--config FILE`, else xacct.yaml / xacct.yml / xacct.json in the
 * current directory, else (only where `embedded` allows it: build) the embedded three-account
 * baseline. Commands that call AWS never fall back to the embedded default: its OU names exist in
 * many real organizations.
 */
export function resolveConfig(explicit: string | undefined, o: { embedded: boolean; cwd?: string }): ChosenConfig {
  if (explicit !== undefined) return { load: () => loadConfig(explicit), name: explicit, description: `config: ${explicit} (--config)`, file: explicit };
  const cwd = o.cwd ?? process.cwd();
  const found = discoverConfig(cwd);
  if (found)
    return {
      load: () => loadConfig(join(cwd, found), found),
      name: found,
      description: `config: ${found} (found in the current directory)`,
      file: join(cwd, found),
    };
  if (o.embedded) {
    return {
      load: defaultConfig,
      name: 'embedded default config',
      description: `config: the embedded default (three-account baseline); pass --config FILE or add ${DISCOVERED_NAMES[0]} to use your own`,
    };
  }
  throw new XacctError(
    'BAD_INPUT',
    `no config: pass --config FILE, or run where ${DISCOVERED_NAMES.join(', ')} is (commands that call AWS never use the embedded default)`,
  );
}
