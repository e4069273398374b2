/**
 * The controller never writes the Kong admin token or the registry token into its logs, not when
 * things work and not when Kong refuses the token.
 */
import { startKongSim } from '@kong-registry/kong-sim';
import type { RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
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
    ['the right tokens', KONG_ADMIN_TOKEN, true],
    ['a Kong admin token Kong refuses (401)', `${KONG_ADMIN_TOKEN}-wrong`, true],
    ['a registry token the registry refuses (401)', KONG_ADMIN_TOKEN, false],
  ])(
    'with %s, no log line carries the Kong admin token or the registry token',
    async (_name, sent, registryAccepts) => {
      const kong = await startKongSim({ adminToken: KONG_ADMIN_TOKEN });
      const registryToken = registryAccepts
        ? registry.mintToken({ role: 'admin' })
        : `${registry.mintToken({ role: 'admin' })}x`;
      const logs = new LogCapture();
      const { controller } = startCapturedController(
        controllerConfig(registry.url, registryToken, kong.admin, { KONG_ADMIN_TOKEN: sent }),
        logs,
      );
      try {
        // The loop logs what a bare reconcileOnce() would only throw.
        await controller.start().catch(() => undefined);
        await controller.reconcileOnce().catch(() => undefined);
        await waitFor(() => logs.lines.some((l) => /"level":(40|50)|"msg":"reconciled/.test(l)), {
          what: 'a reconcile (or its failure) in the log',
        });
        const text = logs.text();
        expect(text).not.toContain(KONG_ADMIN_TOKEN);
        expect(text).not.toContain(registryToken);
        expect(text).not.toContain((registryToken.split('.')[2] ?? '').slice(0, 40));
      } finally {
        await controller.stop();
        await kong.close();
      }
    },
  );
});
