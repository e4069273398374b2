/**
 * Several DB-less Kong nodes (issue #16, part 4): three kong-sim nodes in DB-less mode, one
 * controller converging each on its own, proxied traffic through all three.
 *
 * 1. A node restarted empty under traffic (same ports, no configuration): it serves 404s until
 *    the controller pushes to it. The controller's node watch (DBLESS_WATCH_INTERVAL) sees its
 *    `GET /status` hash all zeros (the others still report the hash of the last push) and asks
 *    for a reconcile, which pushes the current configuration to that node only.
 * 2. A node cut off from the controller (its Admin API unreachable, its proxy serving on): a
 *    change made meanwhile reaches the two others, once each; the cut-off node serves its stale
 *    configuration, old routes working, until the link heals and the next reconcile (a retry of
 *    the failed ones) pushes to it alone.
 *
 * Measured: how long each node served empty or stale configuration. Asserted: only that node
 * is written to, the others' configuration hash never changes (the restart case) and their
 * traffic never fails, and the node ends with the very configuration the others hold.
 */
import type { Controller } from '@kong-registry/kong-plugin';
import type { RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { startCuttableLink, type CuttableLink } from './cuttable-link';
import { recordFigure } from './figures';
import { startEcho, type EchoServer } from './load';
import { LogCapture } from './registry';
import { table, writeReport } from './soak/report';
import {
  controllerConfig,
  stackPrefix,
  startCapturedController,
  startRestartableKong,
  startTestRegistry,
  type RestartableKong,
} from './stack';

/** The size of one run. */
export interface KongNodesScale {
  label: string;
  /** Node restarts, taking the nodes in turn (C, A, B, C...). */
  restarts: number;
  /** Partitions of a node's Admin API, taking the nodes in turn. */
  partitions: number;
  /** How long each partition lasts. */
  partitionMs: number;
  /** RESYNC_INTERVAL, RETRY_MAX_INTERVAL and DBLESS_WATCH_INTERVAL of the controller. */
  resync: string;
  retryMax: string;
  watch: string;
  /**
   * RESYNC_INTERVAL outlasts the run: no periodic resync comes after the first sync, so every
   * push to a restarted node must have been asked for by the node watch (asserted).
   */
  resyncOutlastsRun: boolean;
  services: number;
  perService: number;
}

const NAMES = ['A', 'B', 'C'];

/** Proxied traffic through one node: round-robin over the services, failures kept with times. */
interface NodeTraffic {
  ok: number;
  failures: Array<{ at: number; service: string; what: string }>;
  stop(): Promise<void>;
}

function nodeTraffic(proxy: string, services: () => readonly string[], workers = 2): NodeTraffic {
  let running = true;
  let next = 0;
  const traffic: NodeTraffic = { ok: 0, failures: [], stop: async () => undefined };
  const loop = async () => {
    while (running) {
      const list = services();
      const service = list[next++ % list.length]!;
      let what: string | undefined;
      try {
        const res = await fetch(`${proxy}/${service}/`, { signal: AbortSignal.timeout(3000) });
        const body = await res.text();
        if (res.status !== 200) what = String(res.status);
        else if (!body.startsWith(`${service}/`)) what = `misrouted: ${body.slice(0, 40)}`;
      } catch (err) {
        what = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      }
      if (what === undefined) traffic.ok += 1;
      else if (traffic.failures.length < 100_000)
        traffic.failures.push({ at: Date.now(), service, what });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const done = Promise.all(Array.from({ length: workers }, loop));
  traffic.stop = async () => {
    running = false;
    await done;
  };
  return traffic;
}

/** A node's summary line of one reconcile (reconcile-log.ts). */
interface NodeLine {
  /** When it was logged, and how long the node's part of the reconcile took before. */
  time: number;
  durationMs: number;
  node: string;
  msg: string;
  writes: number;
}

/**
 * The node's summary lines of the reconciles that began with it at `since` or later (a
 * reconcile that read the node just before a restart may log just after it).
 */
function nodeLines(logs: LogCapture, url: string, since: number): NodeLine[] {
  const lines: NodeLine[] = [];
  for (const text of logs.lines) {
    if (!text.includes('"writes"')) continue;
    const line = JSON.parse(text) as Partial<NodeLine>;
    if (line.node !== url || typeof line.writes !== 'number') continue;
    if ((line.time ?? 0) - (line.durationMs ?? 0) >= since) lines.push(line as NodeLine);
  }
  return lines;
}

/** The node watch's reason for asking a reconcile of the node at `url` between `from` and `to`. */
function watchAsked(logs: LogCapture, url: string, from: number, to: number): string | undefined {
  for (const text of logs.lines) {
    if (!text.includes('"reconcile asked"')) continue;
    const line = JSON.parse(text) as { node?: string; time?: number; reason?: string };
    if (line.node === url && (line.time ?? 0) >= from && (line.time ?? 0) <= to) return line.reason;
  }
  return undefined;
}

const statusHash = async (admin: string): Promise<string> =>
  ((await (await fetch(`${admin}/status`)).json()) as { configuration_hash: string })
    .configuration_hash;

const pushes = (node: RestartableKong): number =>
  node.sim.requests().filter((r) => r.method === 'POST' && r.path === '/config').length;

/** Resolves once `proxy` answers every one of `services` with 200 from that service. */
async function servesAll(proxy: string, services: readonly string[]): Promise<boolean> {
  const answers = await Promise.all(
    services.map(async (service) => {
      const res = await fetch(`${proxy}/${service}/`, { signal: AbortSignal.timeout(2000) });
      return res.status === 200 && (await res.text()).startsWith(`${service}/`);
    }),
  );
  return answers.every(Boolean);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};

/** Defines the suite at the given scale. */
export function describeKongNodes(scale: KongNodesScale): void {
  describe(`reliability/faults (${scale.label}): three DB-less Kong nodes`, () => {
    let registry: RunningRegistry;
    const nodes: RestartableKong[] = [];
    const links: CuttableLink[] = [];
    const echoes: EchoServer[] = [];
    let controller: Controller;
    const logs = new LogCapture();
    const services = Array.from({ length: scale.services }, (_, i) => `nodes-${i}`);
    const traffic: NodeTraffic[] = [];
    const resyncMs = Number.parseFloat(scale.resync) * 1000;
    const watchMs = Number.parseFloat(scale.watch) * 1000;
    const rows: Array<Array<string | number>> = [];

    const register = async (service: string, instance: string) => {
      const echo = await startEcho(`${service}/${instance}`);
      echoes.push(echo);
      const res = await fetch(`${registry.url}/v1/services/${service}/instances/${instance}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${registry.adminToken ?? ''}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ host: '127.0.0.1', port: echo.port, ttlSeconds: 3600 }),
      });
      expect(res.status).toBeLessThan(300);
    };

    beforeAll(async () => {
      registry = await startTestRegistry(sharedRedisUrl(), stackPrefix(), {
        REGISTRY_LEASE_MAX_TTL_SECONDS: '3600',
      });
      for (let i = 0; i < 3; i += 1) {
        nodes.push(await startRestartableKong(undefined, { mode: 'dbless' }));
        links.push(await startCuttableLink(nodes[i]!.admin));
      }
      for (const service of services)
        for (let i = 0; i < scale.perService; i += 1) await register(service, `i${i}`);
      ({ controller } = startCapturedController(
        controllerConfig(
          registry.url,
          registry.adminToken ?? '',
          links.map((l) => l.url).join(','),
          {
            KONG_MODE: 'dbless',
            RESYNC_INTERVAL: scale.resync,
            RETRY_MAX_INTERVAL: scale.retryMax,
            DBLESS_WATCH_INTERVAL: scale.watch,
          },
        ),
        logs,
      ));
      await controller.start();
      for (const node of nodes)
        await waitFor(() => servesAll(node.proxy, services).catch(() => false), {
          timeoutMs: 20_000,
          what: 'every node serving every service',
        });
      for (const node of nodes) traffic.push(nodeTraffic(node.proxy, () => services));
    });

    afterAll(async () => {
      await Promise.all(traffic.map((t) => t.stop()));
      await controller?.stop();
      await Promise.all(links.map((l) => l.close()));
      await Promise.all(nodes.map((n) => n.stop()));
      await Promise.all(echoes.map((e) => e.close()));
      await registry?.close();
      if (process.env.KR_SOAK_REPORT_DIR && rows.length > 0) {
        const markdown = [
          `# Several DB-less Kong nodes (${scale.label})`,
          '',
          `Three kong-sim nodes (DB-less), ${scale.services} services x ${scale.perService} instances, RESYNC_INTERVAL=${scale.resync}, RETRY_MAX_INTERVAL=${scale.retryMax}, DBLESS_WATCH_INTERVAL=${scale.watch}; 2 request loops per node through its proxy.`,
          '',
          table(
            [
              'fault',
              'node',
              'empty or stale (ms)',
              'node answers not 200 meanwhile',
              'pushes to it / to the others',
              'other nodes: requests / failed',
            ],
            rows,
          ),
          '',
        ].join('\n');
        process.stdout.write(
          `kong nodes report: ${writeReport(`kong-nodes-${scale.label}`, markdown, rows)}\n`,
        );
      }
    });

    it('a node restarted empty under traffic gets the current configuration at the first reconcile that reaches it, pushed to it alone; the other nodes are never written to and never fail a request', async () => {
      const emptyMs: number[] = [];
      let askedByWatch = 0;
      for (let k = 0; k < scale.restarts; k += 1) {
        const victim = (2 + k) % 3;
        const others = [0, 1, 2].filter((i) => i !== victim);
        // Restarts land at random points of the watch's period, as they would in production.
        const placed = Date.now() + Math.random() * watchMs;
        await waitFor(() => Date.now() >= placed, {
          timeoutMs: watchMs + 1000,
          what: 'placement',
        });
        const hashes = await Promise.all(others.map((i) => statusHash(nodes[i]!.admin)));
        for (const i of others) nodes[i]!.sim.resetRequests();
        const othersBefore = others.map((i) => ({
          ok: traffic[i]!.ok,
          failed: traffic[i]!.failures.length,
        }));
        const victimFailuresBefore = traffic[victim]!.failures.length;

        await nodes[victim]!.stop();
        await nodes[victim]!.restart();
        const upAt = Date.now();
        await waitFor(() => servesAll(nodes[victim]!.proxy, services).catch(() => false), {
          timeoutMs: Math.min(watchMs, resyncMs * 1.1) + 20_000,
          intervalMs: 10,
          what: `node ${NAMES[victim]} serving every service again`,
        });
        const servedAt = Date.now();
        const reached = () =>
          nodeLines(logs, links[victim]!.url, upAt).filter(
            (l) => l.msg !== 'reconcile finished with errors',
          );
        await waitFor(() => reached().length >= 1, {
          timeoutMs: 10_000,
          what: 'the summary line of the reconcile that pushed',
        });
        // One more reconcile after the push must find nothing to do.
        await controller.reconcileOnce();
        const lines = reached();
        const asked = watchAsked(logs, links[victim]!.url, upAt, servedAt);
        if (asked) askedByWatch += 1;
        // The first reconcile that reached the node after it came back pushed to it.
        expect(lines[0]).toMatchObject({ writes: 1 });
        expect(lines.slice(1).every((l) => l.writes === 0)).toBe(true);
        expect(pushes(nodes[victim]!)).toBe(1);
        // The other nodes: not written to, same configuration, traffic undisturbed.
        for (const [n, i] of others.entries()) {
          expect({ node: NAMES[i], writes: nodes[i]!.sim.writeCount() }).toEqual({
            node: NAMES[i],
            writes: 0,
          });
          expect(await statusHash(nodes[i]!.admin)).toBe(hashes[n]);
          expect(traffic[i]!.failures.slice(othersBefore[n]!.failed)).toEqual([]);
        }
        // The restarted node holds exactly what the others hold.
        expect(await statusHash(nodes[victim]!.admin)).toBe(hashes[0]);
        const victimFailures = traffic[victim]!.failures.slice(victimFailuresBefore);
        expect(victimFailures.filter((f) => f.at > servedAt)).toEqual([]);

        emptyMs.push(servedAt - upAt);
        const othersRequests = others.reduce(
          (sum, i, n) => sum + traffic[i]!.ok - othersBefore[n]!.ok,
          0,
        );
        rows.push([
          `restarted empty (${asked ? `watch: ${asked}` : 'a reconcile came before the watch looked'})`,
          NAMES[victim]!,
          servedAt - upAt,
          victimFailures.filter((f) => f.at >= upAt).length,
          `${pushes(nodes[victim]!)} / 0`,
          `${othersRequests} / 0`,
        ]);
      }
      recordFigure(`kong-nodes-${scale.label}`, 'restarts', scale.restarts);
      recordFigure(`kong-nodes-${scale.label}`, 'pushes the node watch asked for', askedByWatch);
      if (scale.resyncOutlastsRun) expect(askedByWatch).toBe(scale.restarts);
      recordFigure(`kong-nodes-${scale.label}`, 'resync interval (ms)', resyncMs);
      recordFigure(
        `kong-nodes-${scale.label}`,
        'empty after restart, median (ms)',
        median(emptyMs),
      );
      recordFigure(
        `kong-nodes-${scale.label}`,
        'empty after restart, max (ms)',
        Math.max(...emptyMs),
      );
    });

    it('a node cut off from the controller serves its stale configuration (old routes working) until the link heals, then gets the current one pushed to it alone; the others get the change once each', async () => {
      const staleMs: number[] = [];
      for (let p = 0; p < scale.partitions; p += 1) {
        const victim = (2 + p) % 3;
        const others = [0, 1, 2].filter((i) => i !== victim);
        const fresh = `fresh-${p}`;
        for (const node of nodes) node.sim.resetRequests();
        const before = traffic.map((t) => ({ ok: t.ok, failed: t.failures.length }));

        links[victim]!.cut();
        const cutAt = Date.now();
        await register(fresh, 'i0');
        await waitFor(
          async () => {
            for (const i of others) if (!(await servesAll(nodes[i]!.proxy, [fresh]))) return false;
            return true;
          },
          { timeoutMs: 20_000, intervalMs: 10, what: 'the other nodes serving the new service' },
        );
        // Stale: the cut-off node does not know the new service.
        expect((await fetch(`${nodes[victim]!.proxy}/${fresh}/`)).status).toBe(404);
        await waitFor(() => Date.now() - cutAt >= scale.partitionMs, {
          timeoutMs: scale.partitionMs + 1000,
          what: 'the partition',
        });
        expect((await fetch(`${nodes[victim]!.proxy}/${fresh}/`)).status).toBe(404);
        links[victim]!.heal();
        const healedAt = Date.now();
        await waitFor(() => servesAll(nodes[victim]!.proxy, [fresh]).catch(() => false), {
          timeoutMs: 90_000,
          intervalMs: 10,
          what: `node ${NAMES[victim]} serving the new service after the link healed`,
        });
        const servedAt = Date.now();

        expect(pushes(nodes[victim]!)).toBe(1);
        for (const i of others)
          expect({ node: NAMES[i], pushes: pushes(nodes[i]!) }).toEqual({
            node: NAMES[i],
            pushes: 1,
          });
        const hashes = await Promise.all(nodes.map((n) => statusHash(n.admin)));
        expect(new Set(hashes).size).toBe(1);
        // Every node kept serving the services it knew, the cut-off one included.
        for (const i of [0, 1, 2])
          expect(traffic[i]!.failures.slice(before[i]!.failed)).toEqual([]);

        staleMs.push(servedAt - healedAt);
        rows.push([
          `Admin API cut off ${scale.partitionMs / 1000} s, a service added meanwhile`,
          NAMES[victim]!,
          `${servedAt - healedAt} after the link healed (${servedAt - cutAt} in all)`,
          '0 (404 for the new service only)',
          `${pushes(nodes[victim]!)} / 1 each`,
          `${others.reduce((s, i) => s + traffic[i]!.ok - before[i]!.ok, 0)} / 0`,
        ]);
      }
      recordFigure(
        `kong-nodes-${scale.label}`,
        'stale after the link healed, median (ms)',
        median(staleMs),
      );
      recordFigure(
        `kong-nodes-${scale.label}`,
        'stale after the link healed, max (ms)',
        Math.max(...staleMs),
      );
    });
  });
}
