/**
 * Reconcile cost: Admin API requests and wall time of the controller (DB mode) for the initial
 * sync, a converged resync, one instance added and one service removed, at several fleet sizes,
 * against decK 1.4.0 doing the same four syncs from a declarative file on a fresh kong-sim; and
 * DB-less mode (pushed document size and push time).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import {
  applyOpsToState,
  mergeWithBase,
  renderState,
  type Controller,
} from '@kong-registry/kong-plugin';
import { deck, deckDumpOwned } from '../lib/deck';
import { benchController, fleetBody, fleetService, registerFleet } from '../lib/fleet';
import { adminToken, deregisterInstance, registerInstance } from '../lib/registry-client';
import type { Figure, Section, SuiteOptions } from '../lib/report';
import { CLI, startBareServer, startRedis, startRegistryProcess } from '../lib/services';
import { median, ratio } from '../lib/stats';

const execFileAsync = promisify(execFile);
const PER_SERVICE = 3;

/** What one sync cost. */
interface Cost {
  requests: number;
  writes: number;
  ms: number;
}

async function measure(sim: KongSim, action: () => Promise<void>): Promise<Cost> {
  sim.resetRequests();
  const started = performance.now();
  await action();
  const ms = Math.round((performance.now() - started) * 10) / 10;
  return { requests: sim.requests().length, writes: sim.writeCount(), ms };
}

/**
 * A repeatable step (a converged resync changes nothing) measured `runs` times: the median time;
 * requests and writes of the first run (they are the same every time).
 */
async function measureMedian(
  sim: KongSim,
  runs: number,
  action: () => Promise<void>,
): Promise<Cost & { runs: number[] }> {
  const costs: Cost[] = [];
  for (let i = 0; i < Math.max(1, runs); i++) costs.push(await measure(sim, action));
  const times = costs.map((c) => c.ms);
  return { ...costs[0]!, ms: median(times), runs: times };
}

async function reconcile(controller: Controller): Promise<void> {
  const report = await controller.reconcileOnce();
  if (!report.ok)
    throw new Error(
      `reconcile failed: ${JSON.stringify(report.nodes.map((n) => n.error ?? n.result?.errors.map(String)))}`,
    );
}

/** `kong-registry sync` (one reconcile, then exit) as a separate process, like decK. */
async function syncProcess(
  registryUrl: string,
  token: string,
  kongAdmin: string,
  mode: 'db' | 'dbless',
): Promise<void> {
  await execFileAsync(process.execPath, [CLI, 'sync', '--json'], {
    env: {
      ...process.env,
      REGISTRY_URL: registryUrl,
      REGISTRY_TOKEN: token,
      KONG_ADMIN_URL: kongAdmin,
      KONG_MODE: mode,
      LOG_LEVEL: 'warn',
    },
    timeout: 1_800_000,
    maxBuffer: 256 * 1024 * 1024,
  });
}

type DeckDoc = {
  services?: Array<{ name: string }>;
  upstreams?: Array<{ name: string; targets?: Array<Record<string, unknown>> }>;
  [key: string]: unknown;
};

