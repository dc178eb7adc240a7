import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import { Config, ConfigError, defaultConfig, parseConfig } from '../templates-src/config';

/** Load and validate a YAML or JSON config file; without a file, the embedded default. */
export function loadConfig(file: string | undefined): Config {
  if (file === undefined) return defaultConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError(file, [{ path: '(file)', message: `cannot read: ${reason}` }]);
  }
  let raw: unknown;
  try {
    // JSON is YAML, so one parser reads both; it reports line and column for either.
    raw = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const e = err as YAMLParseError;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)';
    throw new ConfigError(file, [{ path: where, message: e.message.split('\n')[0] }]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, [{ path: '(top level)', message: 'expected a mapping of settings (prefix, homeRegion, targets, pipelines, ...)' }]);
  }
  return parseConfig(raw, file);
}
