/** Running `runDeploy` against the in-memory organization with real SDK clients and a virtual clock. */
import { createClients } from '../../deploy/aws';
import { runDeploy, DeployResult } from '../../deploy/deploy';
import { parseConfig, Config, ConfigInput } from '../../templates-src/config';
import { FakeClock } from './clock';
import { MemoryIo } from './io';
import { SOURCE_ACCOUNT } from './fake-aws';

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

export async function deploy(config: Config, o: { yes?: boolean; clock?: FakeClock } = {}): Promise<Run> {
  const io = new MemoryIo();
  const clock = o.clock ?? new FakeClock();
  const clients = createClients({ region: config.homeRegion });
  try {
    const result = await runDeploy(config, { clients, io, clock, confirm: { yes: Boolean(o.yes), interactive: false, ask: async () => false } });
    return { result, io, clock };
  } catch (error) {
    return { error, io, clock };
  }
}