/** Runs one fleet size; returns the figures for it. */
async function oneSize(
  services: number,
  runs: number,
  raw: Record<string, unknown>,
): Promise<Figure[]> {
  const redis = await startRedis();
  const registry = await startRegistryProcess(redis.url, { env: { LOG_LEVEL: 'warn' } });
  const backend = await startBareServer('{"ok":true}');
  const token = adminToken();
  const dir = mkdtempSync(join(tmpdir(), 'bench-deck-'));
  const sims: KongSim[] = [];
  try {
    await registerFleet(registry.url, token, services, PER_SERVICE, backend.port);
    const sim = await startKongSim({ mode: 'db' });
    sims.push(sim);
    const sync = (admin: string, mode: 'db' | 'dbless') => () =>
      syncProcess(registry.url, token, admin, mode);
    const ours: Record<string, Cost> = {};
    ours.initial = await measure(sim, sync(sim.admin, 'db'));
    ours.converged = await measureMedian(sim, runs, sync(sim.admin, 'db'));
    // The same resync in-process (no Node start-up), as a long-running controller does it.
    const controller = benchController(registry.url, token, sim.admin, 'db');
    const inProcess = await measureMedian(sim, runs, () => reconcile(controller));

    // decK's file: a dump of exactly the entities the controller created (by its ownership tag).
    const file0 = join(dir, 'kong.json');
    await deckDumpOwned(sim.admin, file0);
    const doc0 = JSON.parse(readFileSync(file0, 'utf8')) as DeckDoc;

    const added = PER_SERVICE * services; // next fleet index: a new address
    ours.instanceAdded = await measure(sim, async () => {
      await registerInstance(
        registry.url,
        token,
        fleetService(0),
        `i-${PER_SERVICE}`,
        fleetBody(backend.port, added),
      );
      await sync(sim.admin, 'db')();
    });
    ours.serviceRemoved = await measure(sim, async () => {
      for (let i = 0; i < PER_SERVICE; i++)
        await deregisterInstance(registry.url, token, fleetService(1), `i-${i}`);
      await sync(sim.admin, 'db')();
    });
    // The registry calls are not Admin API requests, but their time is in ms: subtract nothing,
    // they are a few ms (one PUT, three DELETEs) and decK's file edit costs it nothing either.

    // decK: the same four syncs from files against a fresh kong-sim.
    const body = fleetBody(backend.port, added);
    const doc1 = JSON.parse(JSON.stringify(doc0)) as DeckDoc;
    const upstream0 = doc1.upstreams?.find((u) => u.name === `${fleetService(0)}.upstream`);
    const template = upstream0?.targets?.[0];
    if (!upstream0 || !template) throw new Error('decK dump has no targets for svc-0');
    upstream0.targets!.push({ ...template, target: `${body.host}:${body.port}` });
    const doc2 = JSON.parse(JSON.stringify(doc1)) as DeckDoc;
    doc2.services = doc2.services?.filter((s) => s.name !== fleetService(1));
    doc2.upstreams = doc2.upstreams?.filter((u) => u.name !== `${fleetService(1)}.upstream`);
    const file1 = join(dir, 'kong-added.json');
    const file2 = join(dir, 'kong-removed.json');
    writeFileSync(file1, JSON.stringify(doc1));
    writeFileSync(file2, JSON.stringify(doc2));
    const deckSim = await startKongSim({ mode: 'db' });
    sims.push(deckSim);
    const deckSync = (file: string) => () =>
      deck(['sync', '--kong-addr', deckSim.admin, '-s', file]).then(() => undefined);
    const theirs: Record<string, Cost> = {};
    theirs.initial = await measure(deckSim, deckSync(file0));
    theirs.converged = await measureMedian(deckSim, runs, deckSync(file0));
    theirs.instanceAdded = await measure(deckSim, deckSync(file1));
    theirs.serviceRemoved = await measure(deckSim, deckSync(file2));

    // DB-less: the whole document in one POST /config.
    const dbless = await startKongSim({ mode: 'dbless' });
    sims.push(dbless);
    const dblessController = benchController(registry.url, token, dbless.admin, 'dbless');
    // The pushed document, rendered from a read-only plan exactly as DblessApplier renders it.
    const planned = await dblessController.reconcileOnce({ apply: false });
    const node = planned.nodes[0];
    if (!node?.plan || !node.current) throw new Error(`dbless plan failed: ${node?.error}`);
    const { doc } = mergeWithBase(
      renderState(applyOpsToState(node.current.managed, node.plan.ops)),
      undefined,
    );
    const docBytes = Buffer.byteLength(JSON.stringify(doc));
    const dblessInitial = await measure(dbless, sync(dbless.admin, 'dbless'));
    // The first resync after a (this) controller starts reads everything and adopts what Kong
    // holds; from then on a converged resync asks Kong for its configuration_hash only.
    const dblessConverged = await measure(dbless, () => reconcile(dblessController));
    const dblessSteady = await measureMedian(dbless, runs, () => reconcile(dblessController));
    const pushMs = dblessInitial.ms;
    raw[String(services)] = {
      controller: ours,
      controllerInProcessResync: inProcess,
      deck: theirs,
      dbless: {
        initial: dblessInitial,
        converged: dblessConverged,
        steady: dblessSteady,
        docBytes,
        pushMs,
      },
    };

    const label = `${services} svc x ${PER_SERVICE}`;
    const figures: Figure[] = [];
    const names: Record<string, string> = {
      initial: 'initial sync',
      converged: 'converged resync',
      instanceAdded: 'one instance added',
      serviceRemoved: 'one service removed',
    };
    for (const phase of Object.keys(names)) {
      const a = ours[phase]!;
      const b = theirs[phase]!;
      const writeTarget = phase === 'converged' ? 0 : phase === 'instanceAdded' ? 1 : undefined;
      figures.push({
        metric: `${label}: ${names[phase]} requests (writes)`,
        value: a.requests,
        unit: `req (${a.writes} writes)`,
        baseline: { name: `decK ${b.writes} writes`, value: b.requests },
        ratio: ratio(a.requests, b.requests),
        target: writeTarget === undefined ? '< decK' : `${writeTarget} writes, < decK`,
        met: a.requests < b.requests && (writeTarget === undefined || a.writes === writeTarget),
      });
      figures.push({
        metric: `${label}: ${names[phase]} time`,
        value: a.ms,
        unit: 'ms',
        baseline: { name: 'decK', value: b.ms },
        ratio: ratio(a.ms, b.ms),
        target: '< decK',
        met: a.ms < b.ms,
      });
    }
    figures.push({
      metric: `${label}: DB-less initial push`,
      value: dblessInitial.ms,
      unit: `ms, ${Math.round(docBytes / 1024)} KiB document, ${dblessInitial.requests} req`,
      baseline: { name: 'DB-mode initial ms', value: ours.initial!.ms },
      ratio: ratio(dblessInitial.ms, ours.initial!.ms),
    });
    figures.push({
      metric: `${label}: converged resync, long-running controller`,
      value: inProcess.ms,
      unit: `ms, ${inProcess.requests} req, ${inProcess.writes} writes`,
      baseline: { name: 'decK', value: theirs.converged!.ms },
      ratio: ratio(inProcess.ms, theirs.converged!.ms),
    });
    figures.push({
      metric: `${label}: DB-less converged resync, first after the controller started`,
      value: dblessConverged.writes,
      unit: `writes, ${dblessConverged.requests} req, ${dblessConverged.ms} ms`,
      target: '0 writes',
      met: dblessConverged.writes === 0,
    });
    figures.push({
      metric: `${label}: DB-less converged resync, steady state (Kong's hash unchanged)`,
      value: dblessSteady.requests,
      unit: `req, ${dblessSteady.writes} writes, ${dblessSteady.ms} ms`,
      baseline: { name: 'first resync ms', value: dblessConverged.ms },
      ratio: ratio(dblessSteady.ms, dblessConverged.ms),
      target: '<= 2 requests, 0 writes',
      met: dblessSteady.requests <= 2 && dblessSteady.writes === 0,
    });
    return figures;
  } finally {
    await Promise.all(sims.map((s) => s.close()));
    await Promise.all([registry.stop(), backend.stop(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fleet sizes (services, 3 instances each): issue #7 asks for 100, 1,000 and 5,000. */
export const DEFAULT_RECONCILE_SIZES = [100, 1000, 5000];

/**
 * Sizes to run: BENCH_RECONCILE_SIZES=100,1000 (comma-separated) overrides the defaults, for
 * iterating on one size; --quick runs 100 only.
 */
export function reconcileSizes(quick: boolean, env = process.env): number[] {
  const raw = env.BENCH_RECONCILE_SIZES;
  if (raw) {
    const sizes = raw.split(',').map((s) => Number(s.trim()));
    if (sizes.some((n) => !Number.isInteger(n) || n < 2))
      throw new Error(`BENCH_RECONCILE_SIZES=${raw}: expected integers >= 2, e.g. 100,1000`);
    return sizes;
  }
  return quick ? [100] : DEFAULT_RECONCILE_SIZES;
}

/** Runs every size (100, 1,000 and 5,000 services; --quick: 100). */
export async function reconcileSuite(options: SuiteOptions): Promise<Section> {
  const sizes = reconcileSizes(options.quick);
  const raw: Record<string, unknown> = {};
  const figures: Figure[] = [];
  for (const size of sizes) {
    const started = Date.now();
    process.stderr.write(`  reconcile ${size} services ...\n`);
    figures.push(...(await oneSize(size, options.runs, raw)));
    process.stderr.write(
      `  reconcile ${size} services took ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
  }
  return {
    id: 'reconcile',
    title: 'Reconcile cost (controller, DB mode, vs decK 1.4.0)',
    figures,
    notes: [
      `Requests: every Admin API request kong-sim logged during the step (reads included); writes: POST/PUT/PATCH/DELETE. Request counts are deterministic. Converged resyncs (controller process, in-process and decK) are the median of ${options.runs} runs; initial, added and removed steps change Kong, so they are single runs.`,
      "decK syncs a dump of the controller's own entities (deck dump --select-tag managed-by:kong-registry), edited for the add/remove steps, against a fresh kong-sim; its time includes starting the decK process.",
      'Controller steps run `kong-registry sync` as a separate process, like decK (both times include process start-up; kong-sim runs in the bench process for its request log). Added/removed steps include the registry call (one PUT, three DELETEs). "long-running controller" is the same converged resync in-process (createController().reconcileOnce(), no start-up).',
      'DB-less: document size is the JSON the controller POSTs to /config; time is the whole reconcile (snapshot, /status reads, push).',
    ],
    raw,
  };
}
