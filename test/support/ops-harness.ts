/**
 * `plan`, `status` and `destroy` against the in-memory organization (the one `install()` made
 * current), with real SDK clients and virtual clocks; the CLI in-process, over HTTP to the same organization.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createIo, Io } from '../../deploy/io';
import { runPlan, PlanReport } from '../../deploy/plan';
import { runStatus, StatusReport } from '../../deploy/status';
import { runDestroy, DestroyResult } from '../../deploy/destroy';
import { main } from '../../deploy/cli';
import type { Config } from '../../templates-src/config';
import { FakeClock } from './clock';
import { MemoryIo } from './io';
import { FAKE_CREDENTIALS, installedFake } from './fake-aws';
import { onSdkTime } from './sdk-time';
import { TEST_ENGINE } from './deploy-harness';
import { runRollout, RolloutResult } from '../../deploy/rollout';
import type { RolloutPreview } from '../../deploy/rollout/preview';

export interface OpsRun<T> {
  result?: T;
  error?: unknown;
  io: MemoryIo;
  clock: FakeClock;
}

async function capture<T>(fn: (io: MemoryIo, clock: FakeClock) => Promise<T>, clock = new FakeClock()): Promise<OpsRun<T>> {
  const io = new MemoryIo();
  try {
    return { result: await onSdkTime(() => fn(io, clock)), io, clock };
  } catch (error) {
    return { error, io, clock };
  }
}

export const clientsFor = (config: Config) => installedFake().clients({ region: config.homeRegion });

export function plan(config: Config, o: { attach?: boolean; clock?: FakeClock } = {}): Promise<OpsRun<PlanReport>> {
  return capture((io, clock) => runPlan(config, { clients: clientsFor(config), io, clock, attach: o.attach ?? true, engine: TEST_ENGINE }), o.clock);
}

/** `xacct rollout` of one stackset: stage, with the template text written to a file first. */
export function rollout(
  config: Config,
  args: { pipeline: string; stage: string; template: string; preview?: boolean; summaryFile?: string },
): Promise<OpsRun<RolloutResult | RolloutPreview>> {
  const file = join(mkdtempSync(join(tmpdir(), 'xacct-rollout-')), 'template.json');
  writeFileSync(file, args.template);
  return capture((io, clock) => runRollout(config, { ...args, template: file }, { clients: clientsFor(config), io, clock }));
}

export function status(config: Config, o: { drift?: boolean } = {}): Promise<OpsRun<StatusReport>> {
  return capture((io, clock) => runStatus(config, { clients: clientsFor(config), io, clock, drift: o.drift }));
}

export function destroy(config: Config, o: { yes?: boolean; interactive?: boolean; answer?: boolean } = {}): Promise<OpsRun<DestroyResult>> {
  const asked: string[] = [];
  return capture((io, clock) =>
    runDestroy(config, {
      clients: clientsFor(config),
      io,
      clock,
      confirm: {
        yes: Boolean(o.yes),
        interactive: Boolean(o.interactive),
        ask: async (q) => {
          asked.push(q);
          return Boolean(o.answer);
        },
      },
    }),
  );
}

/** A text-mode Io writing to strings, as the CLI builds it (for rendering checks). */
export function stringIo(mode: 'text' | 'json', tty = false): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  const errStream = Object.assign(
    sink((s) => (err += s)),
    { isTTY: tty },
  );
  return { io: createIo({ mode, verbose: false, color: false, out: sink((s) => (out += s)), err: errStream }), out: () => out, err: () => err };
}

/**
 * The CLI in-process: exit code, stdout and stderr. It builds its own clients, as in production; they
 * reach the in-memory organization over HTTP (`--endpoint-url`) with credentials from the environment.
 */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const endpoint = await installedFake().listen();
  const env = {
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    AWS_PROFILE: undefined,
    AWS_SESSION_TOKEN: undefined,
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  try {
    const code = await main([...args, '--endpoint-url', endpoint]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A config file holding `config` (parsed configs are valid input), for driving the CLI. */
export function configFile(config: Config): string {
  const file = join(mkdtempSync(join(tmpdir(), 'xacct-ops-')), 'xacct.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}
