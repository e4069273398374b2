/**
 * The two TypeScript examples (orders: key-auth, users: jwt) as real child processes against a
 * real registry on real Redis: they register with the SDK, answer /health, echo what Kong would
 * forward, log one line per request, and deregister on SIGTERM.
 */
import { join } from 'node:path';
import { buildProject } from '../../helpers/build';
import type { Instance, ServiceView } from '@kong-registry/sdk';
import type { RunningRegistry } from '@kong-registry/registry';
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
const mainOf = (name: string): string => join(ROOT, 'examples', name, 'dist', 'main.js');

let registry: RunningRegistry;

beforeAll(async () => {
  // The examples run from dist like any deployed service (this builds the SDK too).
  buildProject('examples');
  registry = await startTestRegistry('examples');
});

afterAll(async () => {
  await stopTestRegistry(registry);
});

function startService(
  name: 'orders' | 'users',
  instanceId: string,
  extraEnv: Record<string, string> = {},
): Promise<ExampleProcess> {
  return startExample(process.execPath, [mainOf(name)], {
    PORT: '0',
    HOST: '127.0.0.1',
    ADVERTISE_HOST: '127.0.0.1',
    REGISTRY_URL: registry.url,
    REGISTRY_TOKEN: registry.mintToken({ role: 'service', service: name }),
    INSTANCE_ID: instanceId,
    // A short hold at weight 0 on SIGTERM (the default is 6 s): every test here stops services.
    DRAIN_HOLD_SECONDS: '1',
    ...extraEnv,
  });
}

async function instanceIn(service: string, instanceId: string): Promise<Instance | undefined> {
  const { status, body } = await getFromRegistry(registry, `/v1/services/${service}`);
  if (status !== 200) return undefined;
  return (body as ServiceView).instances.find((i) => i.instanceId === instanceId);
}

describe.each([
  { name: 'orders' as const, auth: 'key-auth' },
  { name: 'users' as const, auth: 'jwt' },
])('example $name', ({ name, auth }) => {
  let service: ExampleProcess;

  beforeAll(async () => {
    service = await startService(name, `${name}-1`);
  });

  afterAll(async () => {
    await service?.stop('SIGKILL');
  });

  it(`prints its port once registered, with ${auth} at the gateway`, async () => {
    expect(service.ready).toMatchObject({
      service: name,
      instanceId: `${name}-1`,
      host: '127.0.0.1',
    });
    expect(service.ready.port).toBeGreaterThan(0);
    const { status, body } = await getFromRegistry(registry, `/v1/services/${name}`);
    expect(status).toBe(200);
    const view = body as ServiceView;
    expect(view.definition).toMatchObject({ prefix: `/${name}`, auth: { type: auth } });
    expect(view.instances).toEqual([
      expect.objectContaining({
        instanceId: `${name}-1`,
        host: '127.0.0.1',
        port: service.ready.port,
      }),
    ]);
  });

  it('answers /health for Kong', async () => {
    const response = await fetch(`http://127.0.0.1:${service.ready.port}/health`);
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toMatchObject({
      status: 'ok',
      service: name,
      instanceId: `${name}-1`,
    });
  });

  it('echoes the consumer Kong forwards, the path and the instance, and logs the request', async () => {
    const response = await fetch(`http://127.0.0.1:${service.ready.port}/things/42?x=1`, {
      headers: {
        'X-Consumer-Username': 'alice',
        'X-Consumer-ID': 'c-1',
        'X-Credential-Identifier': 'cred-1',
        'X-Forwarded-Prefix': `/${name}`,
        'X-Kong-Request-Id': 'f00dbabe0123456789abcdef01234567',
      },
    });
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toMatchObject({
      service: name,
      instanceId: `${name}-1`,
      path: '/things/42',
      method: 'GET',
      consumer: { username: 'alice', id: 'c-1', credentialIdentifier: 'cred-1', anonymous: false },
      headers: { 'x-consumer-username': 'alice', 'x-forwarded-prefix': `/${name}` },
    });
    const line = await waitFor(() =>
      service
        .stderr()
        .split('\n')
        .find((l) => l.includes('"msg":"request"') && l.includes('/things/42')),
    );
    expect(JSON.parse(line)).toMatchObject({
      method: 'GET',
      path: '/things/42',
      status: 200,
      consumer: 'alice',
      kongRequestId: 'f00dbabe0123456789abcdef01234567',
    });
  });

  it('answers consumer: null when Kong authenticated nobody', async () => {
    const response = await fetch(`http://127.0.0.1:${service.ready.port}/`);
    await expect(response.json()).resolves.toMatchObject({ consumer: null, path: '/' });
  });

  it('drains and deregisters on SIGTERM, then exits 0', async () => {
    const other = await startService(name, `${name}-2`);
    await expect(instanceIn(name, `${name}-2`)).resolves.toBeDefined();
    const stopped = other.stop('SIGTERM');
    // Weight 0 first, still registered, for the drain hold; then gone.
    await waitFor(async () => (await instanceIn(name, `${name}-2`))?.draining === true, {
      what: 'the instance marked draining',
    });
    await expect(stopped).resolves.toBe(0);
    await expect(instanceIn(name, `${name}-2`)).resolves.toBeUndefined();
    await expect(instanceIn(name, `${name}-1`)).resolves.toBeDefined();
  });
});

