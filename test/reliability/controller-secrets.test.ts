/**
 * The controller never writes the Kong admin token or the registry token into its logs, not when
 * things work and not when Kong refuses the token.
 */
import { startKongSim } from '@kong-registry/kong-sim';
import type { RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl } from '../helpers/redis';
import { LogCapture } from './support/registry';
import {
  controllerConfig,
  stackPrefix,
  startCapturedController,
  startTestRegistry,
} from './support/stack';

const KONG_ADMIN_TOKEN = 'kong-admin-token-do-not-log-4f1c9a2e';

describe('reliability/security: controller secrets', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry(sharedRedisUrl(), stackPrefix());
    const token = registry.mintToken({ role: 'service', service: 'orders' });
    const res = await fetch(`${registry.url}/v1/services/orders/instances/o-1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ host: '127.0.0.1', port: 9, ttlSeconds: 60 }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => registry.close());

  it.each([
    ['the right admin token', KONG_ADMIN_TOKEN],
    ['a token Kong refuses (401)', `${KONG_ADMIN_TOKEN}-wrong`],
  ])(
    'with %s, no log line carries the Kong admin token or the registry token',
    async (_name, sent) => {
      const kong = await startKongSim({ adminToken: KONG_ADMIN_TOKEN });
      const registryToken = registry.mintToken({ role: 'admin' });
      const logs = new LogCapture();
      const { controller } = startCapturedController(
        controllerConfig(registry.url, registryToken, kong.admin, { KONG_ADMIN_TOKEN: sent }),
        logs,
      );
      try {
        await controller.reconcileOnce().catch(() => undefined);
        await controller.reconcileOnce().catch(() => undefined);
        expect(logs.lines.length).toBeGreaterThan(0);
        const text = logs.text();
        expect(text).not.toContain(KONG_ADMIN_TOKEN);
        expect(text).not.toContain(registryToken);
        expect(text).not.toContain(registryToken.split('.')[2]);
      } finally {
        await controller.stop();
        await kong.close();
      }
    },
  );
});
