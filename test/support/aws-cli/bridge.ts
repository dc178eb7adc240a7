/**
 * Lets bash run the dist README's blocks as written: `aws` on PATH is a small script that hands its
 * arguments (as the shell split and unquoted them), the account of the block and the working
 * directory to this process over HTTP, where cli.ts reads them and answers from the in-memory
 * organization; its exit code comes back as the HTTP status (200 + code). `xacct` on PATH goes the
 * same way to the runner the test gives (xacct's CLI in this process, against the same organization).
 * `sleep` on PATH returns at once: the organization's time moves with each poll, not with the clock.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliContext, CliRun, runAws } from './cli';

const script = (what: string, path: string) => `#!/usr/bin/env bash
# ${what} for test/dist/readme.test.ts: its arguments go to the test process, which answers.
body=$(mktemp) out=$(mktemp)
{ printf '%s\\0' "$XACCT_TEST_ACCOUNT" "$PWD"; printf '%s\\0' "$@"; } >"$body"
status=$(curl -sS -o "$out" -w '%{http_code}' --data-binary @"$body" "$XACCT_TEST_AWS${path}") || { rm -f "$body" "$out"; exit 255; }
cat "$out"
rm -f "$body" "$out"
exit $((status - 200))
`;

/** xacct's own command line, run for a README block in `account` with `cwd` as its working directory. */
export type XacctRunner = (account: string, cwd: string, argv: string[]) => Promise<CliRun>;

export interface Bridge {
  /** A directory holding `aws` and `sleep`, to put first on PATH. */
  bin: string;
  /** Environment for bash: PATH and where `aws` reaches this process. */
  env: Record<string, string>;
  /** stderr of every `aws` call, with its command line. */
  log: string[];
  close(): Promise<void>;
}

export async function startBridge(ctx: CliContext, xacct?: XacctRunner): Promise<Bridge> {
  const bin = mkdtempSync(join(tmpdir(), 'xacct-aws-'));
  writeFileSync(join(bin, 'aws'), script('The AWS CLI', ''));
  writeFileSync(join(bin, 'sleep'), '#!/usr/bin/env bash\nexit 0\n');
  chmodSync(join(bin, 'aws'), 0o755);
  chmodSync(join(bin, 'sleep'), 0o755);
  if (xacct) {
    writeFileSync(join(bin, 'xacct'), script("xacct's CLI", '/xacct'));
    chmodSync(join(bin, 'xacct'), 0o755);
  }
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [account, cwd, ...argv] = Buffer.concat(chunks).toString('utf8').split('\0').slice(0, -1);
      const own = req.url === '/xacct' && xacct !== undefined;
      (own ? xacct(account, cwd, argv) : runAws(ctx, account, cwd, argv)).then(
        (r) => {
          if (r.stderr) log.push(`${own ? 'xacct' : 'aws'} ${argv.join(' ')}\n${r.stderr}`);
          res.writeHead(200 + r.code).end(r.stdout);
        },
        (err: unknown) => {
          log.push(`aws ${argv.join(' ')}\n${String(err)}`);
          res.writeHead(455).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    bin,
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, XACCT_TEST_AWS: url },
    log,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
