/**
 * The gRPC example (greeter) as a real child process against a real registry on real Redis: it
 * registers as protocol grpc under /demo.Greeter, reports its own health with each heartbeat,
 * answers gRPC directly (Greeter and grpc.health.v1.Health), and on SIGTERM reports itself
 * unhealthy, drains and deregisters.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Instance, ServiceView } from '@kong-registry/sdk';
import type { RunningRegistry } from '@kong-registry/registry';
import { buildProject } from '../../helpers/build';
import { loadProtos } from '../../../examples/greeter/src/protos';
import { greeterClient, sayHello } from '../../helpers/grpc';
import { waitFor } from '../../helpers/wait';
import {
  getFromRegistry,
  runToExit,
  startExample,
  startTestRegistry,
  stopTestRegistry,
  type ExampleProcess,
} from './child-process';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'examples', 'greeter', 'dist', 'main.js');

let registry: RunningRegistry;

beforeAll(async () => {
  buildProject('examples');
  registry = await startTestRegistry('greeter');
});

afterAll(async () => {
  await stopTestRegistry(registry);
});

function startGreeter(instanceId: string): Promise<ExampleProcess> {
  return startExample(process.execPath, [MAIN], {
    PORT: '0',
    HOST: '127.0.0.1',
    ADVERTISE_HOST: '127.0.0.1',
    REGISTRY_URL: registry.url,
    REGISTRY_TOKEN: registry.mintToken({ role: 'service', service: 'greeter' }),
    INSTANCE_ID: instanceId,
    TTL_SECONDS: '6',
    DRAIN_HOLD_SECONDS: '1',
  });
}

async function instance(instanceId: string): Promise<Instance | undefined> {
  const { status, body } = await getFromRegistry(registry, '/v1/services/greeter');
  if (status !== 200) return undefined;
  return (body as ServiceView).instances.find((i) => i.instanceId === instanceId);
}

/** grpc.health.v1.Health/Check straight to an instance. */
function healthCheck(address: string): Promise<string> {
  const client = new (loadProtos().Health)(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.Check({ service: 'demo.Greeter' }, (err, reply) => {
      client.close();
      if (err) reject(err);
      else resolve(reply.status);
    }),
  );
}

describe('example greeter', () => {
  let greeter: ExampleProcess;
  let port: number;

  beforeAll(async () => {
    greeter = await startGreeter('greeter-1');
    port = greeter.ready.port;
  });

  afterAll(async () => {
    await greeter?.stop('SIGKILL');
  });

  it('registers as protocol grpc under /demo.Greeter, with key-auth, reporting itself healthy', async () => {
    expect(greeter.ready).toMatchObject({
      service: 'greeter',
      instanceId: 'greeter-1',
      protocol: 'grpc',
    });
    const { body } = await getFromRegistry(registry, '/v1/services/greeter');
    const view = body as ServiceView;
    expect(view.definition).toMatchObject({
      prefix: '/demo.Greeter',
      protocol: 'grpc',
      auth: { type: 'key-auth' },
    });
    await waitFor(async () => (await instance('greeter-1'))?.selfHealth?.status === 'healthy', {
      what: 'a heartbeat carrying its health',
    });
  });

  it('answers SayHello and the standard health check over gRPC', async () => {
    const client = greeterClient(`http://127.0.0.1:${port}`);
    try {
      const outcome = await sayHello(client, 'ada');
      expect(outcome.reply).toMatchObject({ message: 'Hello, ada', instanceId: 'greeter-1' });
    } finally {
      client.close();
    }
    await expect(healthCheck(`127.0.0.1:${port}`)).resolves.toBe('SERVING');
  });

  it('on SIGTERM drains (weight 0), deregisters and exits 0', async () => {
    const other = await startGreeter('greeter-2');
    const stopped = other.stop('SIGTERM');
    await waitFor(async () => (await instance('greeter-2'))?.draining === true, {
      what: 'greeter-2 marked draining',
    });
    await expect(stopped).resolves.toBe(0);
    await expect(instance('greeter-2')).resolves.toBeUndefined();
  });

  it('--help names the gRPC service and its prefix', async () => {
    const { code, stdout } = await runToExit(process.execPath, [MAIN, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('demo.Greeter');
    expect(stdout).toContain('(default /demo.Greeter)');
  });
});
