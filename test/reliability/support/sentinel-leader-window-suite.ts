/**
 * The leader lock across a Redis Sentinel failover, with a Kong slower to answer than the
 * failover (issue #16, part 1): the one window in which two controllers can still write at once.
 */
import type { Controller } from '@kong-registry/kong-plugin';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import type { RunningRegistry } from '@kong-registry/registry';
import { waitFor } from '../../helpers/wait';
import { overlappingWrites, startCountingProxy, type CountingProxy } from './counting-proxy';
import { recordFigure } from './figures';
import { kongInventory } from './kong-inventory';
import { startSentinelTopology, withProbe, type SentinelTopology } from './sentinel';
import { controllerConfig, stackPrefix, startCapturedController, startTestRegistry } from './stack';

/**
 * The one window in which two controllers still write to Kong at once across a failover, shown on
 * purpose. Controller A's Admin API is slow (each write held `DELAY_MS`, longer than a failover),
 * and the master dies right after A sent the first writes of a batch of 60 targets (one level of
 * the plan, APPLY_CONCURRENCY = 10 at a time). A's next lock renewal fails, which ends its lease
 * (leader/lock.ts): it sends nothing more, but the 10 writes already sent are still being
 * answered when B (through Sentinel) has taken the free lock on the promoted replica and writes
 * too. A's lock Redis is the dead master itself, a test device that makes the handover certain
 * (through Sentinel, A might take the lock back first).
 *
 * Asserted: A sent no write after its lease ended (at most LEADER_LOCK_TTL after its last
 * renewal, before the kill); the writes it had sent overlap B's (the window is real, and no
 * wider); Kong converges without duplicates (every write is an idempotent PUT by deterministic id).
 */
