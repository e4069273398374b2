/**
 * The fleet soak (issue #16, part 3): a fleet of SDK instances (./fleet.ts) heartbeating at the
 * default interval through two registry replicas (child processes, on a private redis-server),
 * a controller process in DB mode against a kong-sim process, proxied traffic through it, and a
 * steady churn of instances (restarts, drains, new versions). Every `sampleSeconds` the resident
 * memory and CPU of every process, Redis's memory and the event stream's length are read; the
 * memory series are fitted with a line after a warm-up, the slope reported in MB/h with its noise.
 * Idle windows (churn paused, heartbeats going on, at least one whole resync inside) count the
 * controller's writes to Kong when nothing changed.
 *
 * Asserted (correctness only; speeds and slopes are reported, not asserted): no proxied request
 * failed or reached another service (every instance leaves by the SDK's drain), no write to Kong
 * in any idle window and a whole resync in each, the event stream within its cap, no lease lost,
 * every churn action done, and Kong's targets equal to the live fleet at the end.
 */
import Redis from 'ioredis';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { freePort } from '../../../helpers/ports';
import { waitFor } from '../../../helpers/wait';
import { cpuMicros } from '../../../../bench/src/lib/measure';
import { rssBytes, sleep, stopAll, type Proc } from '../../../../bench/src/lib/procs';
import { adminToken, inParallel, serviceToken } from '../../../../bench/src/lib/registry-client';
import {
  startControllerProcess,
  startRedis,
  startRegistryProcess,
} from '../../../../bench/src/lib/services';
import { recordFigure } from '../figures';
import { Churn, proxiedTraffic, SimFleet, type TrafficStats } from './fleet';
import { metricValue, startKongNodeProcess, type KongCounts } from './processes';
import { renderFleetSoak, upstreamFailures, warmupOf } from './fleet-soak-report';
import { endContext, runContext, writeReport, type RunContext } from './report';
import { growsBeyondNoise, round, trend, type Trend } from './stats';

/** The size and timing of one run. */
export interface FleetSoakOptions {
  /** Names the report (`fleet-soak-<label>`) and the figures. */
  label: string;
  /** Length of the measured run (churn and idle windows), after the fleet is up and converged. */
  minutes: number;
  services: number;
  perService: number;
  /** Share of the fleet replaced per minute, in percent. */
  churnPercentPerMinute: number;
  proxiedPerSecond: number;
  /** Each instance answers a proxied request after this long, so that drains meet requests in flight. */
  serviceTimeMs: number;
  /** Measured span of each idle window; must hold a whole resync (30 s +- 10 %). */
  idleWindowSeconds: number;
  /** An idle window every this many minutes, and always one at the end. */
  idleEveryMinutes: number;
  sampleSeconds: number;
  /** Samples before this are left out of the memory fits (start-up, caches filling). */
  warmupSeconds: number;
  /** REGISTRY_EVENTS_MAXLEN of the replicas. */
  eventsMaxLen: number;
}

/** The options with KR_SOAK_* overrides from the environment (for shorter or larger runs). */
export function withEnvOverrides(defaults: FleetSoakOptions): FleetSoakOptions {
  const num = (name: string, fallback: number) => {
    const raw = process.env[name];
    const value = raw === undefined || raw === '' ? NaN : Number(raw);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    ...defaults,
    minutes: num('KR_SOAK_MINUTES', defaults.minutes),
    services: num('KR_SOAK_SERVICES', defaults.services),
    perService: num('KR_SOAK_PER_SERVICE', defaults.perService),
    churnPercentPerMinute: num('KR_SOAK_CHURN_PERCENT', defaults.churnPercentPerMinute),
    eventsMaxLen: num('KR_SOAK_EVENTS_MAXLEN', defaults.eventsMaxLen),
  };
}

const PROCESSES = ['registry A', 'registry B', 'controller', 'kong-sim', 'redis-server'] as const;
type ProcessName = (typeof PROCESSES)[number] | 'test driver';

