/**
 * Convergence: register() resolving -> first 200 through kong-sim's proxy at the prefix, and
 * deregistration -> 404, over many services; then a SIGKILLed instance -> no traffic to it
 * (active health check trips) -> its target removed (lease expiry). Registry and controller run
 * as real processes with their defaults (EVENT_DEBOUNCE 250 ms, reaper every 1 s).
 */
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import { freePort } from '../../../test/helpers/ports';
import { waitFor } from '../../../test/helpers/wait';
import { sleep, startProcess, type Proc } from '../lib/procs';
import { adminToken, deregisterInstance, registerInstance } from '../lib/registry-client';
import type { Figure, Section } from '../lib/report';
import {
  CLI,
  startBareServer,
  startRedis,
  startRegistryProcess,
  type Server,
} from '../lib/services';
import { median, percentile, ratio } from '../lib/stats';
import type { SuiteOptions } from './throughput';

const POLL_MS = 5;

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Milliseconds until `url` answers `want`, polling every POLL_MS. */
async function timeUntilStatus(url: string, want: number, startedAt: number): Promise<number> {
  await waitFor(async () => (await status(url)) === want, {
    timeoutMs: 30_000,
    intervalMs: POLL_MS,
    what: `${url} -> ${want}`,
  });
  return performance.now() - startedAt;
}

function startController(
  registryUrl: string,
  token: string,
  sim: KongSim,
  metricsPort: number,
): Proc {
  return startProcess('controller', process.execPath, [CLI, 'controller'], {
    env: {
      ...process.env,
      REGISTRY_URL: registryUrl,
      REGISTRY_TOKEN: token,
      KONG_ADMIN_URL: sim.admin,
      KONG_MODE: 'db',
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'warn',
    },
  });
}

interface KillResult {
  toUnhealthyMs: number;
  toRemovedMs: number;
  clientErrors: number;
  requestsToKilledAfterTrip: number;
  requests: number;
}

/** Three instances of one service; SIGKILL one and watch Kong stop using it, then drop it. */
async function killOne(
  registryUrl: string,
  token: string,
  sim: KongSim,
  trial: number,
  withTraffic: boolean,
): Promise<KillResult> {
  const service = `kill-${trial}`;
  const ttlSeconds = 5;
  const backends: Server[] = [];
  for (const who of ['a', 'b', 'c']) backends.push(await startBareServer(JSON.stringify({ who })));
  const body = (port: number) => ({
    host: '127.0.0.1',
    port,
    ttlSeconds,
    healthCheck: {
      intervalSeconds: 1,
      unhealthyThreshold: 2,
      healthyThreshold: 2,
      timeoutSeconds: 1,
    },
  });
  const heartbeats = new Map<string, NodeJS.Timeout>();
  try {
    for (const [i, b] of backends.entries()) {
      await registerInstance(registryUrl, token, service, `i-${i}`, body(b.port));
      // The instance's own heartbeat loop (a third of the TTL), stopped when it is killed.
      heartbeats.set(
        `i-${i}`,
        setInterval(
          () => {
            void fetch(`${registryUrl}/v1/services/${service}/instances/i-${i}/heartbeat`, {
              method: 'PUT',
              headers: { authorization: `Bearer ${token}` },
            }).then(
              (r) => r.arrayBuffer(),
              () => undefined,
            );
          },
          (ttlSeconds * 1000) / 3,
        ),
      );
    }
    const url = `${sim.proxy}/${service}/`;
    await waitFor(async () => (await status(url)) === 200, {
      timeoutMs: 30_000,
      intervalMs: 20,
      what: 'service reachable',
    });
    const victim = backends[0]!;
    const victimTarget = `127.0.0.1:${victim.port}`;
    const healthOf = async (): Promise<string | undefined> => {
      const res = await fetch(`${sim.admin}/upstreams/${service}.upstream/health`);
      const json = (await res.json()) as { data?: Array<{ target: string; health: string }> };
      return json.data?.find((t) => t.target === victimTarget)?.health;
    };
    // Wait until the victim is known HEALTHY by the checker, so the trip is measured from a steady state.
    await waitFor(async () => (await healthOf()) === 'HEALTHY', {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: 'victim healthy',
    });

    let clientErrors = 0;
    let requests = 0;
    let tripped = false;
    let toKilledAfterTrip = 0;
    let traffic = withTraffic;
    const load = (async () => {
      while (traffic) {
        try {
          const res = await fetch(url);
          const text = await res.text();
          requests++;
          if (res.status !== 200) clientErrors++;
          if (tripped && text.includes('"a"')) toKilledAfterTrip++;
        } catch {
          clientErrors++;
        }
        await sleep(20);
      }
    })();
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    clearInterval(heartbeats.get('i-0'));
    await waitFor(async () => (await healthOf()) === 'UNHEALTHY', {
      timeoutMs: 30_000,
      intervalMs: POLL_MS,
      what: 'health trip',
    });
    const toUnhealthyMs = performance.now() - killedAt;
    tripped = true;
    await waitFor(async () => (await healthOf()) === undefined, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'target removed',
    });
    const toRemovedMs = performance.now() - killedAt;
    traffic = false;
    await load;
    return {
      toUnhealthyMs,
      toRemovedMs,
      clientErrors,
      requestsToKilledAfterTrip: toKilledAfterTrip,
      requests,
    };
  } finally {
    for (const timer of heartbeats.values()) clearInterval(timer);
    for (let i = 0; i < 3; i++)
      await deregisterInstance(registryUrl, token, service, `i-${i}`).catch(() => undefined);
    await Promise.all(backends.map((b) => b.stop()));
  }
}

