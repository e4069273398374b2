/**
 * The steady-state load a converged controller puts on Kong in DB mode: a real controller process
 * with its defaults (RESYNC_INTERVAL 30 s, RESYNC_READ_RATE 200/s, health feedback by rounds)
 * watched for a window with nothing changing, at 1,000 and 5,000 services. Counted: every Admin
 * API request kong-sim logged (per second on average and at the busiest second, split into
 * drift-scan target reads, health reads and the rest) and the CPU kong-sim spent answering them
 * (kong-sim runs in this otherwise idle process). Next to it, in the same run: decK 1.4.0 syncing
 * the same entities as a cron job every 30 s, and the controller's health feedback as it was
 * before the rounds (every upstream every 10 s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import { freePort } from '../../../test/helpers/ports';
import { waitFor } from '../../../test/helpers/wait';
import { deck, deckDumpOwned } from '../lib/deck';
import { fleetService, registerFleet } from '../lib/fleet';
import { sleep, type Proc } from '../lib/procs';
import { adminToken } from '../lib/registry-client';
import type { Figure, Section, SuiteOptions } from '../lib/report';
import {
  startBareServer,
  startControllerProcess,
  startRedis,
  startRegistryProcess,
} from '../lib/services';
import { ratio } from '../lib/stats';

const DECK_PERIOD_S = 30;

/** What kong-sim served over a window. */
interface Load {
  seconds: number;
  requests: number;
  targetReads: number;
  healthReads: number;
  peakPerSecond: number;
  /** kong-sim's CPU (this process) over the window, in ms. */
  cpuMs: number;
  writes: number;
}

/** Watches kong-sim for `seconds` with nothing else running in this process. */
async function watch(sim: KongSim, seconds: number): Promise<Load> {
  sim.resetRequests();
  const cpu0 = process.cpuUsage();
  let last = 0;
  let peak = 0;
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    const count = sim.requests().length;
    peak = Math.max(peak, count - last);
    last = count;
  }
  const cpu = process.cpuUsage(cpu0);
  const requests = sim.requests();
  return {
    seconds,
    requests: requests.length,
    targetReads: requests.filter((r) => r.method === 'GET' && r.path.endsWith('/targets')).length,
    healthReads: requests.filter((r) => r.method === 'GET' && r.path.endsWith('/health')).length,
    peakPerSecond: peak,
    cpuMs: (cpu.user + cpu.system) / 1000,
    writes: sim.writeCount(),
  };
}

interface SizeResult {
  services: number;
  controller: Load;
  oldHealth: Load;
  deck: { requests: number; cpuMs: number; ms: number };
}

