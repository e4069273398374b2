/**
 * What REGISTRY_REDIS_MIN_REPLICAS_ACK costs: register req/s and latency at 1, 16 and 64
 * connections, with the registry's default (replication left asynchronous) and with
 * REGISTRY_REDIS_MIN_REPLICAS_ACK=1 (a WAIT for one replica after each registration batch), on
 * a master with one replica. Twice: the replica on loopback, and behind a link that holds the
 * replication stream back a few milliseconds each way (test/helpers/laggy-link.ts), as a replica
 * in another zone. Both registries of a pair share the Redis and the instance pool.
 */
import { POOL, REGISTER_BODY, registerPool } from '../lib/instance-pool';
import { startLaggyLink } from '../../../test/helpers/laggy-link';
import { startRedisServer } from '../../../test/helpers/redis';
import { waitFor } from '../../../test/helpers/wait';
import { run, track } from '../lib/procs';
import { adminToken } from '../lib/registry-client';
import type { Figure, Section, SuiteOptions } from '../lib/report';
import { startRegistryProcess } from '../lib/services';
import { ratio } from '../lib/stats';
import { wrkOnce, wrkPoint, type WrkPoint, type WrkRequest } from '../lib/wrk';

const CONNECTIONS = [1, 16, 64];
const WAIT_ENV = {
  REGISTRY_REDIS_MIN_REPLICAS_ACK: '1',
  REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS: '1000',
};
/** Link lag each way of the "remote replica" case, in ms. */
const LAG_MS = 2;

/** Replicas of `port` past their first sync. */
async function onlineReplicas(port: number): Promise<number> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'INFO', 'replication']);
  return stdout.match(/state=online/g)?.length ?? 0;
}

/** Runs the replication benchmark. */
export async function replicationSuite(options: SuiteOptions): Promise<Section> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
  const token = adminToken();
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const request = (): WrkRequest => ({
    method: 'PUT',
    path: '/v1/services/{svc}/instances/{id}',
    body: REGISTER_BODY,
    headers: auth,
    pool: POOL,
  });

  for (const lagMs of [0, LAG_MS]) {
    const label = lagMs === 0 ? 'replica on loopback' : `replica link +${lagMs} ms each way`;
    const master = track(
      await startRedisServer({
        args: ['--repl-diskless-sync-delay', '0', '--loglevel', 'warning'],
      }),
    );
    const link = lagMs > 0 ? await startLaggyLink(master.port, lagMs) : undefined;
    const address = link?.port ?? master.port;
    const replica = track(
      await startRedisServer({
        args: ['--replicaof', '127.0.0.1', String(address), '--loglevel', 'warning'],
      }),
    );
    await waitFor(async () => (await onlineReplicas(master.port)) === 1, {
      what: 'the replica in sync',
      timeoutMs: 20_000,
    });
    const url = `redis://127.0.0.1:${address}`;
    const plain = await startRegistryProcess(url);
    const waiting = await startRegistryProcess(url, { env: WAIT_ENV });
    try {
      // The pool every heartbeat and re-registration cycles over (1,000 live instances).
      await registerPool(plain.url, token);
      for (const target of [plain, waiting]) await wrkOnce(target.url, request(), 16, 2);
      const points: Record<string, Record<number, WrkPoint>> = { plain: {}, waiting: {} };
      for (const c of CONNECTIONS) {
        // Each variant right after the other, so a pair shares the machine's conditions.
        points.plain![c] = await wrkPoint(
          plain.url,
          request,
          c,
          options.durationSeconds,
          options.runs,
        );
        points.waiting![c] = await wrkPoint(
          waiting.url,
          request,
          c,
          options.durationSeconds,
          options.runs,
        );
        const [a, b] = [points.plain![c]!, points.waiting![c]!];
        process.stderr.write(
          `  replication ${label} c=${c}: ${a.opsPerSec} -> ${b.opsPerSec} req/s, p99 ${a.p99Ms} -> ${b.p99Ms} ms\n`,
        );
        figures.push({
          metric: `register c=${c}, ${label}, REGISTRY_REDIS_MIN_REPLICAS_ACK=1`,
          value: b.opsPerSec,
          unit: 'req/s',
          baseline: { name: 'default (no WAIT)', value: a.opsPerSec },
          ratio: ratio(b.opsPerSec, a.opsPerSec),
          target: `p50 ${b.p50Ms} / p99 ${b.p99Ms} ms (default ${a.p50Ms} / ${a.p99Ms} ms)`,
          met: b.errors === 0 ? null : false,
        });
      }
      raw[label] = points;
    } finally {
      await waiting.stop();
      await plain.stop();
      await link?.close();
      await replica.stop();
      await master.stop();
    }
  }
  notes.push(
    'Same registry build, same Redis and pool; the only difference is REGISTRY_REDIS_MIN_REPLICAS_ACK=1 (timeout 1000 ms): after each register.lua batch the registry sends WAIT 1 on a connection of its own, one batch at a time, so registrations that arrive meanwhile share the next batch and its WAIT.',
    `The lagged case holds the replication stream ${LAG_MS} ms each way (a WAIT then costs about ${2 * LAG_MS} ms); clients reach the master through the same link without delay, in both variants.`,
  );
  return {
    id: 'replication',
    title: 'Registrations confirmed by a replica (REGISTRY_REDIS_MIN_REPLICAS_ACK)',
    figures,
    notes,
    raw,
  };
}