/** Runs the convergence benchmark (200 services; --quick: 20). */
export async function convergenceSuite(options: SuiteOptions): Promise<Section> {
  const services = options.quick ? 20 : 200;
  const redis = await startRedis();
  const registry = await startRegistryProcess(redis.url);
  const sim = await startKongSim({ mode: 'db' });
  const backend = await startBareServer('{"ok":true}');
  const token = adminToken();
  const controller = startController(registry.url, token, sim, await freePort());
  try {
    // Warm-up: one service through the whole path, so start-up is not in the first sample.
    await registerInstance(registry.url, token, 'warmup', 'i-0', {
      host: '127.0.0.1',
      port: backend.port,
    });
    await waitFor(async () => (await status(`${sim.proxy}/warmup/`)) === 200, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'warm-up route',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${controller.output()}`);
    });
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < services; i++) {
      const service = `conv-${String(i).padStart(4, '0')}`;
      const url = `${sim.proxy}/${service}/`;
      await registerInstance(registry.url, token, service, 'i-0', {
        host: '127.0.0.1',
        port: backend.port,
        ttlSeconds: 60,
      });
      up.push(await timeUntilStatus(url, 200, performance.now()));
    }
    for (let i = 0; i < services; i++) {
      const service = `conv-${String(i).padStart(4, '0')}`;
      const url = `${sim.proxy}/${service}/`;
      await deregisterInstance(registry.url, token, service, 'i-0');
      down.push(await timeUntilStatus(url, 404, performance.now()));
    }
    const trials = options.quick ? 1 : 3;
    const kills: KillResult[] = [];
    const quiet: KillResult[] = [];
    for (let t = 0; t < trials; t++) kills.push(await killOne(registry.url, token, sim, t, true));
    for (let t = 0; t < trials; t++)
      quiet.push(await killOne(registry.url, token, sim, trials + t, false));

    const p = (values: number[], q: number) => Math.round(percentile(values, q));
    const figures: Figure[] = [
      {
        metric: `register -> first 200 at the prefix (${services} services)`,
        value: p(up, 50),
        unit: `ms p50, p99 ${p(up, 99)} ms, max ${p(up, 100)} ms`,
        baseline: { name: 'EVENT_DEBOUNCE ms', value: 250 },
        ratio: ratio(p(up, 99), 250),
        target: 'p99 < 1000 ms',
        met: percentile(up, 99) < 1000,
      },
      {
        metric: `deregister -> 404 (${services} services)`,
        value: p(down, 50),
        unit: `ms p50, p99 ${p(down, 99)} ms, max ${p(down, 100)} ms`,
        baseline: { name: 'EVENT_DEBOUNCE ms', value: 250 },
        ratio: ratio(p(down, 99), 250),
        target: 'p99 < 1000 ms',
        met: percentile(down, 99) < 1000,
      },
      {
        metric: `SIGKILL -> target UNHEALTHY (health check 1 s x 2), ${kills.length} trials`,
        value: Math.round(median(kills.map((k) => k.toUnhealthyMs))),
        unit: `ms median, ${kills.reduce((n, k) => n + k.requestsToKilledAfterTrip, 0)} requests reached it after, ${kills.reduce((n, k) => n + k.clientErrors, 0)}/${kills.reduce((n, k) => n + k.requests, 0)} client errors`,
        baseline: { name: 'interval x threshold ms', value: 2000 },
        ratio: ratio(median(kills.map((k) => k.toUnhealthyMs)), 2000),
      },
      {
        metric: `SIGKILL, no client traffic -> target UNHEALTHY (active probes only), ${quiet.length} trials`,
        value: Math.round(median(quiet.map((k) => k.toUnhealthyMs))),
        unit: 'ms median',
        baseline: { name: 'interval x threshold ms', value: 2000 },
        ratio: ratio(median(quiet.map((k) => k.toUnhealthyMs)), 2000),
      },
      {
        metric: `SIGKILL -> target removed (lease TTL 5 s), ${kills.length + quiet.length} trials`,
        value: Math.round(median([...kills, ...quiet].map((k) => k.toRemovedMs))),
        unit: 'ms median',
        baseline: { name: 'TTL ms', value: 5000 },
        ratio: ratio(median([...kills, ...quiet].map((k) => k.toRemovedMs)), 5000),
      },
    ];
    return {
      id: 'convergence',
      title: 'Convergence through kong-sim',
      figures,
      notes: [
        `Services registered one after another (one instance each), each polled every ${POLL_MS} ms through kong-sim's proxy until 200; then deregistered one after another until 404. Controller: real process, default EVENT_DEBOUNCE=250ms (a floor on every figure); registry reaper every 1 s.`,
        'SIGKILL: 3 instances of one service (separate processes) heartbeating every TTL/3; one is SIGKILLed under ~50 req/s of client traffic (Kong\'s passive checks, which the controller configures, see the failed connections at once), or with no traffic (active probes only). "UNHEALTHY" is kong-sim\'s /upstreams/{u}/health; "removed" is the target gone from it (lease expiry -> reaper -> event -> controller).',
      ],
      raw: { up, down, kills, quiet },
    };
  } finally {
    await controller.stop();
    await sim.close();
    await Promise.all([registry.stop(), backend.stop(), redis.stop()]);
  }
}
