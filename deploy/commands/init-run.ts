/**
 * `xacct init`: the three-account baseline as a commented xacct.yaml. Values come from flags; on a
 * terminal the missing ones are asked for (each answer checked at once by the config's own rules);
 * without one, the defaults are taken and nothing is asked. Every value is checked before the file
 * is written, and an existing file is replaced only with --force.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ConfigInput, ConfigProblem } from '../../templates-src/config';
import { ConfigError, parseConfig } from '../../templates-src/config';
import { fieldDescription } from '../../templates-src/config-reference';
import { parseSource, renderStarter, SOURCE_SYNTAX, STARTER_DEFAULTS, starterConfig } from '../../templates-src/starter';
import { checkPipelines } from '../config-file';
import { XacctError } from '../errors';
import type { Io } from '../io';
import { packageRoot } from '../package-info';

export interface InitFlags {
  prefix?: string;
  homeRegion?: string;
  nonprodOu?: string[];
  prodOu?: string[];
  source?: string;
  branch?: string;
  schema?: string;
  out: string;
  force: boolean;
}

/** Where questions are asked: a terminal (stdin) for the CLI, any pair of streams in tests. */
export interface Prompt {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

export interface InitResult {
  file: string;
  schema: string;
  /** The flags that were asked for on the terminal. */
  asked: string[];
  config: ConfigInput;
}

type Answers = Pick<InitFlags, 'prefix' | 'homeRegion' | 'nonprodOu' | 'prodOu' | 'source' | 'branch'>;

/** Which flag a config field comes from, so that a bad value is reported by the flag that gave it. */
const FLAG_OF: Array<[RegExp, string]> = [
  [/^prefix\b/, '--prefix'],
  [/^homeRegion\b/, '--home-region'],
  [/^targets\.nonprod\b/, '--nonprod-ou'],
  [/^targets\.prod\b/, '--prod-ou'],
  [/^pipelines\[0\]\.source\.\w+\.branch\b/, '--branch'],
  [/^pipelines\[0\]\.source\b/, '--source'],
];

const flagOf = (path: string) => FLAG_OF.find(([re]) => re.test(path))?.[1] ?? path;

/** The config these answers make, or every problem with it as `--flag: message`. */
export function configFrom(a: Answers): { config?: ConfigInput; problems: string[] } {
  const source = parseSource(a.source ?? STARTER_DEFAULTS.source, a.branch);
  if ('error' in source) return { problems: [`${source.error.startsWith('--') ? '' : '--source '}${source.error}`] };
  const config = starterConfig({
    prefix: a.prefix ?? STARTER_DEFAULTS.prefix,
    homeRegion: a.homeRegion ?? STARTER_DEFAULTS.homeRegion,
    nonprodOus: a.nonprodOu ?? [...STARTER_DEFAULTS.nonprodOus],
    prodOus: a.prodOu ?? [...STARTER_DEFAULTS.prodOus],
    source,
  });
  try {
    checkPipelines(parseConfig(config, 'xacct init'), 'xacct init');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { problems: err.problems.map((p: ConfigProblem) => `${flagOf(p.path)}: ${p.message}`) };
  }
  return { config, problems: [] };
}

interface Question {
  flag: string;
  key: keyof Answers;
  text: string;
  fallback: (a: Answers) => string;
  list?: boolean;
  when?: (a: Answers) => boolean;
}

/** The questions, in the schema's words; lists are answered comma separated. */
function questions(): Question[] {
  const ous = (group: string) => `${fieldDescription(['targets', group, 'ous'])} (comma separated)`;
  return [
    { flag: '--prefix', key: 'prefix', text: `prefix: ${fieldDescription(['prefix'])}`, fallback: () => STARTER_DEFAULTS.prefix },
    { flag: '--home-region', key: 'homeRegion', text: `home region: ${fieldDescription(['homeRegion'])}`, fallback: () => STARTER_DEFAULTS.homeRegion },
    { flag: '--nonprod-ou', key: 'nonprodOu', text: `non-prod OUs: ${ous('nonprod')}`, fallback: () => STARTER_DEFAULTS.nonprodOus.join(', '), list: true },
    { flag: '--prod-ou', key: 'prodOu', text: `prod OUs: ${ous('prod')}`, fallback: () => STARTER_DEFAULTS.prodOus.join(', '), list: true },
    { flag: '--source', key: 'source', text: `source: ${SOURCE_SYNTAX}`, fallback: () => STARTER_DEFAULTS.source },
    {
      flag: '--branch',
      key: 'branch',
      text: `branch: ${fieldDescription(['pipelines', 0, 'source', 'codecommit', 'branch'])}`,
      fallback: () => STARTER_DEFAULTS.branch,
      when: (a) => !(a.source ?? STARTER_DEFAULTS.source).startsWith('s3:'),
    },
  ];
}

/**
 * Answers, line by line: the question on its own line, then a prompt with the default that readline
 * edits on a terminal. Lines typed ahead wait for their question; the input ending (Ctrl-D, a closed
 * pipe) stops init with nothing written.
 */
function answerer(prompt: Prompt): { ask(q: Question, fallback: string): Promise<string>; close(): void } {
  const rl = createInterface({ input: prompt.input, output: prompt.output });
  const lines = rl[Symbol.asyncIterator]();
  // On a terminal readline takes Ctrl-C itself; unheard, it would only pause the input and leave init waiting.
  let interrupted = false;
  rl.on('SIGINT', () => {
    interrupted = true;
    prompt.output.write('\n');
    rl.close();
  });
  return {
    ask: async (q, fallback) => {
      prompt.output.write(`${q.text}\n`);
      rl.setPrompt(`  [${fallback}] `);
      rl.prompt();
      const next = await lines.next();
      if (next.done) throw new XacctError('BAD_INPUT', `no answer for ${q.flag} (${interrupted ? 'Ctrl-C' : 'input closed'}); nothing was written`);
      return String(next.value).trim() || fallback;
    },
    close: () => rl.close(),
  };
}

/** Ask for every value the flags left out; an answer the config refuses is asked again, with the reason. */
async function askMissing(given: Answers, prompt: Prompt): Promise<{ answers: Answers; asked: string[] }> {
  const answers: Answers = { ...given };
  const asked: string[] = [];
  const terminal = answerer(prompt);
  try {
    for (const q of questions()) {
      if (answers[q.key] !== undefined || (q.when && !q.when(answers))) continue;
      asked.push(q.flag);
      for (;;) {
        const answer = await terminal.ask(q, q.fallback(answers));
        const value = q.list
          ? answer
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : answer;
        const problems = configFrom({ ...answers, [q.key]: value }).problems.filter((p) => p.startsWith(`${q.flag} `) || p.startsWith(`${q.flag}:`));
        if (problems.length === 0) {
          Object.assign(answers, { [q.key]: value });
          break;
        }
        prompt.output.write(`${problems.join('\n')}\n`);
      }
    }
  } finally {
    terminal.close();
  }
  return { answers, asked };
}

/**
 * The modeline's path to the schema the installed package ships, relative to the written file:
 * the `node_modules` of the current directory, where `npm install` puts the project's xacct. The
 * YAML language server resolves a relative path in `# yaml-language-server: $schema=` from the file
 * it edits (its README, "Using inlined schema"); it reads no `$schema` key in YAML (its issue 959
 * asks for that), hence the modeline.
 */
export function defaultSchemaRef(file: string, cwd: string): string {
  const name = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name: string }).name;
  const path = relative(dirname(file), join(cwd, 'node_modules', name, 'dist', 'config.schema.json'))
    .split(sep)
    .join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

