/**
 * Footprint: registry and controller RSS with 10,000 instances registered, and the time of a full
 * resync then (controller running as a real process against kong-sim).
 */
import { readFileSync } from 'node:fs';
import { startKongSim } from '@kong-registry/kong-sim';
import { benchController, registerFleet } from '../lib/fleet';
import { freePort } from '../../../test/helpers/ports';
import { waitFor } from '../../../test/helpers/wait';
import { rssBytes, startProcess, type Proc } from '../lib/procs';
import { adminToken } from '../lib/registry-client';
import type { Figure, Section, SuiteOptions } from '../lib/report';
import { CLI, startBareServer, startRedis, startRegistryProcess } from '../lib/services';
import { median, ratio } from '../lib/stats';

const MB = 1024 * 1024;

/** Peak resident set size (VmHWM) in bytes. */
function peakRss(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Sum and count of the controller's reconcile-duration histogram (whole resyncs) from its /metrics. */
async function reconcileMetrics(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string): number => {
    const match = new RegExp(`^${name}\\{scope="all"\\} ([0-9.e+-]+)$`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  };
  return {
    sum: read('kr_controller_reconcile_duration_seconds_sum'),
    count: read('kr_controller_reconcile_duration_seconds_count'),
  };
}

/** Runs the footprint benchmark (10,000 instances; --quick: 1,000). */
export async function footprintSuite(options: SuiteOptions): Promise<Section> {
  const services = options.quick ? 100 : 1000;
  const perService = 10;
  const instances = services * perService;
  const redis = await startRedis();
  const registry = await startRegistryProcess(redis.url);
  const backend = await startBareServer('{"ok":true}');
  // DB-less: kong-sim's DB-mode inserts scan every row (O(n) each, see bench/README.md), which
  // would make a 10,000-target initial sync take minutes in the double, not in the controller.
  const sim = await startKongSim({ mode: 'dbless' });
  const token = adminToken();
  let controller: Proc | undefined;
  try {
    const idleRegistry = rssBytes(registry.pid) ?? 0;
    const registerMs = await registerFleet(registry.url, token, services, perService, backend.port);
    const stateStarted = performance.now();
    const state = await fetch(`${registry.url}/v1/state`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const stateBytes = (await state.arrayBuffer()).byteLength;
    const stateMs = performance.now() - stateStarted;

    const metricsPort = await freePort();
    const resyncSeconds = options.quick ? 3 : 10;
    controller = startProcess('controller', process.execPath, [CLI, 'controller'], {
      env: {
        ...process.env,
        REGISTRY_URL: registry.url,
        REGISTRY_TOKEN: token,
        KONG_ADMIN_URL: sim.admin,
        KONG_MODE: 'dbless',
        RESYNC_INTERVAL: `${resyncSeconds}s`,
        METRICS_PORT: String(metricsPort),
        LOG_LEVEL: 'warn',
      },
    });
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    const startedAt = performance.now();
    await waitFor(async () => (await reconcileMetrics(metricsUrl)).count >= 1, {
      timeoutMs: 600_000,
      intervalMs: 100,
      what: 'initial sync',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${controller?.output()}`);
    });
    const initialWallMs = performance.now() - startedAt;
    const afterInitial = await reconcileMetrics(metricsUrl);
    // Full resyncs on the interval (nothing changed: 0 writes expected).
    const resyncs: number[] = [];
    let last = afterInitial;
    for (let i = 0; i < (options.quick ? 1 : 3); i++) {
      await waitFor(async () => (await reconcileMetrics(metricsUrl)).count > last.count, {
        timeoutMs: 120_000,
        intervalMs: 100,
        what: 'a resync',
      });
      const now = await reconcileMetrics(metricsUrl);
      resyncs.push(((now.sum - last.sum) / (now.count - last.count)) * 1000);
      last = now;
    }
    const controllerRss = rssBytes(controller.pid) ?? 0;
    const controllerPeak = peakRss(controller.pid) ?? 0;
    const registryRss = rssBytes(registry.pid) ?? 0;
    const registryPeak = peakRss(registry.pid) ?? 0;
    const redisMemory = rssBytes(redis.pid) ?? 0;
    const writesDuringResyncs = await (async () => {
      sim.resetRequests();
      const c = benchController(registry.url, token, sim.admin, 'dbless');
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        const report = await c.reconcileOnce();
        if (!report.ok) throw new Error('in-process resync failed');
        times.push(performance.now() - t);
      }
      return {
        writes: sim.writeCount(),
        inProcessMs: median(times),
        requests: sim.requests().length / 3,
      };
    })();
    const resyncMs = median(resyncs);
    const figures: Figure[] = [
      {
        metric: `registry RSS, ${instances} instances`,
        value: Math.round(registryRss / MB),
        unit: `MB (peak ${Math.round(registryPeak / MB)} MB)`,
        baseline: { name: 'idle registry', value: Math.round(idleRegistry / MB) },
        ratio: ratio(registryRss, idleRegistry),
        target: '< 200 MB',
        met: registryRss < 200 * MB,
      },
      {
        metric: `controller RSS, ${instances} instances`,
        value: Math.round(controllerRss / MB),
        unit: `MB (peak ${Math.round(controllerPeak / MB)} MB)`,
        baseline: { name: 'registry', value: Math.round(registryRss / MB) },
        ratio: ratio(controllerRss, registryRss),
      },
      {
        metric: 'redis-server RSS',
        value: Math.round(redisMemory / MB),
        unit: 'MB',
      },
      {
        metric: `full resync, ${instances} instances (controller process)`,
        value: Math.round(resyncMs),
        unit: `ms (median of ${resyncs.length})`,
        baseline: {
          name: 'initial sync ms',
          value: Math.round((afterInitial.sum / afterInitial.count) * 1000),
        },
        ratio: ratio(resyncMs, (afterInitial.sum / afterInitial.count) * 1000),
        target: '< 5000 ms',
        met: resyncMs < 5000,
      },
      {
        metric: `full resync in-process, ${instances} instances`,
        value: Math.round(writesDuringResyncs.inProcessMs),
        unit: `ms, ${Math.round(writesDuringResyncs.requests)} req, ${writesDuringResyncs.writes} writes in 3 resyncs`,
        target: '0 writes',
        met: writesDuringResyncs.writes === 0,
      },
      {
        metric: `registering ${instances} instances (32 in flight)`,
        value: Math.round(registerMs),
        unit: 'ms',
      },
      {
        metric: `GET /v1/state, ${instances} instances`,
        value: Math.round(stateMs),
        unit: `ms, ${Math.round(stateBytes / 1024)} KiB`,
      },
      {
        metric: 'controller start to first converged sync',
        value: Math.round(initialWallMs),
        unit: 'ms',
      },
    ];
    return {
      id: 'footprint',
      title: `Footprint with ${instances} instances (${services} services x ${perService})`,
      figures,
      notes: [
        'Kong mode: DB-less (one POST /config per change). RSS from /proc/<pid>/status (VmRSS; peak = VmHWM) after the controller converged and ran its resyncs; registry and controller are real processes (kong-registry registry|controller).',
        `Full resync: the controller's own kr_controller_reconcile_duration_seconds histogram over resyncs on RESYNC_INTERVAL=${resyncSeconds}s (registry snapshot, Kong listing, plan, no writes); kong-sim runs in the bench process.`,
      ],
      raw: { resyncs, afterInitial, stateBytes, idleRegistry, registryPeak, controllerPeak },
    };
  } finally {
    await controller?.stop();
    await sim.close();
    await Promise.all([registry.stop(), backend.stop(), redis.stop()]);
  }
}
