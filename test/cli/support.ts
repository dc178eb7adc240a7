/** Running the CLI in-process for the operator-safety tests: exit code, stdout, stderr, and a scratch directory. */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../deploy/cli';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], o: { cwd?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const cwd = process.cwd();
  if (o.cwd) process.chdir(o.cwd);
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    if (o.cwd) process.chdir(cwd);
    out.mockRestore();
    err.mockRestore();
    log.mockRestore();
  }
}

export function scratch(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Every file of a directory with its content and modification time: equal snapshots mean nothing was written. */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, `${statSync(join(dir, f)).mtimeMs} ${readFileSync(join(dir, f), 'utf8')}`]));
}

export const GOOD_CONFIG = `prefix: acme
homeRegion: eu-west-1
targets:
  nonprod: { ous: [Root/Workloads/NonProd] }
  prod: { ous: [Root/Workloads/Prod] }
pipelines:
  - name: app
    source: { codecommit: { repository: app, branch: main, account: "333333333333" } }
    stages:
      - { name: NonProd, target: nonprod, cloudformation: { stackName: app, template: BuildOutput::template.yml } }
      - { name: Prod, target: prod, approval: true, cloudformation: { stackName: app, template: BuildOutput::template.yml } }
`;