/** One reading of everything. */
interface Sample {
  /** Seconds since the measured run began. */
  t: number;
  rssMb: Partial<Record<ProcessName, number>>;
  cpuMs: Partial<Record<ProcessName, number>>;
  redisUsedMb: number;
  redisRssMb: number;
  streamLength: number;
  /** Entries ever added to the stream (XINFO STREAM entries-added): the event rate. */
  eventsAdded: number;
  streamMb: number;
  redisKeys: number;
  liveInstances: number;
  heartbeats: number;
  heartbeatP99Ms: number;
  proxiedOk: number;
  proxiedFailed: number;
  loopDelayP99Ms: number;
  /** The machine's 1-minute load average: other work on the cores skews every figure. */
  load: number;
}

/** One idle window: churn paused, heartbeats and traffic going on. */
interface IdleWindow {
  /** When it began, in seconds of the run. */
  atS: number;
  spanS: number;
  kongWrites: number;
  kongRequests: number;
  wholeReconciles: number;
  controllerWrites: number;
}

/** What a run measured. */
export interface FleetSoakResult {
  options: FleetSoakOptions;
  context: RunContext;
  setup: { registerMs: number; initialSyncMs: number };
  samples: Sample[];
  fits: Record<
    string,
    { trend: Trend; startMb: number; endMb: number; peakMb: number; cpuPct: number; grows: boolean }
  >;
  stream: {
    cap: number;
    minAfterWarmup: number;
    max: number;
    bytesPerEntry: number;
    /** Events appended per minute after the warm-up (churn, Kong's health reports). */
    eventsPerMinute: number;
    /** The events the stream held at the end, by type. */
    typesAtEnd: Record<string, number>;
  };
  heartbeats: {
    count: number;
    p50: number;
    p99: number;
    p999: number;
    max: number;
    worstWindowP99: number;
    failures: number;
  };
  traffic: TrafficStats;
  idle: IdleWindow[];
  churn: Churn['stats'];
  fleet: SimFleet['counters'];
  endCheck: { services: number; mismatched: string[] };
  exited: string[];
  /** kong-sim's warn/error lines during the run, by message. */
  kongWarnings: Record<string, number>;
  /** Heartbeats as the two replicas timed them (their request-duration histograms, summed). */
  registrySide: HeartbeatBuckets;
}

/** The warm-up left out of the fits: as asked, but never more than a quarter of the run. */
/** Cumulative counts of the heartbeat route's duration histogram: upper bound (s) -> requests. */
export type HeartbeatBuckets = Record<string, number>;

const HEARTBEAT_ROUTE = '/v1/services/:service/instances/:instanceId/heartbeat';

/** The heartbeat buckets of `registry_http_request_duration_seconds`, summed over replicas. */
async function heartbeatBuckets(registryUrls: readonly string[]): Promise<HeartbeatBuckets> {
  const buckets: HeartbeatBuckets = {};
  for (const url of registryUrls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const match of text.matchAll(
      /^registry_http_request_duration_seconds_bucket\{([^}]*)\} (\S+)$/gm,
    )) {
      const labels = match[1]!;
      if (!labels.includes(`route="${HEARTBEAT_ROUTE}"`)) continue;
      const le = /le="([^"]+)"/.exec(labels)?.[1];
      if (le) buckets[le] = (buckets[le] ?? 0) + Number(match[2]);
    }
  }
  return buckets;
}

/** XINFO STREAM's entries-added (Redis 7): every event the registry ever appended. */
async function eventsAdded(redis: Redis): Promise<number> {
  const info = (await redis.call('XINFO', 'STREAM', 'kr:events')) as unknown[];
  const at = info.indexOf('entries-added');
  return at >= 0 ? Number(info[at + 1]) : NaN;
}

const mb = (bytes: number | null) => (bytes === null ? NaN : bytes / 1_048_576);
const serviceName = (i: number) => `soak-${String(i).padStart(3, '0')}`;

