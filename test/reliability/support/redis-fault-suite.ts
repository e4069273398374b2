/**
 * Redis SIGKILLed and restarted empty under load: SDK-registered echo instances heartbeating, a
 * controller keeping kong-sim converged, and a steady stream of proxied requests. The registry
 * must answer 503 REG_ERR_REDIS_UNAVAILABLE meanwhile and never crash; the SDKs must re-register
 * every live instance once Redis is back; the gateway must keep routing.
 */
import type { Controller } from '@kong-registry/kong-plugin';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import type { RunningRegistry } from '@kong-registry/registry';
import { register, type RegistrationHandle } from '@kong-registry/sdk';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { recordFigure } from './figures';
import { proxyLoad, startEcho, type EchoServer, type Loop } from './load';
import { controllerConfig, stackPrefix, startCapturedController, startTestRegistry } from './stack';

/** Size of one run of the Redis fault suite. */
export interface RedisFaultScale {
  label: string;
  instances: number;
  /** How long Redis stays down, at least (and at least one lease). */
  outageMs: number;
  /** Kill/restart cycles. */
  cycles: number;
}

const TTL_SECONDS = 3;
/**
 * Proxied failures are asserted (0) both while Redis is down and around its restart: the
 * controller holds removals when the registry comes back empty (docs/RELIABILITY.md, gap 4).
 */

/** Defines the suite at the given scale. */
export function describeRedisFault({
  label,
  instances: INSTANCES,
  outageMs,
  cycles,
}: RedisFaultScale): void {
  describe(`reliability/faults (${label}): Redis killed and restarted empty under load`, () => {
    let redis: RedisServerHandle;
    let registry: RunningRegistry;
    let kong: KongSim;
    let controller: Controller;
    let echoes: EchoServer[] = [];
    let handles: RegistrationHandle[] = [];
    let load: Loop | undefined;

    beforeAll(async () => {
      redis = await startRedisServer();
      registry = await startTestRegistry(redis.url, stackPrefix(), {
        REGISTRY_LEASE_TTL_SECONDS: String(TTL_SECONDS),
      });
      kong = await startKongSim();
      ({ controller } = startCapturedController(
        controllerConfig(registry.url, registry.mintToken({ role: 'admin' }), kong.admin, {
          MASS_EXPIRY_HOLD: '30s',
        }),
      ));
      await controller.start();
      echoes = await Promise.all(
        Array.from({ length: INSTANCES }, (_, i) => startEcho(`echo-${i}`)),
      );
      const token = registry.mintToken({ role: 'service', service: 'echo' });
      handles = await Promise.all(
        echoes.map((echo) =>
          register({
            registryUrl: registry.url,
            token,
            service: 'echo',
            host: '127.0.0.1',
            port: echo.port,
            instanceId: echo.id,
            ttlSeconds: TTL_SECONDS,
            healthCheck: { intervalSeconds: 1 },
            retry: { initialDelayMs: 50, maxDelayMs: 250 },
          }),
        ),
      );
    });

    afterAll(async () => {
      await load?.stop();
      await Promise.all(handles.map((h) => h.close()));
      await controller.stop();
      await kong.close();
      await registry.close();
      await Promise.all(echoes.map((e) => e.close()));
      await redis.stop();
    });

    const listed = async (): Promise<number> => {
      const res = await fetch(`${registry.url}/v1/services/echo`, {
        headers: { authorization: `Bearer ${registry.adminToken ?? ''}` },
      });
      if (res.status !== 200) return 0;
      return ((await res.json()) as { instances: unknown[] }).instances.length;
    };

    it('503 with a clear code while Redis is down, every instance back after, gateway routing throughout', async () => {
      await waitFor(async () => (await fetch(`${kong.proxy}/echo/`)).status === 200, {
        timeoutMs: 15_000,
        what: 'the echo service routed through kong-sim',
      });
      load = proxyLoad(`${kong.proxy}/echo/ping`, 5);
      const okAt = (n: number) => () => load!.stats.ok >= n;
      await waitFor(okAt(50), { what: 'proxied requests before the fault' });

      const outages: number[] = [];
      const recoveries: number[] = [];
      let failedDuringOutages = 0;
      for (let cycle = 0; cycle < cycles; cycle += 1) {
        const failedBefore = load.stats.failed;
        await redis.kill();
        const down = await waitFor(
          async () => {
            const res = await fetch(`${registry.url}/v1/services`, {
              headers: { authorization: `Bearer ${registry.adminToken ?? ''}` },
            });
            if (res.status !== 503) return undefined;
            const body = (await res.json()) as { code: string };
            return { code: body.code, retryAfter: res.headers.get('retry-after') };
          },
          { what: 'a 503 from the registry' },
        );
        expect(down).toEqual({ code: 'REG_ERR_REDIS_UNAVAILABLE', retryAfter: '1' });
        expect((await fetch(`${registry.url}/healthz`)).status).toBe(200);
        expect((await fetch(`${registry.url}/readyz`)).status).toBe(503);
        // Stay down longer than a lease: the SDKs' heartbeats fail, the gateway must not care.
        const okBefore = load.stats.ok;
        const downSince = Date.now();
        const minimumMs = Math.max(outageMs, (TTL_SECONDS + 1) * 1000);
        await waitFor(() => Date.now() - downSince > minimumMs && load!.stats.ok > okBefore + 100, {
          timeoutMs: minimumMs + 20_000,
          what: 'an outage longer than a lease with traffic flowing',
        });
        failedDuringOutages += load.stats.failed - failedBefore;

        await redis.restart();
        const restartedAt = Date.now();
        outages.push(restartedAt - downSince);
        await waitFor(async () => (await listed()) === INSTANCES, {
          timeoutMs: 15_000,
          what: 'every instance registered again',
        });
        recoveries.push(Date.now() - restartedAt);
        const okAfter = load.stats.ok;
        await waitFor(okAt(okAfter + 100), {
          timeoutMs: 15_000,
          what: 'proxied requests after recovery',
        });
      }
      await load.stop();
      // Every instance still serves traffic through the gateway.
      for (const echo of echoes) expect(echo.hits).toBeGreaterThan(0);

      const suite = `redis-fault-${label}`;
      recordFigure(suite, 'instances', INSTANCES);
      recordFigure(suite, 'kill/restart cycles', cycles);
      recordFigure(suite, 'outages (ms)', JSON.stringify(outages));
      recordFigure(
        suite,
        'all instances back after Redis returned (ms)',
        JSON.stringify(recoveries),
      );
      recordFigure(suite, 'heartbeat interval (ms)', (TTL_SECONDS / 3) * 1000);
      recordFigure(suite, 'proxied ok', load.stats.ok);
      recordFigure(suite, 'proxied failed during outages', failedDuringOutages);
      recordFigure(suite, 'proxied failed total', load.stats.failed);
      recordFigure(suite, 'proxied failures', JSON.stringify(load.stats.failures));
      expect(failedDuringOutages).toBe(0);
      expect(load.stats.failed).toBe(0);
    });
  });
}
