/** Running the CLI in-process for the operator-safety tests: exit code, stdout, stderr, and a scratch directory. */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../deploy/cli';
import { FAKE_CREDENTIALS, installedFake } from '../support/fake-aws';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The in-memory organization the test installed, if any: AWS commands reach it over HTTP with credentials from the environment. */
async function fakeEndpoint(args: string[]): Promise<{ args: string[]; env: Record<string, string | undefined> }> {
  let endpoint: string;
  try {
    if (args.includes('--endpoint-url')) return { args, env: {} };
    endpoint = await installedFake().listen();
  } catch {
    return { args, env: {} };
  }
  return {
    args: [...args, '--endpoint-url', endpoint],
    env: { AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: undefined },
  };
}

const AWS_COMMANDS = new Set(['plan', 'deploy', 'status', 'destroy', 'params', 'rollout']);

export async function cli(args: string[], o: { cwd?: string } = {}): Promise<CliRun> {
  const routed = AWS_COMMANDS.has(args[0]) ? await fakeEndpoint(args) : { args, env: {} };
  const saved = Object.fromEntries(Object.keys(routed.env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(routed.env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  args = routed.args;
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
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
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
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, `${statSync(join(dir, f)).mtimeMs} ${readFileSync(join(dir, f), 'utf8')}`]),
  );
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