/** Kong's targets of one service, `host:port` -> weight. */
async function kongTargets(admin: string, service: string): Promise<Map<string, number>> {
  const res = await fetch(`${admin}/upstreams/${service}.upstream/targets?size=1000`);
  if (res.status === 404) return new Map();
  const body = (await res.json()) as { data: Array<{ target: string; weight: number }> };
  return new Map(body.data.map((t) => [t.target, t.weight]));
}

/** Runs the soak and returns its figures (assertions are the caller's). */
export async function runFleetSoak(options: FleetSoakOptions): Promise<FleetSoakResult> {
  const o = options;
  const context = runContext();
  const redis = await startRedis();
  const replicaEnv = { LOG_LEVEL: 'warn', REGISTRY_EVENTS_MAXLEN: String(o.eventsMaxLen) };
  const [registryA, registryB] = await Promise.all([
    startRegistryProcess(redis.url, { env: replicaEnv }),
    startRegistryProcess(redis.url, { env: replicaEnv }),
  ]);
  const kong = await startKongNodeProcess('db');
  const redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const tokens = new Map<string, string>();
  const fleet = new SimFleet({
    registryUrls: [registryA.url, registryB.url],
    tokenFor: (service) => {
      let token = tokens.get(service);
      if (!token) tokens.set(service, (token = serviceToken(service)));
      return token;
    },
    serviceTimeMs: o.serviceTimeMs,
  });
  const services = Array.from({ length: o.services }, (_, i) => serviceName(i));
  const churn = new Churn(
    fleet,
    60_000 / ((o.services * o.perService * o.churnPercentPerMinute) / 100),
  );
  let controller: Proc | undefined;
  let traffic: ReturnType<typeof proxiedTraffic> | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  try {
    // The fleet comes up first, then the controller converges Kong in one go.
    const registerStarted = performance.now();
    await inParallel(
      Array.from({ length: o.services * o.perService }, (_, i) => i),
      32,
      async (i) => {
        await fleet.start(services[i % o.services]!, 1);
      },
    );
    const registerMs = performance.now() - registerStarted;
    const metricsPort = await freePort();
    const syncStarted = performance.now();
    controller = startControllerProcess(registryA.url, adminToken(), kong.admin, metricsPort, {
      REDIS_URL: redis.url,
    });
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitFor(
      async () => {
        for (const service of services) {
          const targets = await kongTargets(kong.admin, service);
          if (targets.size !== o.perService) return false;
        }
        for (const service of services) {
          const res = await fetch(`${kong.proxy}/${service}/`);
          if (!(await res.text()).startsWith(`${service}/`)) return false;
        }
        return true;
      },
      {
        timeoutMs: 900_000,
        intervalMs: 1000,
        what: 'Kong converged on the fleet, every route served',
      },
    );
    const initialSyncMs = performance.now() - syncStarted;

    // The measured run.
    const pids: Record<Exclude<ProcessName, 'test driver'>, number> = {
      'registry A': registryA.pid,
      'registry B': registryB.pid,
      controller: controller.pid,
      'kong-sim': kong.pid,
      'redis-server': redis.pid,
    };
    const samples: Sample[] = [];
    const kongAtStart = await kong.counts();
    const registrySideAtStart = await heartbeatBuckets([registryA.url, registryB.url]);
    const runStarted = Date.now();
    fleet.startMeasuring();
    loopDelay.enable();
    traffic = proxiedTraffic(
      kong.proxy,
      services,
      () => [...churn.busyServices.keys()],
      o.proxiedPerSecond,
      8,
    );
    const takeSample = async () => {
      const info = await redisClient.info('memory');
      const field = (name: string) =>
        Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
      const rssMb: Sample['rssMb'] = { 'test driver': mb(process.memoryUsage().rss) };
      const driverCpu = process.cpuUsage();
      const cpuMs: Sample['cpuMs'] = { 'test driver': (driverCpu.user + driverCpu.system) / 1000 };
      for (const [name, pid] of Object.entries(pids) as Array<[ProcessName, number]>) {
        rssMb[name] = mb(rssBytes(pid));
        const cpu = cpuMicros(pid);
        cpuMs[name] = cpu === null ? NaN : cpu / 1000;
      }
      samples.push({
        t: (Date.now() - runStarted) / 1000,
        rssMb,
        cpuMs,
        redisUsedMb: mb(field('used_memory')),
        redisRssMb: mb(field('used_memory_rss')),
        streamLength: await redisClient.xlen('kr:events'),
        eventsAdded: await eventsAdded(redisClient),
        streamMb: mb((await redisClient.memory('USAGE', 'kr:events')) ?? 0),
        redisKeys: await redisClient.dbsize(),
        liveInstances: fleet.live.size,
        heartbeats: fleet.windowLatency.count,
        heartbeatP99Ms: round(fleet.windowLatency.percentile(99), 2),
        proxiedOk: traffic?.stats.ok ?? 0,
        proxiedFailed: traffic?.stats.failed ?? 0,
        loopDelayP99Ms: round(loopDelay.percentile(99) / 1e6, 1),
        load: round(loadavg()[0]!, 2),
      });
      fleet.windowLatency.reset();
      loopDelay.reset();
    };
    await takeSample();
    sampler = setInterval(() => void takeSample().catch(() => undefined), o.sampleSeconds * 1000);

    const wholeReconciles = async () => {
      const text = await (await fetch(metricsUrl)).text();
      return {
        whole: metricValue(text, 'kr_controller_reconciles_total', { result: 'ok', scope: 'all' }),
        writes: metricValue(text, 'kr_controller_reconcile_writes_sum'),
      };
    };
    /** Churn paused until Kong has had no write for 5 s, then `idleWindowSeconds` watched. */
    const idleWindow = async (): Promise<IdleWindow> => {
      await churn.pause();
      let last: KongCounts = await kong.counts();
      let quietSince = Date.now();
      await waitFor(
        async () => {
          const now = await kong.counts();
          if (now.writes !== last.writes) quietSince = Date.now();
          last = now;
          return Date.now() - quietSince >= 5000;
        },
        {
          timeoutMs: 120_000,
          intervalMs: 500,
          what: 'no Kong writes for 5 s after the churn paused',
        },
      );
      const atS = (Date.now() - runStarted) / 1000;
      const before = {
        kong: await kong.counts(),
        controller: await wholeReconciles(),
        at: Date.now(),
      };
      await sleep(o.idleWindowSeconds * 1000);
      const after = {
        kong: await kong.counts(),
        controller: await wholeReconciles(),
        at: Date.now(),
      };
      return {
        atS: round(atS),
        spanS: round((after.at - before.at) / 1000),
        kongWrites: after.kong.writes - before.kong.writes,
        kongRequests: after.kong.requests - before.kong.requests,
        wholeReconciles: after.controller.whole - before.controller.whole,
        controllerWrites: after.controller.writes - before.controller.writes,
      };
    };

    const idle: IdleWindow[] = [];
    const endAt = runStarted + o.minutes * 60_000;
    const windowMs = o.idleWindowSeconds * 1000;
    let nextIdle = runStarted + o.idleEveryMinutes * 60_000;
    for (;;) {
      const churnUntil = Math.min(nextIdle, endAt - windowMs);
      if (churnUntil > Date.now()) {
        churn.resume();
        await sleep(churnUntil - Date.now());
      }
      idle.push(await idleWindow());
      if (Date.now() >= endAt - windowMs) break;
      nextIdle += o.idleEveryMinutes * 60_000;
    }
    clearInterval(sampler);
    sampler = undefined;
    await takeSample();
    await traffic.stop();

    // Kong holds exactly the live fleet.
    const mismatched: string[] = [];
    for (const service of services) {
      const want = new Set(fleet.instancesOf(service).map((i) => `127.0.0.1:${i.port}`));
      const have = await kongTargets(kong.admin, service);
      const wrong =
        have.size !== want.size ||
        [...have].some(([target, weight]) => !want.has(target) || weight !== 100);
      if (wrong)
        mismatched.push(
          `${service}: Kong ${[...have.keys()].sort().join(',')} vs fleet ${[...want].sort().join(',')}`,
        );
    }
    const kongAtEnd = await kong.counts();
    const eventTypes: Record<string, number> = {};
    for (const [, fields] of await redisClient.xrange('kr:events', '-', '+')) {
      const type = (JSON.parse(fields[1] ?? '{}') as { type?: string }).type ?? '?';
      eventTypes[type] = (eventTypes[type] ?? 0) + 1;
    }
    const registrySideAtEnd = await heartbeatBuckets([registryA.url, registryB.url]);
    const kongWarnings: Record<string, number> = {};
    for (const [message, n] of Object.entries(kongAtEnd.warnings)) {
      const during = n - (kongAtStart.warnings[message] ?? 0);
      if (during > 0) kongWarnings[message] = during;
    }
    const exited = [registryA, registryB, controller, kong]
      .filter((p) => p.child.exitCode !== null || p.child.signalCode !== null)
      .map(
        (p) => `${p.name} (${p.child.exitCode ?? p.child.signalCode}): ${p.output().slice(-500)}`,
      );

    return summarize(o, endContext(context), { registerMs, initialSyncMs }, samples, {
      traffic: traffic.stats,
      idle,
      churn: churn.stats,
      fleet,
      endCheck: { services: services.length, mismatched },
      exited,
      kongWarnings,
      eventTypes,
      registrySide: Object.fromEntries(
        Object.entries(registrySideAtEnd).map(([le, n]) => [
          le,
          n - (registrySideAtStart[le] ?? 0),
        ]),
      ),
    });
  } finally {
    if (sampler) clearInterval(sampler);
    loopDelay.disable();
    await traffic?.stop();
    await churn.pause();
    await controller?.stop();
    await fleet.close();
    redisClient.disconnect();
    await stopAll();
  }
}

