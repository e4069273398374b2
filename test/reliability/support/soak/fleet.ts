/**
 * A simulated fleet in one process: every instance is a real HTTP server on its own loopback
 * port (so Kong proxies to it for real, and a closed one refuses connections) and a real SDK
 * registration (`register()`, heartbeats at the interval the registry asks for, `drain()` on the
 * way out), holding both registry replicas in its list, half of the fleet each way round so that
 * the heartbeats split between them. Churn replaces instances the way deployments do: a restart
 * (drain, stop, start on the same port, register), a drain (scale-in, with a new instance elsewhere
 * to keep the size) and a new version (the new instance first, then the old one drained).
 *
 * Heartbeat round trips are timed by wrapping `fetch` for URLs ending in `/heartbeat` (the SDK
 * has no hook for it); the wrapper is removed by `close()`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  healthHandler,
  register,
  type DrainResult,
  type RegistrationHandle,
} from '@kong-registry/sdk';
import { LatencyHistogram } from './stats';

/** One simulated instance. */
export interface SimInstance {
  service: string;
  id: string;
  port: number;
  version: number;
  server: Server;
  handle: RegistrationHandle;
  /** Requests it answered (health probes left out). */
  served: number;
  leaving: boolean;
  /** Requests that arrived after its drain began: Kong had not yet taken the weight 0 up. */
  servedWhileLeaving: number;
}

/** What happened to the fleet's SDK handles and heartbeats. */
export interface FleetCounters {
  registrations: number;
  /** `lost` events: a lease ran out or the registry no longer had it (404). */
  leasesLost: number;
  /** `error` events: the registry refused something for good. */
  sdkErrors: number;
  heartbeats: number;
  /** Heartbeats that got no answer or an answer other than 2xx. */
  heartbeatFailures: number;
  /** Drains whose wait for in-flight requests timed out. */
  drainTimeouts: number;
  /** Restarts that could not listen on their old port again and took a new one. */
  portsChanged: number;
  /** Requests that reached an instance after its drain began (before Kong had weight 0). */
  servedWhileLeaving: number;
}

/** Options of {@link SimFleet}. */
export interface SimFleetOptions {
  registryUrls: readonly string[];
  tokenFor: (service: string) => string;
  /** How long each instance takes to answer a proxied request, so that some are always in flight. */
  serviceTimeMs: number;
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** The fleet: instances by `service/id`, churn, and the heartbeat timings. */
export class SimFleet {
  readonly live = new Map<string, SimInstance>();
  readonly counters: FleetCounters = {
    registrations: 0,
    leasesLost: 0,
    sdkErrors: 0,
    heartbeats: 0,
    heartbeatFailures: 0,
    drainTimeouts: 0,
    portsChanged: 0,
    servedWhileLeaving: 0,
  };
  /** Every heartbeat round trip since the last `resetLatency()`. */
  readonly latency = new LatencyHistogram();
  /** The same, since the sampler last read it (one window). */
  readonly windowLatency = new LatencyHistogram();
  private nextId = 0;
  private readonly originalFetch = globalThis.fetch;
  private measuring = false;

