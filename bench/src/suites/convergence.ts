/**
 * Convergence: a registration acknowledged -> the route in Kong's Admin API (the controller's own
 * share) -> the first 200 through kong-sim's proxy at the prefix, and deregistration -> 404, over
 * many services, under two sets of Kong settings: Kong's defaults (worker_consistency eventual,
 * worker_state_update_frequency 5 s) and what we ship (1 s, docs/deploy.md). kong-sim applies
 * them as Kong does (kong-sim/KONG_BEHAVIOUR.md#when-a-write-reaches-the-proxy). Then a SIGKILLed
 * instance -> no traffic to it (active health check trips) -> its target removed (lease expiry).
 * Registry and controller run as real processes with their defaults (EVENT_DEBOUNCE 50 ms,
 * reaper every 1 s).
 */
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import { freePort } from '../../../test/helpers/ports';
import { waitFor } from '../../../test/helpers/wait';
import { sleep, type Proc } from '../lib/procs';
import { adminToken, deregisterInstance, registerInstance } from '../lib/registry-client';
import type { Figure, Section, SuiteOptions } from '../lib/report';
import {
  startBareServer,
  startControllerProcess,
  startRedis,
  startRegistryProcess,
  type Server,
} from '../lib/services';
import { median, percentile, ratio } from '../lib/stats';

const POLL_MS = 5;
const PROBE_TIMEOUT_MS = 250;

/**
 * One request's status, 0 when it fails or takes longer than PROBE_TIMEOUT_MS: a request Kong
 * holds while it looks up a removed upstream's name as a host (5 s on an offline machine whose
 * resolver never answers) must not hold up the poll.
 */
