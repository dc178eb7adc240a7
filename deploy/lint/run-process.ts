/** Running a linter process: its output and exit code, never a throw for a non-zero exit. */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runProcess(command: string, args: string[], cwd?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/**
 * The first `name` on PATH outside `node_modules/.bin` whose `--version` output matches `signature`.
 * npm puts `node_modules/.bin` first on PATH under npx and npm scripts, where an npm package of the
 * same name would shadow the tool wanted.
 */
export async function findOnPath(name: string, signature: RegExp): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || /node_modules[\\/]\.bin[\\/]?$/.test(dir)) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      const r = await runProcess(candidate, ['--version']);
      if (r.code === 0 && signature.test(r.stdout + r.stderr)) return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}