function summarize(
  o: FleetSoakOptions,
  context: RunContext,
  setup: FleetSoakResult['setup'],
  samples: Sample[],
  rest: Pick<
    FleetSoakResult,
    'traffic' | 'idle' | 'churn' | 'endCheck' | 'exited' | 'kongWarnings' | 'registrySide'
  > & {
    eventTypes: Record<string, number>;
    fleet: SimFleet;
  },
): FleetSoakResult {
  const warm = samples.filter((s) => s.t >= warmupOf(o));
  const first = warm[0] ?? samples[0]!;
  const last = samples[samples.length - 1]!;
  const spanH = (last.t - first.t) / 3600;
  const fit = (series: (s: Sample) => number, cpu?: (s: Sample) => number) => {
    const points = warm.filter((s) => Number.isFinite(series(s)));
    const t = trend(
      points.map((s) => s.t / 3600),
      points.map(series),
    );
    const cpuPct = cpu ? ((cpu(last) - cpu(first)) / ((last.t - first.t) * 1000)) * 100 : NaN;
    return {
      trend: t,
      startMb: round(series(first)),
      endMb: round(series(last)),
      peakMb: round(Math.max(...points.map(series))),
      cpuPct: round(cpuPct),
      grows: growsBeyondNoise(t, spanH),
    };
  };
  const fits: FleetSoakResult['fits'] = {};
  for (const name of [...PROCESSES, 'test driver'] as ProcessName[])
    fits[name] = fit(
      (s) => s.rssMb[name] ?? NaN,
      (s) => s.cpuMs[name] ?? NaN,
    );
  fits['Redis used_memory'] = fit((s) => s.redisUsedMb);
  fits['Redis used_memory outside the event stream'] = fit((s) => s.redisUsedMb - s.streamMb);
  const lengths = warm.map((s) => s.streamLength);
  const { latency, counters } = rest.fleet;
  return {
    options: o,
    context,
    setup: {
      registerMs: Math.round(setup.registerMs),
      initialSyncMs: Math.round(setup.initialSyncMs),
    },
    samples,
    fits,
    stream: {
      cap: o.eventsMaxLen,
      minAfterWarmup: Math.min(...lengths),
      max: Math.max(...samples.map((s) => s.streamLength)),
      bytesPerEntry: Math.round((last.streamMb * 1_048_576) / Math.max(1, last.streamLength)),
      eventsPerMinute: round(
        ((last.eventsAdded - first.eventsAdded) * 60) / Math.max(1, last.t - first.t),
      ),
      typesAtEnd: rest.eventTypes,
    },
    heartbeats: {
      count: latency.count,
      p50: round(latency.percentile(50), 2),
      p99: round(latency.percentile(99), 2),
      p999: round(latency.percentile(99.9), 2),
      max: round(latency.max, 1),
      worstWindowP99: Math.max(...samples.map((s) => s.heartbeatP99Ms).filter(Number.isFinite)),
      failures: counters.heartbeatFailures,
    },
    traffic: rest.traffic,
    idle: rest.idle,
    churn: rest.churn,
    fleet: counters,
    endCheck: rest.endCheck,
    exited: rest.exited,
    kongWarnings: rest.kongWarnings,
    registrySide: rest.registrySide,
  };
}