  constructor(private readonly options: SimFleetOptions) {
    const original = this.originalFetch;
    globalThis.fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.endsWith('/heartbeat')) return original(input, init);
      const started = performance.now();
      try {
        const res = await original(input, init);
        this.heartbeatDone(performance.now() - started, res.ok);
        return res;
      } catch (err) {
        this.heartbeatDone(performance.now() - started, false);
        throw err;
      }
    };
  }

  /** Heartbeat timings count from now on (not during the start-up registrations). */
  startMeasuring(): void {
    this.measuring = true;
    this.latency.reset();
    this.windowLatency.reset();
  }

  private heartbeatDone(ms: number, ok: boolean): void {
    this.counters.heartbeats += 1;
    if (!ok) this.counters.heartbeatFailures += 1;
    if (!this.measuring) return;
    this.latency.record(ms);
    this.windowLatency.record(ms);
  }

  /** Live instances of `service` that are not leaving. */
  instancesOf(service: string): SimInstance[] {
    return [...this.live.values()].filter((i) => i.service === service && !i.leaving);
  }

  /** Starts an instance's server (on `port`, or a free one) and registers it. */
  async start(
    service: string,
    version: number,
    reuse?: { id: string; port: number },
  ): Promise<SimInstance> {
    const id = reuse?.id ?? `i-${(this.nextId++).toString(36)}`;
    let health: ReturnType<typeof healthHandler> = healthHandler();
    const instance = {
      service,
      id,
      version,
      served: 0,
      leaving: false,
      servedWhileLeaving: 0,
    } as SimInstance;
    const body = `${service}/${id}`;
    const { serviceTimeMs } = this.options;
    instance.server = createServer((req, res) => {
      if (req.url === '/health') return health(req, res);
      instance.served += 1;
      if (instance.leaving) {
        instance.servedWhileLeaving += 1;
        this.counters.servedWhileLeaving += 1;
      }
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(body);
      }, serviceTimeMs);
    });
    instance.server.keepAliveTimeout = 60_000;
    try {
      instance.port = await listen(instance.server, reuse?.port ?? 0);
    } catch {
      this.counters.portsChanged += 1;
      instance.port = await listen(instance.server, 0);
    }
    const index = this.counters.registrations++;
    const urls = [...this.options.registryUrls];
    // Half the fleet lists the replicas the other way round: heartbeats split between them.
    if (index % 2 === 1) urls.reverse();
    try {
      instance.handle = await register({
        registryUrl: urls,
        token: this.options.tokenFor(service),
        service,
        instanceId: id,
        host: '127.0.0.1',
        port: instance.port,
        version: `v${version}`,
      });
    } catch (err) {
      await closeServer(instance.server);
      throw err;
    }
    instance.handle.trackServer(instance.server);
    health = healthHandler(instance.handle);
    instance.handle.on('lost', () => (this.counters.leasesLost += 1));
    instance.handle.on('error', () => (this.counters.sdkErrors += 1));
    this.live.set(`${service}/${id}`, instance);
    return instance;
  }

  /** Drains the instance as the SDK does on SIGTERM (weight 0, hold, deregister), then stops it. */
  async leave(instance: SimInstance): Promise<DrainResult> {
    instance.leaving = true;
    const result = await instance.handle.drain();
    if (result.timedOut) this.counters.drainTimeouts += 1;
    this.live.delete(`${instance.service}/${instance.id}`);
    await closeServer(instance.server);
    return result;
  }

  /** Deregisters and stops every instance, and gives `fetch` back. */
  async close(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.all(
      all.map(async (instance) => {
        await instance.handle.close();
        await closeServer(instance.server);
      }),
    );
    globalThis.fetch = this.originalFetch;
  }
}

/** The kinds of churn, in the order they take turns. */
export const CHURN_KINDS = ['restart', 'drain', 'new-version'] as const;
export type ChurnKind = (typeof CHURN_KINDS)[number];

/** Counts and durations of the churn. */
export interface ChurnStats {
  started: Record<ChurnKind, number>;
  finished: Record<ChurnKind, number>;
  failed: number;
  failures: string[];
  /** Longest action, ms (a drain holds 6 s). */
  longestMs: number;
}

/**
 * Replaces instances at a steady rate: every `everyMs` one instance not already churning is
 * picked at random and restarted, drained (and a new one started), or upgraded. Actions overlap
 * (each lasts the SDK's drain hold, 6 s). `pause()` stops starting new ones and waits for those
 * under way.
 */
export class Churn {
  readonly stats: ChurnStats = {
    started: { restart: 0, drain: 0, 'new-version': 0 },
    finished: { restart: 0, drain: 0, 'new-version': 0 },
    failed: 0,
    failures: [],
    longestMs: 0,
  };
  /** Services with an action under way: the proxied traffic leans on them. */
  readonly busyServices = new Map<string, number>();
  private readonly underway = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private turn = 0;

  constructor(
    private readonly fleet: SimFleet,
    private readonly everyMs: number,
  ) {}

