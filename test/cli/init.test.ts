/**
 * `xacct init`: a commented xacct.yaml for the three-account baseline, from flags (no questions
 * without a terminal) or from answers on a terminal. The file builds with nothing else around it,
 * validates against the published schema, reads back as the config the flags say, and every comment
 * in it is the schema's description of the field below it.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import Ajv2020 from 'ajv/dist/2020';
import { isMap, isScalar, isSeq, parse, parseDocument } from 'yaml';
import { parseConfig } from '../../templates-src/config';
import { runInit } from '../../deploy/commands/init-run';
import { XacctError } from '../../deploy/errors';
import { MemoryIo } from '../support/io';
import { cli, scratch } from './support';

const repo = resolve(__dirname, '..', '..');
const published = JSON.parse(readFileSync(join(repo, 'dist', 'config.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(published);

// A developer's terminal would make init ask: the CLI runs here as it runs in CI, without one.
const stdinTTY = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
beforeEach(() => Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true }));
afterEach(() => (stdinTTY ? Object.defineProperty(process.stdin, 'isTTY', stdinTTY) : delete (process.stdin as { isTTY?: boolean }).isTTY));

/** The baseline as the flags below say it, written out by hand. */
const EXPECTED = {
  prefix: 'acme',
  homeRegion: 'eu-central-1',
  targets: { nonprod: { ous: ['Root/Dev', 'ou-ab12-11111111'] }, prod: { ous: ['Root/Prod'] } },
  pipelines: [
    {
      name: 'app',
      source: { codecommit: { repository: 'app', branch: 'release', account: '333333333333' } },
      build: { buildspec: 'buildspec.yml' },
      stages: [
        { name: 'NonProd', target: 'nonprod', cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } },
        { name: 'Prod', target: 'prod', approval: true, cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } },
      ],
    },
  ],
};
const FLAGS = [
  '--prefix',
  'acme',
  '--home-region',
  'eu-central-1',
  '--nonprod-ou',
  'Root/Dev',
  '--nonprod-ou',
  'ou-ab12-11111111',
  '--prod-ou',
  'Root/Prod',
  '--source',
  'codecommit:app@333333333333',
  '--branch',
  'release',
];

/** The published schema's description of the field at `path`, looked up in dist/config.schema.json. */
function described(path: Array<string | number>): string | undefined {
  let s = published;
  for (const key of path) {
    if (typeof key === 'number') s = s.items;
    else s = [s, ...(s.oneOf ?? []), ...(s.anyOf ?? [])].find((b) => b.properties?.[key])?.properties[key] ?? s.additionalProperties;
    if (!s) return undefined;
  }
  return s.description;
}

