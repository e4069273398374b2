/**
 * Redis Sentinel failover under load (issue #16, part 1). Real processes for Redis: a master, one
 * replica and three Sentinels (quorum 2, down-after 1 s). Two registry replicas and two
 * controllers (leader and follower, one lock) find the master through the Sentinels; kong-sim is
 * the gateway. Load: about 100 registrations/s of fresh instances through both registries (9 in
 * 10 route-less, 1 in 10 a new target of the routed service `churn`, so the leader writes to
 * Kong all the time), SDK instances of `echo` heartbeating (half on a 3 s lease, shorter than a
 * failover, half on the default 15 s), and proxied requests to `echo` through kong-sim.
 *
 * The fault: the master SIGKILLed (each cycle; the killed node then comes back empty as a
 * replica). Measured: how long until the Sentinels promote the replica and until registrations
 * are acknowledged again, failed proxied requests, SDK instances that had to register again,
 * acknowledged registrations lost, and the two controllers' writes to Kong.
 *
 * Asserted: no proxied request fails; the two controllers' Kong writes never overlap in time;
 * afterwards one controller leads, Kong holds every acknowledged `churn` instance without
 * duplicates, and every SDK instance is registered. Lost acknowledged registrations are measured
 * and not asserted: replication is asynchronous (see sentinel-durability-suite.ts for the lag
 * case and REGISTRY_REDIS_MIN_REPLICAS_ACK).
 */
import type { Controller } from '@kong-registry/kong-plugin';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import type { RunningRegistry } from '@kong-registry/registry';
import { register, type RegistrationHandle } from '@kong-registry/sdk';
import { waitFor } from '../../helpers/wait';
import {
  longestWritePause,
  overlappingWrites,
  startCountingProxy,
  type CountingProxy,
} from './counting-proxy';
import { recordFigure } from './figures';
import { kongInventory } from './kong-inventory';
import { sampleLeaders, summariseLeaderTimeline, type LeaderTimeline } from './leader-timeline';
import { proxyLoad, startEcho, type EchoServer, type Loop } from './load';
import {
  firstAckStartedAfter,
  startRegistrationLoad,
  type RegistrationLoad,
} from './registration-load';
import { startSentinelTopology, withProbe, type SentinelTopology } from './sentinel';
import { controllerConfig, stackPrefix, startCapturedController, startTestRegistry } from './stack';

/** Size of one run. */
export interface SentinelFailoverScale {
  label: string;
  /** SDK instances of `echo`; the first half hold a 3 s lease, the rest the default 15 s. */
  echoes: number;
  /** Master SIGKILLs, one after the other (the killed node rejoins as a replica in between). */
  cycles: number;
  /** Registrations per second. */
  perSecond: number;
  /** Acknowledged registrations before the first kill, and after each failover. */
  warmAcks: number;
  /** Controller leader lock TTL (LEADER_LOCK_TTL). */
  lockTtl: string;
}

/** What one cycle measured. */
interface CycleOutcome {
  failoverMs: number;
  writesBackMs: number;
  /** Longest pause between two Kong writes around the kill (either controller). */
  kongWritePauseMs: number;
  leaderBefore: string;
  leaderAfter: string;
  /** The Sentinels' events from the kill to the promotion, when it took over 5 s. */
  slowFailover?: string[];
}

const SERVICES = 10;
const SHORT_TTL = 3;
const DEFAULT_TTL = 15;

