/**
 * Services cut off from the registry (their heartbeats stop, the processes keep serving): every
 * lease expires at once. The controller's mass-expiry guard must hold the removals for
 * MASS_EXPIRY_HOLD, so the gateway keeps routing to instances that are most likely still alive,
 * and let them go after the hold.
 */
import type { Controller } from '@kong-registry/kong-plugin';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import type { RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { recordFigure } from './support/figures';
import { proxyLoad, runLoop, startEcho, type EchoServer } from './support/load';
import {
  controllerConfig,
  stackPrefix,
  startCapturedController,
  startTestRegistry,
} from './support/stack';

const INSTANCES = 4;
const HOLD_MS = 4000;

describe('reliability/faults: every lease expires at once (services cut off from the registry)', () => {
  let registry: RunningRegistry;
  let kong: KongSim;
  let controller: Controller;
  let echoes: EchoServer[] = [];

  beforeAll(async () => {
    registry = await startTestRegistry(sharedRedisUrl(), stackPrefix());
    kong = await startKongSim();
    ({ controller } = startCapturedController(
      controllerConfig(registry.url, registry.adminToken ?? '', kong.admin, {
        MASS_EXPIRY_HOLD: `${HOLD_MS}ms`,
        LOG_LEVEL: 'warn',
      }),
    ));
    echoes = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => startEcho(`cut-${i}`)));
  });
  afterAll(async () => {
    await controller.stop();
    await kong.close();
    await registry.close();
    await Promise.all(echoes.map((e) => e.close()));
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${registry.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${registry.adminToken ?? ''}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('the gateway keeps routing for the hold, then the expired targets go', async () => {
    for (const echo of echoes) {
      const res = await call('PUT', `/v1/services/cut/instances/${echo.id}`, {
        host: '127.0.0.1',
        port: echo.port,
        ttlSeconds: 2,
      });
      expect(res.status).toBe(201);
    }
    // Heartbeats while connected.
    const heartbeats = runLoop(async () => {
      const results = await Promise.all(
        echoes.map((e) => call('PUT', `/v1/services/cut/instances/${e.id}/heartbeat`)),
      );
      return results.every((r) => r.status === 200) || 'heartbeat refused';
    }, 300);
    await controller.start();
    await waitFor(async () => (await fetch(`${kong.proxy}/cut/`)).status === 200, {
      timeoutMs: 15_000,
      what: 'the service routed through kong-sim',
    });
    const load = proxyLoad(`${kong.proxy}/cut/ping`, 5);
    await waitFor(() => load.stats.ok >= 50, { what: 'proxied requests before the cut' });

    // The cut: heartbeats stop, the instances keep serving.
    await heartbeats.stop();
    await waitFor(
      async () => {
        const res = await call('GET', '/v1/services/cut');
        return res.status === 404;
      },
      { timeoutMs: 10_000, what: 'every lease expired in the registry' },
    );
    const expiredAt = Date.now();
    const okAtExpiry = load.stats.ok;
    const failedAtExpiry = load.stats.failed;
    // Still routed while the guard holds: a stretch of traffic after the expiry. Kept small
    // because a loaded 2-core machine may serve only a few dozen sequential requests in the hold.
    await waitFor(() => load.stats.ok >= okAtExpiry + 20, {
      timeoutMs: HOLD_MS,
      what: 'proxied requests while the removals are held',
    });
    const servedWhileHeld = load.stats.ok - okAtExpiry;
    const failedWhileHeld = load.stats.failed - failedAtExpiry;

    // After the hold the targets go: the gateway stops routing to them.
    await waitFor(() => load.stats.failed > failedAtExpiry, {
      timeoutMs: HOLD_MS + 15_000,
      what: 'the held removals applied after the hold',
    });
    const removedAfterMs = Date.now() - expiredAt;
    const servedUntilRemoval = load.stats.ok - okAtExpiry;
    await load.stop();

    recordFigure('mass-expiry', 'instances whose leases expired together', INSTANCES);
    recordFigure('mass-expiry', 'hold (ms)', HOLD_MS);
    recordFigure('mass-expiry', 'proxied requests checked while held', servedWhileHeld);
    recordFigure('mass-expiry', 'of which failed', failedWhileHeld);
    recordFigure(
      'mass-expiry',
      'proxied requests served between expiry and removal',
      servedUntilRemoval,
    );
    recordFigure('mass-expiry', 'targets removed after the expiry (ms)', removedAfterMs);
    expect(failedWhileHeld).toBe(0);
  });
});
