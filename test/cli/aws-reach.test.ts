/**
 * Reaching AWS: an endpoint that does not answer is named with how it was chosen and given up on
 * within seconds; a profile that does not exist is named as such; the SDK's Node 20 notice appears
 * only with --verbose. Never real AWS: a closed port on 127.0.0.1 and the in-memory organization.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { standardOrg } from '../support/fake-aws';
import { endpointOrigin } from '../../deploy/commands/aws-context';
import { cli, GOOD_CONFIG, scratch } from './support';

/** A port on 127.0.0.1 that nothing listens on: bound by the system, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const saved = { ...process.env };
beforeEach(() => {
  // Static credentials: the SDK's chain must not look for instance metadata on this machine.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_CONFIG_FILE: join(scratch(), 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch(), 'none'),
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_ENDPOINT_URL;
});
afterEach(() => {
  process.env = { ...saved };
});

test('a closed loopback endpoint from --endpoint-url: named, how it was chosen, exit 2 within seconds', async () => {
  const port = await closedPort();
  const started = Date.now();
  const r = await cli(['status', '--endpoint-url', `http://127.0.0.1:${port}`], { cwd: scratch({ 'xacct.yaml': GOOD_CONFIG }) });
  const seconds = (Date.now() - started) / 1000;
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(
    `error: cannot reach AWS for sts:GetCallerIdentity at http://127.0.0.1:${port} (from --endpoint-url): ECONNREFUSED 127.0.0.1:${port}; check the URL and that the service is running`,
  );
  // Two attempts against a refused port take well under a second; 5 s leaves room for a loaded machine.
  expect(seconds).toBeLessThan(5);
}, 30_000);

test('a closed loopback endpoint from AWS_ENDPOINT_URL says so', async () => {
  const port = await closedPort();
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
  const r = await cli(['plan'], { cwd: scratch({ 'xacct.yaml': GOOD_CONFIG }) });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`at http://127.0.0.1:${port} (from AWS_ENDPOINT_URL): ECONNREFUSED`);
}, 30_000);

test("without either, the message says it was AWS's default endpoint", () => {
  expect(endpointOrigin({}, {})).toBe("AWS's default endpoint for the service and region");
});

test('--profile nosuch is named as a profile that does not exist; no AWS call', async () => {
  const fake = standardOrg().install();
  try {
    const dir = scratch({ 'xacct.yaml': GOOD_CONFIG, config: '[default]\nregion = eu-west-1\n[profile ci]\nregion = eu-west-1\n' });
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    const r = await cli(['deploy', '--profile', 'nosuch'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error: AWS profile "nosuch" (from --profile) does not exist in ${join(dir, 'config')} or ${process.env.AWS_SHARED_CREDENTIALS_FILE} (profiles: default, ci)`,
    );
    process.env.AWS_PROFILE = 'cj';
    const env = await cli(['status'], { cwd: dir });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('error: AWS profile "cj" (from AWS_PROFILE) does not exist');
    expect(env.stderr).toContain('did you mean "ci"?');
    expect(fake.calls).toEqual([]);
  } finally {
    fake.restore();
  }
});

describe("the AWS SDK's Node version notice", () => {
  const notices = async (args: string[]) => {
    const emitted: string[] = [];
    const spy = jest.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error) => void emitted.push(String(w))) as typeof process.emitWarning);
    delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const port = await closedPort();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const cwd = process.cwd();
    process.chdir(scratch({ 'xacct.yaml': GOOD_CONFIG }));
    try {
      // A module registry of its own, for the whole run: the SDK emits the notice once per loaded copy.
      await jest.isolateModulesAsync(async () => {
        const { main } = await import('../../deploy/cli');
        await main([...args, '--endpoint-url', `http://127.0.0.1:${port}`]);
      });
    } finally {
      process.chdir(cwd);
      stderr.mockRestore();
      spy.mockRestore();
    }
    return emitted.filter((w) => w.includes('NodeVersionSupportWarning'));
  };

  test('is not shown by default', async () => {
    expect(await notices(['status'])).toEqual([]);
  }, 30_000);

  test('is shown with --verbose (on Node versions the SDK warns about)', async () => {
    const warns = Number(process.versions.node.split('.')[0]) < 22;
    expect((await notices(['status', '--verbose'])).length).toBe(warns ? 1 : 0);
  }, 30_000);
});

test('an endpoint that answers, but not as AWS does, is named', async () => {
  const { createServer: http } = await import('node:http');
  const server = http((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const r = await cli(['status', '--endpoint-url', `http://127.0.0.1:${port}`], { cwd: scratch({ 'xacct.yaml': GOOD_CONFIG }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error: sts:GetCallerIdentity got HTTP 404 with no AWS error from http://127.0.0.1:${port} (from --endpoint-url): is that an AWS API?`,
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}, 30_000);

describe('retries', () => {
  const { connectionAwareRetry } = jest.requireActual('../../deploy/aws') as typeof import('../../deploy/aws');
  type Info = Parameters<ReturnType<typeof connectionAwareRetry>['refreshRetryTokenForRetry']>[1];
  const refused = { error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), errorType: 'TRANSIENT' } as Info;
  const throttled = { error: Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }), errorType: 'THROTTLING' } as Info;

  type Token = Parameters<ReturnType<typeof connectionAwareRetry>['refreshRetryTokenForRetry']>[0];

  test('a connection that cannot be made is given up after two attempts', async () => {
    const s = connectionAwareRetry(10);
    const token = (await s.acquireInitialRetryToken('')) as Token;
    const second = (await s.refreshRetryTokenForRetry(token, refused)) as Token;
    await expect(s.refreshRetryTokenForRetry(second, refused)).rejects.toBe(refused.error);
  });

  test('throttling keeps its retries', async () => {
    const s = connectionAwareRetry(3);
    let token = (await s.acquireInitialRetryToken('')) as Token;
    for (let i = 0; i < 2; i++) token = (await s.refreshRetryTokenForRetry(token, throttled)) as Token;
    expect(token.getRetryCount()).toBe(2);
  }, 60_000);
});
