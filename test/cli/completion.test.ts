/**
 * `xacct completion`: yargs' completion script. The script asks `xacct --get-yargs-completions
 * <words>` on every Tab; here bash runs the real script with `xacct` standing in as a shell function
 * that hands the words to the CLI (in-process) and its answer back, so what is checked is what a
 * user's Tab gets.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from '../../deploy/commands';
import { cli, scratch } from './support';

async function script(shell: 'bash' | 'zsh'): Promise<string> {
  const r = await cli(['completion', '--shell', shell]);
  expect(r.code).toBe(0);
  return r.stdout;
}

/** Run the bash script's completion function on `words` (the last one being completed), with `xacct` answering `answer`. */
function bashComplete(file: string, words: string[], answer: string): { asked: string[]; reply: string[] } {
  const dir = scratch({ answer });
  const program = [
    `source ${JSON.stringify(file)}`,
    `xacct() { printf '%s\\n' "$@" > ${JSON.stringify(join(dir, 'asked'))}; cat ${JSON.stringify(join(dir, 'answer'))}; }`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}`,
    '_xacct_yargs_completions',
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const reply = execFileSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8', timeout: 30_000 }).split('\n').filter(Boolean);
  return { asked: readFileSync(join(dir, 'asked'), 'utf8').split('\n').slice(0, -1), reply };
}

/** What a Tab after `words` offers in bash: the script asks xacct, xacct answers, the script filters. */
async function tab(file: string, words: string[]): Promise<string[]> {
  const { asked } = bashComplete(file, words, '');
  expect(asked.slice(0, 2)).toEqual(['--get-yargs-completions', 'xacct']);
  const answer = await cli(asked);
  expect(answer.code).toBe(0);
  const second = bashComplete(file, words, answer.stdout);
  expect(second.asked).toEqual(asked);
  return second.reply;
}

describe('bash', () => {
  let file: string;
  beforeAll(async () => {
    file = join(scratch(), 'xacct-completion.bash');
    writeFileSync(file, await script('bash'));
  });

  test("the script is yargs' and registers for xacct; its installation line reproduces it", () => {
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('complete -o bashdefault -o default -F _xacct_yargs_completions xacct');
    expect(text).toContain('type_list=$(xacct --get-yargs-completions "${args[@]}")');
    expect(text).toContain('# Installation: xacct completion --shell bash >> ~/.bashrc');
  });

  test('xacct de<Tab>: deploy and destroy', async () => {
    expect(await tab(file, ['xacct', 'de'])).toEqual(['deploy', 'destroy']);
  });

  test('xacct <Tab>: every command', async () => {
    expect((await tab(file, ['xacct', ''])).sort()).toEqual(expect.arrayContaining(commands.map((c) => c.name).sort()));
  });

  test("a command's options: plan --det<Tab>, init --non<Tab>, and AWS options only where AWS is called", async () => {
    expect(await tab(file, ['xacct', 'plan', '--det'])).toEqual(['--detailed-exitcode']);
    expect(await tab(file, ['xacct', 'init', '--non'])).toEqual(['--nonprod-ou']);
    expect(await tab(file, ['xacct', 'status', '--pro'])).toEqual(['--profile']);
    expect(await tab(file, ['xacct', 'build', '--pro'])).toEqual([]);
  });

  test('choices: --output <Tab>', async () => {
    expect(await tab(file, ['xacct', 'plan', '--output', ''])).toEqual(['text', 'json']);
  });
});

describe('zsh', () => {
  const shell = process.env.SHELL;
  afterEach(() => (shell === undefined ? delete process.env.SHELL : (process.env.SHELL = shell)));

  test("the script is yargs' zsh script, whatever $SHELL says", async () => {
    process.env.SHELL = '/bin/bash';
    const text = await script('zsh');
    expect(text.split('\n')[0]).toBe('#compdef xacct');
    expect(text).toContain('compdef _xacct_yargs_completions xacct');
    expect(text).toContain('xacct --get-yargs-completions "${words[@]}"');
    expect(text).toContain('# Installation: xacct completion --shell zsh >> ~/.zshrc');
  });

  test('in zsh the answers carry each command with its description (for _describe)', async () => {
    process.env.SHELL = '/usr/bin/zsh';
    const r = await cli(['--get-yargs-completions', 'xacct', '']);
    for (const c of commands) expect(r.stdout.split('\n')).toContain(`${c.name}:${c.describe}`);
  });

  test('without --shell, $SHELL decides', async () => {
    process.env.SHELL = '/usr/bin/zsh';
    expect((await cli(['completion'])).stdout.split('\n')[0]).toBe('#compdef xacct');
    process.env.SHELL = '/bin/bash';
    expect((await cli(['completion'])).stdout).toContain('complete -o bashdefault');
  });
});

test('--shell fish is refused with the choices', async () => {
  const r = await cli(['completion', '--shell', 'fish']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('error: --shell "fish" is not one of bash, zsh');
});