export function describeFleetSoak(options: FleetSoakOptions, { fromEnv = false } = {}): void {
  const o = fromEnv ? withEnvOverrides(options) : options;
  // Setup (registrations, initial sync) and teardown come on top of the run.
  jest.setTimeout((o.minutes + 15) * 60_000);
  describe(`reliability/soak (${o.label}): ${o.services * o.perService} instances for ${o.minutes} min`, () => {
    it('no proxied request fails through drains, no Kong write when idle, the event stream stays within its cap, no lease lost, Kong equal to the fleet at the end', async () => {
      const result = await runFleetSoak(o);
      const path = writeReport(`fleet-soak-${o.label}`, renderFleetSoak(result), result);
      process.stdout.write(`fleet soak report: ${path}\n`);
      const suite = `fleet-soak-${o.label}`;
      for (const [name, f] of Object.entries(result.fits))
        recordFigure(suite, `${name} RSS slope (MB/h)`, round(f.trend.slope, 1));
      recordFigure(suite, 'heartbeat p99 (ms)', result.heartbeats.p99);
      recordFigure(
        suite,
        'proxied requests / failed',
        `${result.traffic.ok + result.traffic.failed} / ${result.traffic.failed}`,
      );
      recordFigure(suite, 'event stream max length', result.stream.max);

      expect(result.exited).toEqual([]);
      expect({ failed: result.traffic.failed, samples: result.traffic.samples }).toEqual({
        failed: 0,
        samples: [],
      });
      // Every instance left by the SDK's drain: Kong never even tried one that was gone (it
      // retries such a failure on another target, so the clients above would not notice).
      expect({ upstreamFailures: upstreamFailures(result), warnings: result.kongWarnings }).toEqual(
        {
          upstreamFailures: 0,
          warnings: result.kongWarnings,
        },
      );
      expect(result.churn.failures).toEqual([]);
      for (const window of result.idle) {
        expect({ at: window.atS, kongWrites: window.kongWrites }).toEqual({
          at: window.atS,
          kongWrites: 0,
        });
        // The window held a whole resync, so "no write" covers the drift check too.
        expect(window.wholeReconciles).toBeGreaterThanOrEqual(1);
      }
      // XADD MAXLEN ~ trims whole stream nodes only (100 entries each by default).
      expect(result.stream.max).toBeLessThanOrEqual(o.eventsMaxLen + 100);
      expect({ lost: result.fleet.leasesLost, errors: result.fleet.sdkErrors }).toEqual({
        lost: 0,
        errors: 0,
      });
      expect(result.endCheck.mismatched).toEqual([]);
    });
  });
}