  resume(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.step(), this.everyMs);
  }

  /** Starts no more actions and waits for those under way. */
  async pause(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.underway.size > 0) await Promise.all([...this.underway]);
  }

  private step(): void {
    const candidates = [...this.fleet.live.values()].filter(
      (i) => !i.leaving && !this.busyServices.has(i.service),
    );
    if (candidates.length === 0) return;
    const victim = candidates[Math.floor(Math.random() * candidates.length)]!;
    const kind = CHURN_KINDS[this.turn++ % CHURN_KINDS.length]!;
    this.stats.started[kind] += 1;
    this.busyServices.set(victim.service, (this.busyServices.get(victim.service) ?? 0) + 1);
    const started = performance.now();
    const action = this.act(kind, victim)
      .then(() => {
        this.stats.finished[kind] += 1;
      })
      .catch((err: unknown) => {
        this.stats.failed += 1;
        if (this.stats.failures.length < 20)
          this.stats.failures.push(`${kind} ${victim.service}/${victim.id}: ${String(err)}`);
      })
      .finally(() => {
        this.stats.longestMs = Math.max(this.stats.longestMs, performance.now() - started);
        const left = (this.busyServices.get(victim.service) ?? 1) - 1;
        if (left > 0) this.busyServices.set(victim.service, left);
        else this.busyServices.delete(victim.service);
        this.underway.delete(action);
      });
    this.underway.add(action);
  }

  private async act(kind: ChurnKind, victim: SimInstance): Promise<void> {
    const { fleet } = this;
    switch (kind) {
      case 'restart':
        await fleet.leave(victim);
        await fleet.start(victim.service, victim.version, { id: victim.id, port: victim.port });
        return;
      case 'drain':
        await fleet.leave(victim);
        await fleet.start(victim.service, victim.version);
        return;
      case 'new-version':
        await fleet.start(victim.service, victim.version + 1);
        await fleet.leave(victim);
        return;
    }
  }
}

/** Outcome counts of the proxied traffic. */
export interface TrafficStats {
  ok: number;
  failed: number;
  /** Answers from an instance of another service. */
  misrouted: number;
  /** Status (or error) -> count. */
  failures: Record<string, number>;
  /** The first few failures, with the service and when. */
  samples: string[];
}

/**
 * Proxied GETs through Kong at about `perSecond`, from `workers` loops: half to services with a
 * churn action under way (when there are any), half round-robin over every service. A request
 * succeeds when Kong answers 200 with the body of an instance of that service.
 */
export function proxiedTraffic(
  proxyUrl: string,
  services: readonly string[],
  busy: () => readonly string[],
  perSecond: number,
  workers = 4,
): { stats: TrafficStats; stop(): Promise<void> } {
  const stats: TrafficStats = { ok: 0, failed: 0, misrouted: 0, failures: {}, samples: [] };
  const pauseMs = (1000 * workers) / perSecond;
  let running = true;
  let next = 0;
  const fail = (service: string, what: string) => {
    stats.failed += 1;
    stats.failures[what] = (stats.failures[what] ?? 0) + 1;
    if (stats.samples.length < 20)
      stats.samples.push(`${new Date().toISOString()} ${service}: ${what}`);
  };
  const loop = async (worker: number) => {
    while (running) {
      const started = performance.now();
      const churning = busy();
      const service =
        worker % 2 === 0 && churning.length > 0
          ? churning[Math.floor(Math.random() * churning.length)]!
          : services[next++ % services.length]!;
      try {
        const res = await fetch(`${proxyUrl}/${service}/`, { signal: AbortSignal.timeout(5000) });
        const body = await res.text();
        if (res.status !== 200) fail(service, String(res.status));
        else if (!body.startsWith(`${service}/`)) {
          stats.misrouted += 1;
          fail(service, `misrouted to ${body.slice(0, 40)}`);
        } else stats.ok += 1;
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        fail(service, cause ?? (err as Error).name);
      }
      const wait = pauseMs - (performance.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, w) => loop(w)));
  return {
    stats,
    stop: async () => {
      running = false;
      await done;
    },
  };
}