export function describeLeaderWindow(label: string): void {
  describe(`reliability/faults (${label}): the leader lock across a failover, with a slow Kong`, () => {
    const suite = `sentinel-leader-window-${label}`;
    let topology: SentinelTopology;
    let registry: RunningRegistry;
    let kong: KongSim;
    const proxies: CountingProxy[] = [];
    const controllers: Controller[] = [];
    const TARGETS = 60;
    // Longer than the failover plus the new leader's first reconcile (2.3-3.8 s measured), with room.
    const DELAY_MS = 8000;
    const LOCK_TTL_MS = 1000;

    beforeAll(async () => {
      topology = await startSentinelTopology({ replicas: 1 });
      const prefix = stackPrefix();
      registry = await startTestRegistry('redis://127.0.0.1:1', prefix, {
        REDIS_SENTINELS: topology.sentinelList,
        REDIS_SENTINEL_NAME: topology.name,
        REGISTRY_HISTORY_SAMPLE_SECONDS: '0',
      });
      kong = await startKongSim();
      const token = registry.mintToken({ role: 'admin' });
      const lock = {
        LEADER_LOCK_KEY: `${prefix}leader`,
        LEADER_LOCK_TTL: `${LOCK_TTL_MS}ms`,
        LOG_LEVEL: 'info',
        // The burst of registrations below becomes one reconcile, one batch of target writes.
        EVENT_DEBOUNCE: '500ms',
      };
      const redisOf: Record<string, string>[] = [
        { REDIS_URL: `redis://127.0.0.1:${(await topology.master()).port}` },
        { REDIS_SENTINELS: topology.sentinelList, REDIS_SENTINEL_NAME: topology.name },
      ];
      for (const [i, id] of ['ctl-a', 'ctl-b'].entries()) {
        const proxy = await startCountingProxy(kong.admin);
        proxies.push(proxy);
        const { controller } = startCapturedController(
          controllerConfig(registry.url, token, proxy.url, {
            ...redisOf[i],
            ...lock,
            CONTROLLER_ID: id,
          }),
        );
        controllers.push(controller);
        await controller.start();
        if (i === 0) await waitFor(() => controller.isLeader, { what: 'ctl-a to lead' });
      }
    });

    afterAll(async () => {
      for (const controller of controllers) await controller.stop();
      await Promise.all(proxies.map((p) => p.close()));
      await kong?.close();
      await registry?.close();
      await topology?.close();
    });

    it('writes the old leader sent before the kill still land after the new leader writes; none sent after', async () => {
      const [a, b] = [proxies[0]!, proxies[1]!];
      const [ctlA, ctlB] = [controllers[0]!, controllers[1]!];
      const put = (i: number) =>
        fetch(`${registry.url}/v1/services/burst/instances/b-${i}`, {
          method: 'PUT',
          headers: {
            authorization: `Bearer ${registry.adminToken ?? ''}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            host: '127.0.0.1',
            port: 30_000 + i,
            ttlSeconds: 300,
            healthCheck: { intervalSeconds: 300 },
          }),
        }).then((res) => expect(res.status).toBeLessThan(300));
      await put(0);
      await waitFor(async () => (await kongInventory(kong.admin)).counts.targets === 1, {
        what: 'the first target in Kong',
      });
      expect(b.writes).toBe(0);

      a.delayWritesMs = DELAY_MS;
      const writesBefore = a.writes;
      await Promise.all(Array.from({ length: TARGETS }, (_, i) => put(i + 1)));
      await waitFor(() => a.inFlight > 0, { what: 'ctl-a to start its batch' });
      const crashAt = Date.now();
      const master = await topology.master();
      await topology.crash(master);
      await waitFor(() => ctlB.isLeader && b.spans.length > 0, {
        what: 'ctl-b to lead and write',
        timeoutMs: 20_000,
      });
      const bFirst = Math.min(...b.spans.map((s) => s.start));
      // Every write ctl-a sent has been answered.
      await waitFor(() => a.inFlight === 0 && a.spans.length === a.writes, {
        what: "ctl-a's writes to be answered",
        timeoutMs: DELAY_MS * 4,
      });
      // The old master comes back as a replica: ctl-a reconnects to it and cannot take the lock
      // there (READONLY), however often it tries.
      await topology.restartNode(master);
      await waitFor(
        () =>
          withProbe(master.port, async (c) =>
            /cmd=eval/.test(String(await c.call('CLIENT', 'LIST'))),
          ),
        { what: 'ctl-a trying the lock on the old master, now a replica', timeoutMs: 10_000 },
      );
      expect(ctlA.isLeader).toBe(false);
      const aSentAfterKill = a.spans.filter((s) => s.start > crashAt).length;
      const aLastSent = Math.max(...a.spans.map((s) => s.start));
      const overlaps = overlappingWrites(a.spans, b.spans);
      const aLate = a.spans.filter((s) => s.end > bFirst).length;
      await waitFor(async () => (await kongInventory(kong.admin)).counts.targets === TARGETS + 1, {
        what: 'every target in Kong',
        timeoutMs: 20_000,
      });
      const inventory = await kongInventory(kong.admin);

      recordFigure(suite, "slow Admin API: each of ctl-a's writes held (ms)", DELAY_MS);
      recordFigure(suite, 'lock TTL (ms)', LOCK_TTL_MS);
      recordFigure(suite, 'ctl-a writes sent of the 60 targets', a.writes - writesBefore);
      recordFigure(suite, 'ctl-a writes sent after the kill', aSentAfterKill);
      recordFigure(suite, 'ctl-a last write sent, after the kill (ms)', aLastSent - crashAt);
      recordFigure(suite, 'ctl-b first write after the kill (ms)', bFirst - crashAt);
      recordFigure(suite, "ctl-a's writes answered after ctl-b's first write", aLate);
      recordFigure(suite, 'overlapping write pairs', overlaps);

      expect(aLastSent).toBeLessThan(crashAt + LOCK_TTL_MS);
      expect(a.writes - writesBefore).toBeLessThan(TARGETS);
      expect(overlaps).toBeGreaterThan(0);
      expect(ctlA.isLeader).toBe(false);
      expect(inventory.duplicates).toEqual([]);
    });
  });
}