/** Defines the suite at the given scale. */
export function describeSentinelFailover(scale: SentinelFailoverScale): void {
  describe(`reliability/faults (${scale.label}): Redis Sentinel failover under load`, () => {
    const suite = `sentinel-failover-${scale.label}`;
    let topology: SentinelTopology;
    const registries: RunningRegistry[] = [];
    let kong: KongSim;
    const proxies: CountingProxy[] = [];
    const controllers: { id: string; controller: Controller }[] = [];
    let echoes: EchoServer[] = [];
    let handles: RegistrationHandle[] = [];
    let proxied: Loop | undefined;
    let load: RegistrationLoad | undefined;
    const lost = { short: 0, default: 0 };
    let lockKey = '';
    let timeline: LeaderTimeline | undefined;

    beforeAll(async () => {
      topology = await startSentinelTopology({ replicas: 1 });
      const prefix = stackPrefix();
      lockKey = `${prefix}leader`;
      const viaSentinel = {
        REDIS_SENTINELS: topology.sentinelList,
        REDIS_SENTINEL_NAME: topology.name,
      };
      for (let i = 0; i < 2; i += 1) {
        registries.push(
          await startTestRegistry('redis://127.0.0.1:1', prefix, {
            ...viaSentinel,
            REGISTRY_HISTORY_SAMPLE_SECONDS: '0',
            // The load's leases outlast the longest run: a registration missing at the end
            // was lost, never expired.
            REGISTRY_LEASE_MAX_TTL_SECONDS: '3600',
          }),
        );
      }
      kong = await startKongSim();
      const token = registries[0]!.mintToken({ role: 'admin' });
      for (const [i, id] of ['ctl-a', 'ctl-b'].entries()) {
        const proxy = await startCountingProxy(kong.admin);
        proxies.push(proxy);
        const { controller } = startCapturedController(
          controllerConfig(registries[i]!.url, token, proxy.url, {
            ...viaSentinel,
            LEADER_LOCK_KEY: lockKey,
            LEADER_LOCK_TTL: scale.lockTtl,
            CONTROLLER_ID: id,
            MASS_EXPIRY_HOLD: '30s',
            LOG_LEVEL: 'info',
          }),
        );
        controllers.push({ id, controller });
        await controller.start();
        // The first one leads; the second follows it.
        if (i === 0)
          await waitFor(() => controller.isLeader, { what: `${id} to lead`, timeoutMs: 10_000 });
      }
      echoes = await Promise.all(
        Array.from({ length: scale.echoes }, (_, i) => startEcho(`echo-${i}`)),
      );
      const echoToken = registries[0]!.mintToken({ role: 'service', service: 'echo' });
      handles = await Promise.all(
        echoes.map((echo, i) => {
          const short = i < scale.echoes / 2;
          return register({
            registryUrl: registries.map((r) => r.url),
            token: echoToken,
            service: 'echo',
            host: '127.0.0.1',
            port: echo.port,
            instanceId: echo.id,
            ttlSeconds: short ? SHORT_TTL : DEFAULT_TTL,
            healthCheck: { intervalSeconds: 1 },
            retry: { initialDelayMs: 50, maxDelayMs: 250 },
          }).then((handle) => {
            handle.on('lost', () => {
              if (short) lost.short += 1;
              else lost.default += 1;
            });
            return handle;
          });
        }),
      );
    });

    afterAll(async () => {
      timeline?.stop();
      await proxied?.stop();
      await load?.stop();
      await Promise.all(handles.map((h) => h.close()));
      for (const { controller } of controllers) await controller.stop();
      await Promise.all(proxies.map((p) => p.close()));
      await kong?.close();
      for (const registry of registries) await registry.close();
      await Promise.all(echoes.map((e) => e.close()));
      await topology?.close();
    });

    const leader = (): string =>
      controllers
        .filter(({ controller }) => controller.isLeader)
        .map(({ id }) => id)
        .join('+') || 'none';

    it(
      'registrations and proxied traffic carry on; the two controllers never write to Kong at once',
      async () => {
        // Who leads, every 50 ms: hand-overs and time without a leader, through every kill.
        timeline = sampleLeaders(leader);
        await waitFor(async () => (await fetch(`${kong.proxy}/echo/`)).status === 200, {
          timeoutMs: 20_000,
          what: 'echo routed through kong-sim',
        });
        proxied = proxyLoad(`${kong.proxy}/echo/`, 5);
        const admin = registries[0]!.adminToken ?? '';
        load = startRegistrationLoad({
          urls: registries.map((r) => r.url),
          token: admin,
          perSecond: scale.perSecond,
          registration: (n) =>
            n % 10 === 0
              ? {
                  service: 'churn',
                  id: `c-${n}`,
                  body: {
                    host: '127.0.0.1',
                    port: 20_000 + (n % 40_000),
                    ttlSeconds: 3600,
                    healthCheck: { intervalSeconds: 300 },
                  },
                }
              : {
                  service: `fleet-${n % SERVICES}`,
                  id: `i-${n}`,
                  body: { host: '10.3.0.1', port: 9000, ttlSeconds: 3600, route: false },
                },
        });
        const log = load.log;
        const cycles: CycleOutcome[] = [];
        /** Acknowledged registrations the registries no longer hold. */
        const missing = async (): Promise<typeof log.acks> => {
          // Those acknowledged before the reads begin: the load goes on meanwhile.
          const acked = [...log.acks];
          const present = new Set<string>();
          for (const service of [
            ...Array.from({ length: SERVICES }, (_, s) => `fleet-${s}`),
            'churn',
          ]) {
            const res = await fetch(`${registries[1]!.url}/v1/services/${service}`, {
              headers: { authorization: `Bearer ${admin}` },
            });
            if (res.status !== 200) continue;
            const view = (await res.json()) as { instances: { instanceId: string }[] };
            for (const i of view.instances) present.add(`${service}/${i.instanceId}`);
          }
          return acked.filter((a) => !present.has(`${a.service}/${a.id}`));
        };
        /** What each Redis node says of itself, when a cycle lost acknowledged registrations. */
        const diagnostics: string[] = [];
        const lostPerCycle: number[] = [];
        for (let cycle = 0; cycle < scale.cycles; cycle += 1) {
          const ackedBefore = log.acks.length;
          await waitFor(() => log.acks.length >= ackedBefore + scale.warmAcks, {
            what: `${scale.warmAcks} registrations before kill ${cycle + 1}`,
            timeoutMs: 30_000,
          });
          expect(leader()).not.toContain('+');
          const leaderBefore = leader();
          const master = await topology.master();
          const crashAt = Date.now();
          await topology.crash(master);
          await topology.waitForNewMaster(master.port);
          const failoverMs = Date.now() - crashAt;
          const back = await waitFor(() => firstAckStartedAfter(log, crashAt), {
            what: 'registrations acknowledged again',
            timeoutMs: 30_000,
          });
          const ackedAfter = log.acks.length;
          await waitFor(() => log.acks.length >= ackedAfter + scale.warmAcks, {
            what: `${scale.warmAcks} registrations after failover ${cycle + 1}`,
            timeoutMs: 30_000,
          });
          cycles.push({
            failoverMs,
            writesBackMs: back.at - crashAt,
            kongWritePauseMs: longestWritePause(
              proxies.flatMap((p) => p.spans),
              crashAt,
              back.at,
            ),
            leaderBefore,
            leaderAfter: leader(),
            ...(failoverMs > 5000
              ? {
                  slowFailover: topology
                    .events(crashAt)
                    .map((e) => `+${e.at - crashAt} ms ${e.event}`),
                }
              : {}),
          });
          const lostList = await missing();
          const lostNow = lostList.length;
          lostPerCycle.push(lostNow);
          if (lostNow > 0 && diagnostics.length === 0) {
            diagnostics.push(`cycle ${cycle + 1}: ${lostNow} lost`);
            diagnostics.push(
              ...lostList
                .slice(0, 10)
                .map(
                  (a) =>
                    `lost ${a.service}/${a.id} via ${a.url === registries[0]!.url ? 'r0' : 'r1'} sent ${a.startedAt - crashAt} ms, acked ${a.at - crashAt} ms after the kill`,
                ),
            );
            diagnostics.push(
              ...topology.events(crashAt - 20_000).map((e) => `+${e.at - crashAt} ms ${e.event}`),
            );
            diagnostics.push(...(await topology.replicationState()));
          }
          // The killed node comes back, empty, as a replica, so the next cycle can fail over again.
          if (cycle + 1 < scale.cycles) {
            await topology.restartNode(master);
            await topology.waitForReplicas(1);
          }
        }
        await load.stop();
        const leaders = timeline.stop();
        const { leaderlessMs, handovers } = summariseLeaderTimeline(leaders);

        // Every acknowledged registration, read back through a registry.
        const lostAcks = await missing();
        recordFigure(
          suite,
          'acknowledged registrations missing after each kill (cumulative)',
          JSON.stringify(lostPerCycle),
        );
        recordFigure(
          suite,
          'first cycle that lost registrations, and why',
          JSON.stringify(diagnostics),
        );
        const churn = log.acks.filter((a) => a.service === 'churn' && !lostAcks.includes(a));

        // Kong converges on what the registry holds: every churn target and every echo instance.
        let seen: Record<string, number> = {};
        await waitFor(
          async () => {
            seen = (await kongInventory(kong.admin)).counts;
            return seen.targets === churn.length + scale.echoes;
          },
          { what: 'Kong to hold every churn and echo target', timeoutMs: 30_000 },
        ).catch((err: Error) => {
          throw new Error(
            `${err.message}: Kong holds ${JSON.stringify(seen)}, expected ${churn.length} churn + ${scale.echoes} echo targets; leader ${leader()}; ${lostAcks.length} acknowledged registrations lost; writes ${proxies.map((p) => p.writes).join('/')}`,
          );
        });
        const inventory = await kongInventory(kong.admin);
        // Every SDK instance is registered (the short leases again, if they expired).
        const echoView = (await (
          await fetch(`${registries[0]!.url}/v1/services/echo`, {
            headers: { authorization: `Bearer ${admin}` },
          })
        ).json()) as { instances: unknown[] };
        await proxied.stop();

        // One leader, the one the lock on the current master names.
        const lockHolder =
          (await withProbe(await topology.masterPort(), (c) => c.get(lockKey))) ?? '';
        const overlaps = overlappingWrites(proxies[0]!.spans, proxies[1]!.spans);
        const leaderChanges = cycles.filter((c) => c.leaderBefore !== c.leaderAfter).length;

        recordFigure(suite, 'cycles', cycles.length);
        recordFigure(
          suite,
          'failover: replica promoted (ms)',
          JSON.stringify(cycles.map((c) => c.failoverMs)),
        );
        recordFigure(
          suite,
          'registrations acknowledged again (ms)',
          JSON.stringify(cycles.map((c) => c.writesBackMs)),
        );
        recordFigure(
          suite,
          'longest pause of Kong writes (ms)',
          JSON.stringify(cycles.map((c) => c.kongWritePauseMs)),
        );
        recordFigure(suite, 'acknowledged registrations', log.acks.length);
        recordFigure(suite, 'acknowledged registrations lost', lostAcks.length);
        recordFigure(
          suite,
          'registration attempts / failed (retried)',
          `${log.attempts} / ${log.failed}`,
        );
        recordFigure(suite, 'registration failures', JSON.stringify(log.failures));
        recordFigure(suite, 'proxied ok / failed', `${proxied.stats.ok} / ${proxied.stats.failed}`);
        recordFigure(suite, 'proxied failures', JSON.stringify(proxied.stats.failures));
        recordFigure(
          suite,
          `SDK re-registrations, ${SHORT_TTL} s lease (of ${Math.ceil(scale.echoes / 2)} instances x ${scale.cycles} kills)`,
          lost.short,
        );
        recordFigure(
          suite,
          `SDK re-registrations, ${DEFAULT_TTL} s lease (of ${Math.floor(scale.echoes / 2)} instances x ${scale.cycles} kills)`,
          lost.default,
        );
        recordFigure(
          suite,
          'leader before / after each kill',
          JSON.stringify(cycles.map((c) => `${c.leaderBefore}>${c.leaderAfter}`)),
        );
        recordFigure(
          suite,
          'Sentinel events of the failovers that took over 5 s',
          JSON.stringify(cycles.filter((c) => c.slowFailover).map((c) => c.slowFailover)),
        );
        recordFigure(
          suite,
          'leadership moved (sampled at each kill / hand-overs seen)',
          `${leaderChanges} / ${handovers}`,
        );
        recordFigure(suite, 'longest time without a leader (ms)', leaderlessMs);
        recordFigure(suite, 'leader timeline', JSON.stringify(leaders.map((t) => t.leader)));
        recordFigure(
          suite,
          'Kong writes by ctl-a / ctl-b',
          `${proxies[0]!.writes} / ${proxies[1]!.writes}`,
        );
        recordFigure(suite, 'overlapping writes of the two controllers', overlaps);

        expect(proxied.stats.failed).toBe(0);
        expect(overlaps).toBe(0);
        expect(leader()).toMatch(/^ctl-[ab]$/);
        expect(lockHolder.startsWith(`${leader()}:`)).toBe(true);
        expect(inventory.duplicates).toEqual([]);
        expect(echoView.instances).toHaveLength(scale.echoes);
      },
      40_000 + scale.cycles * 30_000,
    );
  });
}
