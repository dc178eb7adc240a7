/**
 * Running `runDeploy` against the in-memory organization (the one `install()` made current) with
 * real SDK clients, a virtual clock for xacct's waits and another for the SDK's (sdk-time.ts).
 */
import { runDeploy, DeployResult } from '../../deploy/deploy';
import { parseConfig, Config, ConfigInput } from '../../templates-src/config';
import { FakeClock } from './clock';
import { MemoryIo } from './io';
import { installedFake, SOURCE_ACCOUNT } from './fake-aws';
import { onSdkTime } from './sdk-time';
import type { EngineSource } from '../../deploy/rollout/engine';

export function testConfig(overrides: Partial<ConfigInput> = {}): Config {
  return parseConfig({
    prefix: 'xacct',
    homeRegion: 'eu-west-1',
    targets: { nonprod: { ous: ['Root/Workloads/NonProd'] }, prod: { ous: ['Root/Workloads/Prod'] } },
    pipelines: [
      {
        name: 'app',
        source: { codecommit: { repository: 'app', branch: 'main', account: SOURCE_ACCOUNT } },
        stages: [
          { name: 'NonProd', target: 'nonprod', cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } },
          { name: 'Prod', target: 'prod', approval: true, cloudformation: { stackName: 'app', template: 'BuildOutput::template.yml' } },
        ],
      },
    ],
    ...overrides,
  });
}

export interface Run {
  result?: DeployResult;
  error?: unknown;
  io: MemoryIo;
  clock: FakeClock;
}

/**
 * A stand-in for xacct's engine bundle (built by `make build`, which the tests do not need): deploy
 * hashes and uploads whatever it is given. test/package/engine.test.ts runs the real bundle.
 */
export const TEST_ENGINE: EngineSource = () => ({ body: Buffer.from('// xacct engine (test stand-in)\n'), path: 'test/support/deploy-harness.ts' });

/** `maxAttempts`: the SDK's attempts per call (deploy/aws.ts's default otherwise). */
export async function deploy(config: Config, o: { yes?: boolean; clock?: FakeClock; maxAttempts?: number; engine?: EngineSource } = {}): Promise<Run> {
  const io = new MemoryIo();
  const clock = o.clock ?? new FakeClock();
  const clients = installedFake().clients({ region: config.homeRegion, maxAttempts: o.maxAttempts });
  try {
    const confirm = { yes: Boolean(o.yes), interactive: false, ask: async () => false };
    const result = await onSdkTime(() => runDeploy(config, { clients, io, clock, confirm, engine: o.engine ?? TEST_ENGINE }));
    return { result, io, clock };
  } catch (error) {
    return { error, io, clock };
  }
}