const refusal = (problems: string[]) => (problems.length === 1 ? problems[0] : `${problems.length} problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);

function checkOut(file: string, shown: string, force: boolean): void {
  if (!existsSync(file)) return;
  if (lstatSync(file).isDirectory()) throw new XacctError('BAD_INPUT', `--out ${shown}: is a directory; name the file to write`);
  if (!force) throw new XacctError('BAD_INPUT', `--out ${shown}: the file exists; pass --force to replace it (nothing was written)`);
}

export async function runInit(flags: InitFlags, io: Io, o: { cwd?: string; prompt?: Prompt } = {}): Promise<InitResult> {
  const cwd = o.cwd ?? process.cwd();
  const file = resolve(cwd, flags.out);
  checkOut(file, flags.out, flags.force);
  const given: Answers = {
    prefix: flags.prefix,
    homeRegion: flags.homeRegion,
    nonprodOu: flags.nonprodOu,
    prodOu: flags.prodOu,
    source: flags.source,
    branch: flags.branch,
  };
  // Flags are checked before anything is asked: a bad --prefix is not worth five questions.
  const refused = configFrom(given).problems;
  if (refused.length > 0) throw new XacctError('BAD_INPUT', `${refusal(refused)}\nNothing was written.`);
  const interactive = Boolean(o.prompt?.input.isTTY);
  const { answers, asked } = interactive ? await askMissing(given, o.prompt!) : { answers: given, asked: [] };
  const { config, problems } = configFrom(answers);
  if (!config) throw new XacctError('BAD_INPUT', `${refusal(problems)}\nNothing was written.`);
  const schema = flags.schema ?? defaultSchemaRef(file, cwd);
  // Asked questions take time: the file may have appeared meanwhile.
  checkOut(file, flags.out, flags.force);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderStarter(config, schema), { flag: flags.force ? 'w' : 'wx' });
  const result: InitResult = { file: flags.out, schema, asked, config };
  io.result(summary(result), result);
  return result;
}

function summary(r: InitResult): string {
  const t = r.config.targets as Record<string, { ous: string[] }>;
  const source = r.config.pipelines![0].source;
  const from =
    'codecommit' in source
      ? `CodeCommit ${source.codecommit.repository}${source.codecommit.account ? ` in ${source.codecommit.account}` : ''}`
      : 's3' in source
        ? `s3://${source.s3.bucket}/${source.s3.key}`
        : `${source.connection.repository} through a connection`;
  return [
    `wrote ${r.file}: prefix ${r.config.prefix}, home region ${r.config.homeRegion}, nonprod ${t.nonprod.ous.join(', ')}, prod ${t.prod.ous.join(', ')}, source ${from}`,
    `schema for editors: ${r.schema}`,
    `next: xacct build --config ${r.file} (templates into dist/), then xacct plan --config ${r.file} from the CI account`,
  ].join('\n');
}
