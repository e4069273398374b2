/**
 * A hung instance (accepts TCP, never answers) next to a healthy one: Kong's active health check
 * times out on it, the target goes UNHEALTHY, and proxied traffic only reaches the healthy one.
 */
import type { Controller } from '@kong-registry/kong-plugin';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import type { RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { recordFigure } from './support/figures';
import { startEcho, startHung, type EchoServer } from './support/load';
import {
  controllerConfig,
  stackPrefix,
  startCapturedController,
  startTestRegistry,
} from './support/stack';

describe('reliability/faults: hung instance', () => {
  let registry: RunningRegistry;
  let kong: KongSim;
  let controller: Controller;
  let echo: EchoServer;
  let hung: Awaited<ReturnType<typeof startHung>>;

  beforeAll(async () => {
    registry = await startTestRegistry(sharedRedisUrl(), stackPrefix());
    kong = await startKongSim();
    ({ controller } = startCapturedController(
      controllerConfig(registry.url, registry.adminToken ?? '', kong.admin, { LOG_LEVEL: 'warn' }),
    ));
    echo = await startEcho('healthy');
    hung = await startHung();
  });
  afterAll(async () => {
    await controller.stop();
    await kong.close();
    await registry.close();
    await echo.close();
    await hung.close();
  });

  it('is taken out of rotation by the timeout check; all traffic then reaches the healthy instance', async () => {
    const healthCheck = {
      intervalSeconds: 1,
      timeoutSeconds: 1,
      unhealthyThreshold: 1,
      healthyThreshold: 1,
    };
    for (const [id, port] of [
      ['healthy', echo.port],
      ['hung', hung.port],
    ] as const) {
      const res = await fetch(`${registry.url}/v1/services/slow/instances/${id}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${registry.adminToken ?? ''}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ host: '127.0.0.1', port, ttlSeconds: 300, healthCheck }),
      });
      expect(res.status).toBe(201);
    }
    await controller.start();
    const startedAt = Date.now();
    const hungTarget = `127.0.0.1:${hung.port}`;
    const health = await waitFor(
      async () => {
        const res = await fetch(`${kong.admin}/upstreams/slow.upstream/health`);
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as { data: { target: string; health: string }[] };
        const row = body.data.find((t) => t.target === hungTarget);
        return row?.health === 'UNHEALTHY' ? body.data : undefined;
      },
      { timeoutMs: 15_000, what: 'the hung target marked UNHEALTHY' },
    );
    const outMs = Date.now() - startedAt;
    expect(health.find((t) => t.target === `127.0.0.1:${echo.port}`)?.health).toBe('HEALTHY');
    // The balancer (and its health checker) takes a write at once, the router on its next
    // rebuild (Kong's default: every 5 s), so wait for the route before sending traffic.
    await waitFor(async () => (await fetch(`${kong.proxy}/slow/x`)).status === 200, {
      timeoutMs: 15_000,
      what: 'the route to /slow in the proxy',
    });

    const hitsBefore = echo.hits;
    let failed = 0;
    for (let i = 0; i < 50; i += 1) {
      const res = await fetch(`${kong.proxy}/slow/x`, { signal: AbortSignal.timeout(3000) }).catch(
        () => undefined,
      );
      if (res?.status !== 200) failed += 1;
      await res?.text();
    }
    expect(failed).toBe(0);
    expect(echo.hits - hitsBefore).toBe(50);
    recordFigure('hung-instance', 'out of rotation after controller start (ms)', outMs);
    recordFigure('hung-instance', 'proxied requests after, failed', failed);
  });
});