async function oneSize(services: number, windowS: number): Promise<SizeResult> {
  const redis = await startRedis();
  const registry = await startRegistryProcess(redis.url, { env: { LOG_LEVEL: 'warn' } });
  const backend = await startBareServer('{"ok":true}');
  const token = adminToken();
  const sim = await startKongSim({ mode: 'db' });
  const dir = mkdtempSync(join(tmpdir(), 'bench-steady-'));
  let controller: Proc | undefined;
  try {
    await registerFleet(registry.url, token, services, 1, backend.port);
    const converged = async () => {
      await waitFor(
        async () => {
          const res = await fetch(`${sim.admin}/routes/${fleetService(services - 1)}`);
          await res.arrayBuffer();
          return res.status === 200;
        },
        { timeoutMs: 900_000, intervalMs: 200, what: 'initial sync' },
      );
      // The first whole resync after the sync, and the health rounds, get going.
      await sleep(5_000);
    };
    controller = startControllerProcess(registry.url, token, sim.admin, await freePort());
    await converged();
    const ours = await watch(sim, windowS);
    await controller.stop();

    // Before the rounds: every upstream's health on every 10 s tick.
    controller = startControllerProcess(registry.url, token, sim.admin, await freePort(), {
      HEALTH_FEEDBACK_FULL_INTERVAL: '10s',
    });
    await converged();
    const old = await watch(sim, Math.min(windowS, 30));
    await controller.stop();
    controller = undefined;

    // decK: a converged sync of the same entities, as a cron job would run it.
    const file = join(dir, 'kong.json');
    await deckDumpOwned(sim.admin, file);
    sim.resetRequests();
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    await deck(['sync', '--kong-addr', sim.admin, '-s', file]);
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    return {
      services,
      controller: ours,
      oldHealth: old,
      deck: { requests: sim.requests().length, cpuMs: (cpu.user + cpu.system) / 1000, ms },
    };
  } finally {
    await controller?.stop();
    await sim.close();
    await Promise.all([registry.stop(), backend.stop(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const perSecond = (n: number, s: number) => Math.round((n / s) * 10) / 10;
const cpuShare = (ms: number, s: number) => Math.round((ms / (s * 1000)) * 1000) / 10;

/** Runs the steady-state benchmark (--quick: 200 services, a 20 s window). */
export async function steadySuite(options: SuiteOptions): Promise<Section> {
  const sizes = options.quick ? [200] : [1000, 5000];
  const windowS = options.quick ? 20 : 90;
  const results: SizeResult[] = [];
  for (const size of sizes) results.push(await oneSize(size, windowS));
  const figures: Figure[] = results.flatMap((r) => {
    const c = r.controller;
    const deckPerSecond = r.deck.requests / DECK_PERIOD_S;
    const deckCpu = cpuShare(r.deck.cpuMs, DECK_PERIOD_S);
    const oldHealthPerSecond = perSecond(r.oldHealth.healthReads, r.oldHealth.seconds);
    const healthPerSecond = perSecond(c.healthReads, c.seconds);
    return [
      {
        metric: `converged controller, DB mode, ${r.services} services: Admin API requests/s over ${c.seconds} s`,
        value: perSecond(c.requests, c.seconds),
        unit: `req/s (busiest second ${c.peakPerSecond}; drift-scan target reads ${perSecond(c.targetReads, c.seconds)}/s, health ${healthPerSecond}/s, other ${perSecond(c.requests - c.targetReads - c.healthReads, c.seconds)}/s; ${c.writes} writes)`,
        baseline: {
          name: `decK sync every ${DECK_PERIOD_S} s, req/s`,
          value: Math.round(deckPerSecond * 10) / 10,
        },
        ratio: ratio(c.requests / c.seconds, deckPerSecond),
        target: '0 writes',
        met: c.writes === 0,
      },
      {
        metric: `converged controller, DB mode, ${r.services} services: kong-sim CPU`,
        value: cpuShare(c.cpuMs, c.seconds),
        unit: `% of a core (decK: one sync ${Math.round(r.deck.ms)} ms, ${r.deck.requests} requests)`,
        baseline: { name: `decK every ${DECK_PERIOD_S} s, % of a core`, value: deckCpu },
        ratio: ratio(cpuShare(c.cpuMs, c.seconds), deckCpu),
      },
      {
        metric: `health feedback, ${r.services} services: Admin API reads/s`,
        value: healthPerSecond,
        unit: 'req/s (rounds: changed and unsettled services every 10 s, every service once a minute)',
        baseline: { name: 'every upstream every 10 s (before), req/s', value: oldHealthPerSecond },
        ratio: ratio(healthPerSecond, oldHealthPerSecond),
      },
    ];
  });
  return {
    id: 'steady',
    title: 'Steady-state load of a converged controller on Kong (DB mode)',
    figures,
    notes: [
      `Controller: a real process with its defaults (RESYNC_INTERVAL=30s, RESYNC_READ_RATE=200, HEALTH_FEEDBACK_INTERVAL=10s, HEALTH_FEEDBACK_FULL_INTERVAL=60s); ${sizes.join(' and ')} services of one instance each; watched for ${windowS} s after its initial sync, with nothing changing. Requests are kong-sim's request log; CPU is this process's (kong-sim, otherwise idle) over the window. "Busiest second" counts the requests of the busiest 1-second step.`,
      `decK: one 'deck sync' of a dump of the controller's own entities (nothing to change), counted the same way, divided by a ${DECK_PERIOD_S} s cron period.`,
      '"Before": the same controller with HEALTH_FEEDBACK_FULL_INTERVAL=10s, which reads every upstream on every tick, as the health feedback did before the rounds.',
    ],
    raw: { results },
  };
}