async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Milliseconds until `url` answers `want` (or, given a function, a status it accepts). */
async function timeUntilStatus(
  url: string,
  want: number | ((status: number) => boolean),
  startedAt: number,
): Promise<number> {
  const accepts = typeof want === 'number' ? (s: number) => s === want : want;
  await waitFor(async () => accepts(await status(url)), {
    timeoutMs: 30_000,
    intervalMs: POLL_MS,
    what: `${url} -> ${want}`,
  });
  return performance.now() - startedAt;
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

/** Kong settings a run assumes, as kong-sim takes them. */
interface KongSettings {
  label: string;
  workerStateUpdateFrequency: number;
}

const KONG_DEFAULTS: KongSettings = {
  label: "Kong's defaults (eventual, worker_state_update_frequency 5 s)",
  workerStateUpdateFrequency: 5,
};
const RECOMMENDED: KongSettings = {
  label: 'as shipped (eventual, worker_state_update_frequency 1 s)',
  workerStateUpdateFrequency: 1,
};

/** What one run of registrations and deregistrations measured, in ms per service. */
interface Convergence {
  settings: KongSettings;
  services: number;
  /** Registration acknowledged -> route in the Admin API: the controller's own share. */
  upAdmin: number[];
  /** Registration acknowledged -> first 200 through the proxy. */
  upProxy: number[];
  downAdmin: number[];
  /** Deregistration acknowledged -> the proxy stops serving it (any answer but 200, or none). */
  downServed: number[];
  /** Deregistration acknowledged -> 404: the route gone from the router too. */
  downProxy: number[];
}

/**
 * Registers `count` services one after another (one instance each) and times each until Kong's
 * Admin API has its route and until the proxy answers 200; then deregisters them the same way.
 */
async function measure(
  registryUrl: string,
  token: string,
  backendPort: number,
  settings: KongSettings,
  count: number,
): Promise<{ result: Convergence; sim: KongSim; controller: Proc }> {
  const sim = await startKongSim({
    mode: 'db',
    workerStateUpdateFrequency: settings.workerStateUpdateFrequency,
  });
  const controller = startControllerProcess(registryUrl, token, sim.admin, await freePort());
  const result: Convergence = {
    settings,
    services: count,
    upAdmin: [],
    upProxy: [],
    downAdmin: [],
    downServed: [],
    downProxy: [],
  };
  try {
    // Warm-up: one service through the whole path, so start-up is not in the first sample.
    await registerInstance(registryUrl, token, 'warmup', 'i-0', {
      host: '127.0.0.1',
      port: backendPort,
    });
    await waitFor(async () => (await status(`${sim.proxy}/warmup/`)) === 200, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'warm-up route',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${controller.output()}`);
    });
    const name = (i: number) => `conv-${String(i).padStart(4, '0')}`;
    const routeInAdmin = (service: string) => `${sim.admin}/routes/${service}`;
    // A change arrives at any point of Kong's rebuild period in production; starting each one
    // right after the previous one was served would lock every sample onto the timer's phase.
    const periodMs = settings.workerStateUpdateFrequency * 1000;
    const randomPhase = () => sleep(Math.random() * periodMs);
    for (let i = 0; i < count; i++) {
      const service = name(i);
      await randomPhase();
      await registerInstance(registryUrl, token, service, 'i-0', {
        host: '127.0.0.1',
        port: backendPort,
        // Nothing heartbeats here: the lease must outlast the run (the bench allows 3600 s).
        ttlSeconds: 3600,
      });
      const acknowledged = performance.now();
      result.upAdmin.push(await timeUntilStatus(routeInAdmin(service), 200, acknowledged));
      result.upProxy.push(await timeUntilStatus(`${sim.proxy}/${service}/`, 200, acknowledged));
    }
    for (let i = 0; i < count; i++) {
      const service = name(i);
      await randomPhase();
      await deregisterInstance(registryUrl, token, service, 'i-0');
      const acknowledged = performance.now();
      const url = `${sim.proxy}/${service}/`;
      // Polled side by side: a proxy poll that hangs must not delay the Admin API's figure.
      const [served, admin, proxied] = await Promise.all([
        timeUntilStatus(url, (s) => s !== 200, acknowledged),
        timeUntilStatus(routeInAdmin(service), 404, acknowledged),
        timeUntilStatus(url, 404, acknowledged),
      ]);
      result.downServed.push(served);
      result.downAdmin.push(admin);
      result.downProxy.push(proxied);
    }
    await deregisterInstance(registryUrl, token, 'warmup', 'i-0');
  } catch (err) {
    await controller.stop();
    await sim.close();
    throw err;
  }
  return { result, sim, controller };
}

const p = (values: number[], q: number) => Math.round(percentile(values, q));

/** The figures of one run through the proxy: register -> 200 and deregister -> 404. */
function proxyFigures(run: Convergence): Figure[] {
  const periodMs = run.settings.workerStateUpdateFrequency * 1000;
  // The router takes a change up at its next rebuild: anywhere within one period.
  const targetMs = periodMs + 1000;
  const figure = (what: string, values: number[]): Figure => ({
    metric: `${what}, ${run.settings.label} (${run.services} services)`,
    value: p(values, 50),
    unit: `ms p50, p99 ${p(values, 99)} ms, max ${p(values, 100)} ms`,
    baseline: { name: 'rebuild period ms', value: periodMs },
    ratio: ratio(p(values, 99), periodMs),
    target: `p99 < ${targetMs} ms (the period + 1 s)`,
    met: percentile(values, 99) < targetMs,
  });
  return [
    figure('register -> first 200 through the proxy', run.upProxy),
    {
      ...figure('deregister -> no longer served (503: the upstream goes at once)', run.downServed),
      target: 'p99 < 1000 ms',
      met: percentile(run.downServed, 99) < 1000,
    },
    figure('deregister -> 404 through the proxy (the route at the next rebuild)', run.downProxy),
  ];
}

/** Runs the convergence benchmark (--quick: fewer services). */
export async function convergenceSuite(options: SuiteOptions): Promise<Section> {
  const redis = await startRedis();
  const registry = await startRegistryProcess(redis.url);
  const backend = await startBareServer('{"ok":true}');
  const token = adminToken();
  const runs: Convergence[] = [];
  let live: { sim: KongSim; controller: Proc } | undefined;
  try {
    // Kong's defaults make each service wait up to 5 s, so that run is the smaller one.
    for (const [settings, count] of [
      [KONG_DEFAULTS, options.quick ? 3 : 20],
      [RECOMMENDED, options.quick ? 10 : 100],
    ] as const) {
      if (live) {
        await live.controller.stop();
        await live.sim.close();
      }
      const { result, ...started } = await measure(
        registry.url,
        token,
        backend.port,
        settings,
        count,
      );
      live = started;
      runs.push(result);
    }
    const sim = live!.sim;
    const trials = options.quick ? 1 : 3;
    const kills: KillResult[] = [];
    const quiet: KillResult[] = [];
    for (let t = 0; t < trials; t++) kills.push(await killOne(registry.url, token, sim, t, true));
    for (let t = 0; t < trials; t++)
      quiet.push(await killOne(registry.url, token, sim, trials + t, false));

    const upAdmin = runs.flatMap((r) => r.upAdmin);
    const downAdmin = runs.flatMap((r) => r.downAdmin);
    const adminFigure = (what: string, values: number[]): Figure => ({
      metric: `${what} (the controller's share, the same under any Kong settings; ${values.length} services)`,
      value: p(values, 50),
      unit: `ms p50, p99 ${p(values, 99)} ms, max ${p(values, 100)} ms`,
      baseline: { name: 'EVENT_DEBOUNCE ms', value: 50 },
      ratio: ratio(p(values, 99), 50),
      target: 'p99 < 1000 ms',
      met: percentile(values, 99) < 1000,
    });
    const figures: Figure[] = [
      adminFigure("register -> route in Kong's Admin API", upAdmin),
      adminFigure("deregister -> route gone from Kong's Admin API", downAdmin),
      ...runs.flatMap(proxyFigures),
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
        `Services registered one after another (one instance each, after a pause drawn uniformly from one rebuild period, so changes land at random points of Kong's timer as they do in production); each timed from the registry's acknowledgement until GET /routes/{name} on Kong's Admin API answers 200 (the controller's share), then until the proxy answers 200 at the prefix, polling every ${POLL_MS} ms; then deregistered one after another until 404. Controller: real process with its defaults (EVENT_DEBOUNCE=50ms); registry reaper every 1 s.`,
        `Deregistration: a poll request that gets no answer within ${PROBE_TIMEOUT_MS} ms counts as not answered: between the upstream's removal and the router rebuild Kong resolves the old upstream's name as a host, which this offline machine's resolver never answers (5 s); with a working resolver Kong answers 503 at once.`,
        "Through the proxy the figures depend on Kong's settings, and each says which it assumes. kong-sim applies DB-mode writes as Kong 3.9 does: routes, services and plugins at the next router rebuild (every worker_state_update_frequency under the default worker_consistency=eventual), targets at once. DB-less Kong applies each push at once, like the Admin API figures.",
        'SIGKILL (settings as shipped): 3 instances of one service (separate processes) heartbeating every TTL/3; one is SIGKILLed under ~50 req/s of client traffic (Kong\'s passive checks, which the controller configures, see the failed connections at once), or with no traffic (active probes only). "UNHEALTHY" is kong-sim\'s /upstreams/{u}/health; "removed" is the target gone from it (lease expiry -> reaper -> event -> controller). Target changes do not wait for the router rebuild.',
      ],
      raw: { runs, kills, quiet },
    };
  } finally {
    if (live) {
      await live.controller.stop();
      await live.sim.close();
    }
    await Promise.all([registry.stop(), backend.stop(), redis.stop()]);
  }
}
