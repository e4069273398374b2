/**
 * The Python example (standard library only) against a real registry on real Redis: any
 * language can register over plain HTTP, keep its lease with heartbeats at the interval the
 * registry returns, register again when the lease is gone, and deregister on SIGTERM.
 */
import { join } from 'node:path';
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

jest.setTimeout(60_000);

const SCRIPT = join(__dirname, '..', '..', '..', 'examples', 'python-inventory', 'inventory.py');

let registry: RunningRegistry;
let service: ExampleProcess;

async function inventoryInstance(instanceId: string): Promise<Instance | undefined> {
  const { status, body } = await getFromRegistry(registry, '/v1/services/inventory');
  if (status !== 200) return undefined;
  return (body as ServiceView).instances.find((i) => i.instanceId === instanceId);
}

function startInventory(instanceId: string): Promise<ExampleProcess> {
  return startExample('python3', [SCRIPT], {
    PORT: '0',
    HOST: '127.0.0.1',
    ADVERTISE_HOST: '127.0.0.1',
    REGISTRY_URL: registry.url,
    REGISTRY_TOKEN: registry.mintToken({ role: 'service', service: 'inventory' }),
    INSTANCE_ID: instanceId,
    // The shortest lease the registry allows by default, so heartbeats come every ~2 s.
    TTL_SECONDS: '5',
    HEALTH_INTERVAL_SECONDS: '2',
    // A short hold at weight 0 on SIGTERM (the default is 6 s).
    DRAIN_HOLD_SECONDS: '1',
  });
}

beforeAll(async () => {
  registry = await startTestRegistry('py-example');
  service = await startInventory('inv-1');
});

afterAll(async () => {
  await service?.stop('SIGKILL');
  await stopTestRegistry(registry);
});

describe('example python-inventory', () => {
  it('registers over the HTTP API with auth none and prints its port', async () => {
    expect(service.ready).toMatchObject({ service: 'inventory', instanceId: 'inv-1' });
    const { status, body } = await getFromRegistry(registry, '/v1/services/inventory');
    expect(status).toBe(200);
    const view = body as ServiceView;
    expect(view.definition).toMatchObject({
      prefix: '/inventory',
      auth: { type: 'none' },
      healthCheck: { path: '/health', intervalSeconds: 2 },
    });
    expect(view.instances).toEqual([
      expect.objectContaining({
        instanceId: 'inv-1',
        host: '127.0.0.1',
        port: service.ready.port,
        metadata: { language: 'python' },
        ttlSeconds: 5,
      }),
    ]);
  });

  it('answers /health and echoes requests, one log line each', async () => {
    const health = await fetch(`http://127.0.0.1:${service.ready.port}/health`);
    expect(health.status).toBe(200);
    await expect(health.json()).resolves.toMatchObject({ status: 'ok', instanceId: 'inv-1' });
    const echo = await fetch(`http://127.0.0.1:${service.ready.port}/items/7`, {
      headers: {
        'X-Forwarded-Prefix': '/inventory',
        'X-Kong-Request-Id': 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      },
    });
    await expect(echo.json()).resolves.toMatchObject({
      service: 'inventory',
      instanceId: 'inv-1',
      path: '/items/7',
      method: 'GET',
      headers: { 'x-forwarded-prefix': '/inventory' },
    });
    const line = await waitFor(
      () =>
        service
          .stderr()
          .split('\n')
          .find((l) => l.includes('"path": "/items/7"')),
      { what: 'a request log line' },
    );
    // Kong's request id on the service's line: the same value is request.id in Kong's log.
    expect(JSON.parse(line)).toMatchObject({
      msg: 'request',
      kongRequestId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    });
  });

  it('renews its lease with heartbeats at the interval the registry returned', async () => {
    const first = await inventoryInstance('inv-1');
    expect(first).toBeDefined();
    const renewed = await waitFor(
      async () => {
        const now = await inventoryInstance('inv-1');
        return now && now.lastHeartbeatAt !== first?.lastHeartbeatAt ? now : undefined;
      },
      { timeoutMs: 10_000, what: 'a heartbeat' },
    );
    expect(Date.parse(renewed.leaseExpiresAt)).toBeGreaterThan(Date.parse(first!.leaseExpiresAt));
  });

  it('registers again when its lease is gone (heartbeat answered 404)', async () => {
    const removed = await fetch(`${registry.url}/v1/services/inventory/instances/inv-1`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${registry.adminToken ?? ''}` },
    });
    expect(removed.status).toBeLessThan(300);
    await waitFor(() => inventoryInstance('inv-1'), { timeoutMs: 10_000, what: 're-registration' });
    expect(service.stderr()).toContain('lease lost (heartbeat 404), registering again');
  });

  it('drains (weight 0, still registered), then deregisters on SIGTERM and exits 0', async () => {
    const other = await startInventory('inv-2');
    await expect(inventoryInstance('inv-2')).resolves.toBeDefined();
    const stopped = other.stop('SIGTERM');
    await waitFor(async () => (await inventoryInstance('inv-2'))?.draining === true, {
      what: 'the instance marked draining',
    });
    await expect(stopped).resolves.toBe(0);
    await expect(inventoryInstance('inv-2')).resolves.toBeUndefined();
    expect(other.stderr()).toContain('"msg": "deregistered"');
  });

  it('refuses to start without a token (exit 2, says which variable)', async () => {
    const { code, stderr } = await runToExit('python3', [SCRIPT], { REGISTRY_TOKEN: '' });
    expect(code).toBe(2);
    expect(stderr).toContain('REGISTRY_TOKEN');
  });
});