describe('with flags, no terminal', () => {
  test('writes xacct.yaml that builds alone, validates against the schema and reads back as the flags say', async () => {
    const dir = scratch();
    const init = await cli(['init', ...FLAGS], { cwd: dir });
    expect(init).toMatchObject({ code: 0, stderr: '' });
    expect(init.stdout).toContain(
      'wrote xacct.yaml: prefix acme, home region eu-central-1, nonprod Root/Dev, ou-ab12-11111111, prod Root/Prod, source CodeCommit app in 333333333333',
    );
    const text = readFileSync(join(dir, 'xacct.yaml'), 'utf8');
    const raw = parse(text);
    expect(validate(raw) ? [] : validate.errors).toEqual([]);
    expect(parseConfig(raw)).toEqual(parseConfig(EXPECTED));

    const build = await cli(['build', '--config', 'xacct.yaml', '--out', 'out'], { cwd: dir });
    expect(build.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ prefix: 'acme', homeRegion: 'eu-central-1' });
    expect(manifest.templates.find((t: { name: string }) => t.name === 'pipeline').parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['AppNonProdAccountId', 'AppProdAccountId', 'AppSourceAccountId']),
    );
  });

  test('without flags: the embedded baseline, and nothing is asked', async () => {
    const dir = scratch();
    const r = await cli(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const raw = parse(readFileSync(join(dir, 'xacct.yaml'), 'utf8'));
    expect(raw.targets).toEqual({ nonprod: { ous: ['Root/Workloads/NonProd'] }, prod: { ous: ['Root/Workloads/Prod'] } });
    expect(raw.pipelines[0].source).toEqual({ codecommit: { repository: 'app', branch: 'main' } });
    expect(raw.pipelines[0].stages.map((s: { approval?: boolean }) => s.approval)).toEqual([undefined, true]);
  });

  test('the other sources: s3:BUCKET/KEY and connection:ARN:OWNER/REPO', async () => {
    const arn = 'arn:aws:codeconnections:eu-west-1:222222222222:connection/1a2b3c4d-5678';
    for (const [source, extra, expected] of [
      ['s3:acme-sources/app/source.zip', [], { s3: { bucket: 'acme-sources', key: 'app/source.zip' } }],
      [`connection:${arn}:acme/app`, ['--branch', 'release'], { connection: { arn, repository: 'acme/app', branch: 'release' } }],
    ] as const) {
      const dir = scratch();
      expect((await cli(['init', '--source', source, ...extra], { cwd: dir })).code).toBe(0);
      expect(parse(readFileSync(join(dir, 'xacct.yaml'), 'utf8')).pipelines[0].source).toEqual(expected);
      expect((await cli(['build', '--out', 'out'], { cwd: dir })).code).toBe(0);
    }
  });

  test('every comment is the schema description of the field below it, and every field is explained where it first appears', async () => {
    const dir = scratch();
    await cli(['init', ...FLAGS], { cwd: dir });
    const text = readFileSync(join(dir, 'xacct.yaml'), 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^# yaml-language-server: \$schema=\S+$/);
    expect(lines[1]).toBe(`# ${published.description}`);

    // The two header lines are checked above; the parser would hand them to the first key.
    const doc = parseDocument(lines.slice(2).join('\n'));
    const found: Array<{ at: string; comment: string; allowed: Array<string | undefined> }> = [];
    const fields = new Set<string>();
    const explained = new Set<string>();
    const field = (path: Array<string | number>) => path.map((k) => (typeof k === 'number' ? '[]' : `.${k}`)).join('');
    const note = (comment: string | null | undefined, at: Array<string | number>, options: Array<Array<string | number>>) => {
      for (const c of (comment ?? '').split('\n').filter(Boolean)) {
        found.push({ at: field(at), comment: c.trim(), allowed: options.map(described) });
        for (const o of options) if (described(o) === c.trim()) explained.add(field(o));
      }
    };
    const walk = (node: unknown, path: Array<string | number>) => {
      if (isSeq(node)) {
        // Above a list's first `- key:` line, the parser may hand the comment to the list itself.
        const head = node.items[0];
        if (isMap(head))
          note(node.commentBefore, path, [
            [...path, 0],
            [...path, 0, String((head.items[0].key as { value: string }).value)],
          ]);
        node.items.forEach((item, i) => walk(item, [...path, i]));
      }
      if (!isMap(node)) return;
      // A comment above a map's first key belongs to the map node (and for a list item, so do the item's words).
      const first = [...path, String((node.items[0].key as { value: string }).value)];
      const item = typeof path[path.length - 1] === 'number';
      if (item) fields.add(field(path));
      note(node.commentBefore, path, item ? [path, first] : [first]);
      for (const pair of node.items) {
        const key = [...path, String((pair.key as { value: string }).value)];
        fields.add(field(key));
        if (isScalar(pair.key)) note(pair.key.commentBefore, key, [key]);
        walk(pair.value, key);
      }
    };
    walk(doc.contents, []);
    // Every comment line of the file was attached to a field (none lost to the parser), past the two header lines.
    expect(found.length).toBe(lines.filter((l) => /^\s*#/.test(l)).length - 2);
    for (const f of found) expect([f.at, f.allowed]).toEqual([f.at, expect.arrayContaining([f.comment])]);
    expect([...fields].filter((f) => !explained.has(f))).toEqual([]);
    expect(fields.size).toBeGreaterThan(15);
  });

  test('the schema comment resolves to the schema an installed xacct ships, relative to the file', async () => {
    const dir = scratch();
    // An installed package: node_modules/xacct with the dist/ that `npm pack` ships.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(repo, join(dir, 'node_modules', 'xacct'), 'dir');
    for (const out of ['xacct.yaml', 'infra/ci/xacct.yaml']) {
      expect((await cli(['init', '--out', out], { cwd: dir })).code).toBe(0);
      const file = join(dir, out);
      const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(file, 'utf8'))![1];
      expect(ref).toBe(out === 'xacct.yaml' ? './node_modules/xacct/dist/config.schema.json' : '../../node_modules/xacct/dist/config.schema.json');
      expect(JSON.parse(readFileSync(resolve(dirname(file), ref), 'utf8'))).toEqual(published);
    }
    expect((await cli(['init', '--out', 'other.yaml', '--schema', 'https://example.com/xacct/config.schema.json'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'other.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=https://example.com/xacct/config.schema.json');
  });
});

describe('refusals: exit 2, nothing written', () => {
  test('an existing file is kept unless --force', async () => {
    const dir = scratch({ 'xacct.yaml': 'prefix: mine\n' });
    const r = await cli(['init', '--prefix', 'acme'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --out xacct.yaml: the file exists; pass --force to replace it (nothing was written)');
    expect(readFileSync(join(dir, 'xacct.yaml'), 'utf8')).toBe('prefix: mine\n');
    expect((await cli(['init', '--prefix', 'acme', '--force'], { cwd: dir })).code).toBe(0);
    expect(parse(readFileSync(join(dir, 'xacct.yaml'), 'utf8')).prefix).toBe('acme');
  });

  test.each([
    [['--prefix', 'Acme'], 'error: --prefix: "Acme" must start with a lowercase letter'],
    [['--home-region', 'eu-wset-1'], 'error: --home-region: "eu-wset-1" is not an AWS region; did you mean "eu-west-1"?'],
    [['--prod-ou', 'Workloads/Prod'], 'error: --prod-ou: "Workloads/Prod" is neither an OU path from the root'],
    [
      ['--source', 'github:acme/app'],
      'error: --source "github:acme/app" is not a source; expected codecommit:REPO[@ACCOUNT], s3:BUCKET/KEY or connection:ARN:OWNER/REPO',
    ],
    [['--source', 'codecommit:app@12345'], 'error: --source: expected a 12-digit AWS account ID'],
    [['--source', 's3:bucket/key', '--branch', 'main'], 'error: --branch applies to codecommit and connection sources'],
    [['--source', 'connection:arn:aws:s3:::bucket:acme/app'], 'error: --source: expected a CodeConnections connection ARN'],
  ])('%j', async (flags, message) => {
    const dir = scratch();
    const r = await cli(['init', ...flags], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(existsSync(join(dir, 'xacct.yaml'))).toBe(false);
  });

  test('--out naming a directory', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'conf'));
    const r = await cli(['init', '--out', 'conf'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --out conf: is a directory');
  });
});

/** A terminal the test types into: each answer is sent once the question before it has been printed. */
function terminal(answers: string[]) {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let shown = '';
  let asked = 0;
  output.on('data', (chunk) => {
    shown += String(chunk);
    const prompts = shown.split('] ').length - 1;
    while (asked < prompts) {
      const answer = answers[asked++];
      if (answer === undefined) input.end();
      else input.write(`${answer}\n`);
    }
  });
  return { prompt: { input, output }, shown: () => shown };
}

describe('on a terminal', () => {
  test('asks for the values the flags left out, again when the config refuses an answer; Enter takes the default', async () => {
    const dir = scratch();
    const t = terminal(['Acme', 'acme', 'Root/Dev, ou-ab12-11111111', '', 'codecommit:app@333333333333', 'release']);
    const io = new MemoryIo();
    const r = await runInit({ homeRegion: 'eu-central-1', out: 'xacct.yaml', force: false }, io, { cwd: dir, prompt: t.prompt });
    expect(r.asked).toEqual(['--prefix', '--nonprod-ou', '--prod-ou', '--source', '--branch']);
    // The questions are the schema's words; the refusal is the config's.
    expect(t.shown()).toContain(`prefix: ${published.properties.prefix.description}\n  [xacct] `);
    expect(t.shown()).toContain('--prefix: "Acme" must start with a lowercase letter');
    expect(t.shown().match(/^prefix: /gm)).toHaveLength(2);
    expect(t.shown()).not.toContain('home region:');
    const raw = parse(readFileSync(join(dir, 'xacct.yaml'), 'utf8'));
    expect(parseConfig(raw)).toEqual(parseConfig({ ...EXPECTED, targets: { ...EXPECTED.targets, prod: { ous: ['Root/Workloads/Prod'] } } }));
  });

  test('a flag the config refuses stops init before the first question', async () => {
    const dir = scratch();
    const t = terminal([]);
    const err = await runInit({ prefix: 'Acme', out: 'xacct.yaml', force: false }, new MemoryIo(), { cwd: dir, prompt: t.prompt }).catch((e) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect(err.message).toMatch(/^--prefix: "Acme" must start with a lowercase letter/);
    expect(t.shown()).toBe('');
    expect(existsSync(join(dir, 'xacct.yaml'))).toBe(false);
  });

  test('an S3 source is not asked for a branch', async () => {
    const dir = scratch();
    const t = terminal(['', '', '', '', 's3:acme-sources/app.zip']);
    const r = await runInit({ out: 'xacct.yaml', force: false }, new MemoryIo(), { cwd: dir, prompt: t.prompt });
    expect(r.asked).toEqual(['--prefix', '--home-region', '--nonprod-ou', '--prod-ou', '--source']);
    expect(parse(readFileSync(join(dir, 'xacct.yaml'), 'utf8')).pipelines[0].source).toEqual({ s3: { bucket: 'acme-sources', key: 'app.zip' } });
  });

  test('input that ends before the last answer writes nothing', async () => {
    const dir = scratch();
    const t = terminal(['acme']);
    const err = await runInit({ out: 'xacct.yaml', force: false }, new MemoryIo(), { cwd: dir, prompt: t.prompt }).catch((e) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect(err.message).toBe('no answer for --home-region (input closed); nothing was written');
    expect(existsSync(join(dir, 'xacct.yaml'))).toBe(false);
  });

  test('input that ends between two questions writes nothing either', async () => {
    const dir = scratch();
    const input = Object.assign(new PassThrough(), { isTTY: true });
    input.end('acme\n');
    const err = await runInit({ out: 'xacct.yaml', force: false }, new MemoryIo(), { cwd: dir, prompt: { input, output: new PassThrough() } }).catch((e) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect(err.message).toBe('no answer for --home-region (input closed); nothing was written');
    expect(existsSync(join(dir, 'xacct.yaml'))).toBe(false);
  });

  test('Ctrl-C at a question stops init with nothing written', async () => {
    const dir = scratch();
    // A terminal as readline sees one: it reads keys itself, Ctrl-C among them.
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    output.once('data', () => input.write('\x03'));
    const err = await runInit({ out: 'xacct.yaml', force: false }, new MemoryIo(), { cwd: dir, prompt: { input, output } }).catch((e) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect(err.message).toBe('no answer for --prefix (Ctrl-C); nothing was written');
    expect(existsSync(join(dir, 'xacct.yaml'))).toBe(false);
  });

  test('without a terminal nothing is asked, even with input waiting', async () => {
    const dir = scratch();
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (c) => (shown += String(c)));
    input.write('Acme\n');
    const r = await runInit({ out: 'xacct.yaml', force: false }, new MemoryIo(), { cwd: dir, prompt: { input, output } });
    expect(r.asked).toEqual([]);
    expect(shown).toBe('');
    expect(parse(readFileSync(join(dir, 'xacct.yaml'), 'utf8')).prefix).toBe('xacct');
  });
});

test("the README's example is what init prints and writes", async () => {
  const dir = scratch();
  const args = ['init', '--prefix', 'acme', '--source', 'codecommit:app@333333333333'];
  const r = await cli(args, { cwd: dir });
  expect(r.code).toBe(0);
  const block = `$ xacct ${args.join(' ')}\n${r.stdout.trimEnd()}\n$ cat xacct.yaml\n${readFileSync(join(dir, 'xacct.yaml'), 'utf8').trimEnd()}`;
  if (process.env.README_EXAMPLES) writeFileSync(process.env.README_EXAMPLES, `${block}\n`);
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  expect(readme.slice(readme.indexOf('## Start: `xacct init`'))).toContain(`\`\`\`console\n${block}\n\`\`\``);
});