describe('example users', () => {
  it('echoes the claims of the token Kong verified', async () => {
    const service = await startService('users', 'users-claims');
    try {
      const payload = Buffer.from(
        JSON.stringify({ iss: 'issuer-key', sub: 'bob', exp: 4_000_000_000 }),
      ).toString('base64url');
      const response = await fetch(`http://127.0.0.1:${service.ready.port}/me`, {
        headers: {
          Authorization: `Bearer eyJhbGciOiJIUzI1NiJ9.${payload}.c2ln`,
          'X-Consumer-Username': 'bob',
        },
      });
      await expect(response.json()).resolves.toMatchObject({
        claims: { iss: 'issuer-key', sub: 'bob' },
        consumer: { username: 'bob' },
      });
    } finally {
      await service.stop('SIGTERM');
    }
  });
});

describe('example options', () => {
  it('asks for the lease length and health-check interval it was given', async () => {
    const service = await startService('orders', 'orders-tuned', {
      TTL_SECONDS: '6',
      HEALTH_INTERVAL_SECONDS: '1',
      PREFIX: '/shop/orders',
    });
    try {
      const { body } = await getFromRegistry(registry, '/v1/services/orders');
      const view = body as ServiceView;
      expect(view.definition.prefix).toBe('/shop/orders');
      expect(view.definition.healthCheck.intervalSeconds).toBe(1);
      expect(view.instances.find((i) => i.instanceId === 'orders-tuned')?.ttlSeconds).toBe(6);
    } finally {
      await service.stop('SIGTERM');
    }
  });
});

describe('example command line', () => {
  it('--help explains every option and exits 0', async () => {
    const { code, stdout } = await runToExit(process.execPath, [mainOf('orders'), '--help']);
    expect(code).toBe(0);
    for (const name of [
      'PORT',
      'REGISTRY_URL',
      'REGISTRY_TOKEN',
      'INSTANCE_ID',
      'ADVERTISE_HOST',
    ]) {
      expect(stdout).toContain(name);
    }
  });

  it('refuses bad input with exit 2 and says what is wrong', async () => {
    const { code, stderr } = await runToExit(process.execPath, [mainOf('users'), '--port', 'x'], {
      REGISTRY_TOKEN: '',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('PORT must be 0..65535');
    expect(stderr).toContain('REGISTRY_TOKEN is required');
  });

  it('exits 1 with a clear message when the registry refuses its token', async () => {
    const { code, stderr } = await runToExit(process.execPath, [mainOf('orders')], {
      PORT: '0',
      HOST: '127.0.0.1',
      ADVERTISE_HOST: '127.0.0.1',
      REGISTRY_URL: registry.url,
      REGISTRY_TOKEN: registry.mintToken({ role: 'service', service: 'users' }),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/SDK_ERR_FORBIDDEN|forbidden|403/i);
  });
});
