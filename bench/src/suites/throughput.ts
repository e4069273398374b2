/**
 * Registry throughput: heartbeat and register req/s and p50/p99 at 1, 16 and 64 connections,
 * against the HTTP ceiling (bare node:http), the storage ceiling (redis-benchmark running the
 * same commands) and etcd doing the same job through its HTTP JSON gateway. Each registry
 * operation runs twice in the same run: with the default coalescing of Redis calls
 * (REGISTRY_REDIS_BATCH_MAX unset) and with REGISTRY_REDIS_BATCH_MAX=1 (one call per request),
 * on a second registry process sharing the same Redis and instance pool.
 */
import { POOL, REGISTER_BODY, registerPool } from '../lib/instance-pool';
import { cpuMicros, median3, redisBenchmark, type RedisBenchResult } from '../lib/measure';
import type { Figure, Section, SuiteOptions } from '../lib/report';
import { adminToken, inParallel, registerInstance } from '../lib/registry-client';
import { run } from '../lib/procs';
import { startBareServer, startEtcd, startRedis, startRegistryProcess } from '../lib/services';
import { ratio } from '../lib/stats';
import { DEFAULT_REDIS_BATCH_MAX, SCRIPTS } from '@kong-registry/registry';
import { DEFAULT_HEARTBEAT_INTERVAL_SECONDS, DEFAULT_LEASE_TTL_SECONDS } from '@kong-registry/sdk';
import { wrkOnce, wrkPoint, type WrkPoint, type WrkRequest } from '../lib/wrk';

const CONNECTIONS = [1, 16, 64];
/** The registry variants of the A/B: the default, and one Redis call per request. */
const UNBATCHED_ENV = { REGISTRY_REDIS_BATCH_MAX: '1' };
const UNBATCHED = 'REGISTRY_REDIS_BATCH_MAX=1';
const BATCHED = `coalesced (default REGISTRY_REDIS_BATCH_MAX=${DEFAULT_REDIS_BATCH_MAX})`;
/** Seconds of load on each registry variant before the measured points. */
const WARM_UP_SECONDS = 2;
/** What users plan with: instances one core (registry + Redis) keeps alive, at this p99. */
const INSTANCES_PER_CORE_TARGET = 50_000;
const CAPACITY_P99_MS = 10;

/** The two registry operations, their targets and the baselines each is compared with. */
const OPERATIONS = [
  {
    name: 'heartbeat',
    bareShare: 0.6,
    etcd: 'etcdKeepalive',
    etcdLabel: 'etcd keep-alive',
    cpuLabel: 'keep-alive',
    storage: 'heartbeatScript',
    storageLabel: 'EVALSHA heartbeat',
  },
  {
    name: 'register',
    bareShare: 0.4,
    etcd: 'etcdRegister',
    etcdLabel: 'etcd grant+put',
    cpuLabel: 'grant+put',
    storage: 'registerScript',
    storageLabel: 'EVALSHA register',
  },
] as const;

/** Runs the throughput benchmark; every server runs as its own process, wrk as another. */
export async function throughputSuite(options: SuiteOptions): Promise<Section> {
  const redis = await startRedis();
  const registry = await startRegistryProcess(redis.url);
  const unbatched = await startRegistryProcess(redis.url, { env: UNBATCHED_ENV });
  const etcd = await startEtcd();
  const token = adminToken();
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
  try {
    // The pool every heartbeat and re-registration cycles over (1,000 live instances).
    await registerPool(registry.url, token);
    // The bare server answers exactly what a heartbeat answers, byte for byte in size.
    const sample = await fetch(`${registry.url}/v1/services/bench-0/instances/i-0/heartbeat`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
    });
    const heartbeatReply = await sample.text();
    const bare = await startBareServer(heartbeatReply);
    notes.push(`Heartbeat reply and bare-server body: ${Buffer.byteLength(heartbeatReply)} bytes.`);

    // etcd: 1,000 leases for keep-alive, as the registry has 1,000 instances.
    for (let id = 1; id <= 1000; id++) {
      const res = await fetch(`${etcd.url}/v3/lease/grant`, {
        method: 'POST',
        body: JSON.stringify({ TTL: 3600, ID: id }),
      });
      await res.text();
    }
    const instanceJson = Buffer.from(
      JSON.parse(heartbeatReply).instance
        ? JSON.stringify(JSON.parse(heartbeatReply).instance)
        : '{}',
    ).toString('base64');

    const pool = { services: POOL.services, perService: POOL.perService };
    const heartbeatRequest = (): WrkRequest => ({
      method: 'PUT',
      path: '/v1/services/{svc}/instances/{id}/heartbeat',
      headers: auth,
      pool,
    });
    const registerRequest = (): WrkRequest => ({
      method: 'PUT',
      path: '/v1/services/{svc}/instances/{id}',
      body: REGISTER_BODY,
      headers: auth,
      pool,
    });
    // Each variant right after the other, so the A/B pairs share the machine's conditions.
    const targets: Record<
      string,
      { url: string; pid: number; request: (run: number, c: number) => WrkRequest }
    > = {
      bare: {
        url: bare.url,
        pid: bare.pid,
        request: () => ({
          method: 'PUT',
          path: '/v1/services/{svc}/instances/{id}/heartbeat',
          headers: auth,
          pool,
        }),
      },
      heartbeat: { url: registry.url, pid: registry.pid, request: heartbeatRequest },
      heartbeatUnbatched: { url: unbatched.url, pid: unbatched.pid, request: heartbeatRequest },
      register: { url: registry.url, pid: registry.pid, request: registerRequest },
      registerUnbatched: { url: unbatched.url, pid: unbatched.pid, request: registerRequest },
      etcdKeepalive: {
        url: etcd.url,
        pid: etcd.pid,
        request: () => ({ method: 'POST', path: '/v3/lease/keepalive', body: '{"ID":{i}}', pool }),
      },
      etcdRegister: {
        url: etcd.url,
        pid: etcd.pid,
        request: (r, c) => ({
          method: 'POST',
          path: '/v3/lease/grant',
          body: '{"TTL":3600,"ID":{n}}',
          then: {
            method: 'POST',
            path: '/v3/kv/put',
            body: `{"key":"{b64key}","value":"${instanceJson}","lease":{n}}`,
          },
          pool,
          offset: 1_000_000 * (1 + r + 10 * c),
        }),
      },
    };
    // Both registries warm up alike (the default one filled the pool; the other served nothing
    // yet), so neither variant is measured while V8 still compiles its hot lane.
    for (const name of ['heartbeat', 'heartbeatUnbatched', 'register', 'registerUnbatched']) {
      const target = targets[name]!;
      await wrkOnce(target.url, target.request(0, 16), 16, WARM_UP_SECONDS);
    }
    const points: Record<string, Record<number, WrkPoint>> = {};
    /** Server CPU microseconds per operation, over all runs of a point. */
    const cpuPerOp: Record<string, Record<number, number | null>> = {};
    /** redis-server's CPU microseconds per operation over the same runs (registry targets). */
    const redisCpuPerOp: Record<string, Record<number, number | null>> = {};
    const perOp = (before: number | null, after: number | null, ops: number): number | null =>
      before === null || after === null || ops === 0 ? null : Math.round((after - before) / ops);
    for (const c of CONNECTIONS) {
      for (const [name, target] of Object.entries(targets)) {
        points[name] ??= {};
        cpuPerOp[name] ??= {};
        redisCpuPerOp[name] ??= {};
        const cpuBefore = cpuMicros(target.pid);
        const redisBefore = cpuMicros(redis.pid);
        const point = await wrkPoint(
          target.url,
          (r) => target.request(r, c),
          c,
          options.durationSeconds,
          options.runs,
        );
        const cpuAfter = cpuMicros(target.pid);
        const redisAfter = cpuMicros(redis.pid);
        const ops = point.runs.reduce((sum, r) => sum + r.opsPerSec * options.durationSeconds, 0);
        cpuPerOp[name][c] = perOp(cpuBefore, cpuAfter, ops);
        redisCpuPerOp[name][c] = perOp(redisBefore, redisAfter, ops);
        points[name][c] = point;
        process.stderr.write(
          `  throughput ${name} c=${c}: ${point.opsPerSec} ops/s p99 ${point.p99Ms} ms, ${cpuPerOp[name][c] ?? '?'} us CPU/op (+ Redis ${redisCpuPerOp[name][c] ?? '?'} us)\n`,
        );
      }
    }
    raw.wrk = points;
    raw.serverCpuMicrosPerOp = cpuPerOp;
    raw.redisCpuMicrosPerOp = redisCpuPerOp;

    // Storage ceiling: the command one heartbeat issues (EVALSHA heartbeat.lua) and the one
    // register issues (EVALSHA register.lua), run by redis-benchmark against the same Redis.
    // The sources as the registry sends them (writing scripts carry the schema prelude).
    const { heartbeat: hbScript, register: regScript } = SCRIPTS;
    await run('redis-cli', ['-p', String(redis.port), 'SCRIPT', 'LOAD', hbScript.source]);
    await run('redis-cli', ['-p', String(redis.port), 'SCRIPT', 'LOAD', regScript.source]);
    const instance = JSON.parse(heartbeatReply).instance as Record<string, unknown>;
    const definition = JSON.stringify(JSON.parse(heartbeatReply).definition);
    const farFuture = String(Date.now() + 3_000_000_000);
    // Pool for redis-benchmark: one service whose instance ids are what -r 1000 substitutes.
    const rbIds = Array.from({ length: 1000 }, (_, i) => `r-${String(i).padStart(12, '0')}`);
    await inParallel(rbIds, 16, async (id) => {
      await registerInstance(registry.url, token, 'rb', id, JSON.parse(REGISTER_BODY));
    });
    // A batch of one (the scripts take n calls; KEYS/ARGV layout in their headers).
    const hb = [
      'EVALSHA',
      hbScript.sha,
      '6',
      'kr:leases',
      'kr:schema',
      'kr:revision',
      'kr:events',
      'kr:service:rb:instances',
      'kr:service:rb:def',
      'rb',
      'r-__rand_int__',
      'rb/r-__rand_int__',
      String(Date.now()),
      new Date().toISOString(),
      '', // no self-health: keep the stored one
      '10000', // events MAXLEN
    ];
    const reg = [
      'EVALSHA',
      regScript.sha,
      '9',
      'kr:leases',
      'kr:prefixes',
      'kr:services',
      'kr:revision',
      'kr:events',
      'kr:prefix-index',
      'kr:schema',
      'kr:service:rb:instances',
      'kr:service:rb:def',
      'rb',
      'r-__rand_int__',
      JSON.stringify({ ...instance, service: 'rb' }),
      definition.replace('"/bench-0"', '"/rb"'),
      '/rb',
      'rb/r-__rand_int__',
      farFuture,
      String(Date.now()),
      '10000',
      new Date().toISOString(),
      '1', // ARGV[11]: overlap allowed (admin), as the bench registers with an admin token
    ];
    const storage: Record<string, Record<number, RedisBenchResult>> = {
      heartbeatScript: {},
      registerScript: {},
    };
    for (const c of CONNECTIONS) {
      storage.heartbeatScript![c] = await median3(
        options.runs,
        () => redisBenchmark(redis.port, c, hb),
        (r) => r.rps,
      );
      storage.registerScript![c] = await median3(
        options.runs,
        () => redisBenchmark(redis.port, c, reg),
        (r) => r.rps,
      );
    }
    raw.redisBenchmark = storage;
    await bare.stop();

    const figures: Figure[] = [];
    for (const c of CONNECTIONS) {
      const p = (name: string) => points[name]![c]!;
      const cpu = (name: string) => cpuPerOp[name]?.[c] ?? null;
      const redisCpu = (name: string) => redisCpuPerOp[name]?.[c] ?? null;
      /** Registry + Redis CPU per request: what one request costs the machine's cores. */
      const totalCpu = (name: string) => {
        const own = cpu(name);
        const store = redisCpu(name);
        return own === null || store === null ? null : own + store;
      };
      const bareRps = p('bare').opsPerSec;
      figures.push({
        metric: `bare HTTP c=${c}`,
        value: bareRps,
        unit: 'req/s',
        target: `p50 ${p('bare').p50Ms} / p99 ${p('bare').p99Ms} ms`,
      });
      for (const op of OPERATIONS) {
        const own = p(op.name);
        const single = p(`${op.name}Unbatched`);
        const etcd = p(op.etcd);
        const ceiling = storage[op.storage]![c]!.rps;
        figures.push(
          {
            metric: `${op.name} c=${c}`,
            value: own.opsPerSec,
            unit: 'req/s',
            baseline: { name: 'bare HTTP', value: bareRps },
            ratio: ratio(own.opsPerSec, bareRps),
            target: `>= ${op.bareShare}x bare`,
            met: own.opsPerSec >= op.bareShare * bareRps && own.errors === 0,
          },
          {
            metric: `${op.name} c=${c}, ${UNBATCHED}`,
            value: single.opsPerSec,
            unit: 'req/s',
            baseline: { name: 'bare HTTP', value: bareRps },
            ratio: ratio(single.opsPerSec, bareRps),
            target: `>= ${op.bareShare}x bare`,
            met: single.opsPerSec >= op.bareShare * bareRps && single.errors === 0,
          },
          {
            metric: `${op.name} c=${c} vs ${op.etcdLabel}`,
            value: own.opsPerSec,
            unit: 'req/s',
            baseline: { name: 'etcd', value: etcd.opsPerSec },
            ratio: ratio(own.opsPerSec, etcd.opsPerSec),
            target: '>= etcd',
            met: own.opsPerSec >= etcd.opsPerSec,
          },
          {
            metric: `${op.name} c=${c} latency p50/p99`,
            value: own.p50Ms,
            unit: `ms / ${own.p99Ms} ms`,
            baseline: { name: 'etcd p50', value: etcd.p50Ms },
            ratio: ratio(own.p50Ms, etcd.p50Ms),
          },
          {
            metric: `${op.name} c=${c} latency p50/p99, ${UNBATCHED}`,
            value: single.p50Ms,
            unit: `ms / ${single.p99Ms} ms`,
            baseline: { name: 'coalesced p50', value: own.p50Ms },
            ratio: ratio(single.p50Ms, own.p50Ms),
          },
          {
            metric: `${op.name} c=${c} vs Redis ceiling`,
            value: own.opsPerSec,
            unit: 'req/s',
            baseline: { name: op.storageLabel, value: Math.round(ceiling) },
            ratio: ratio(own.opsPerSec, ceiling),
          },
        );
      }
      for (const op of OPERATIONS) {
        const single = `${op.name}Unbatched`;
        figures.push(
          {
            metric: `${op.name} c=${c} server CPU per request`,
            value: cpu(op.name),
            unit: 'us',
            baseline: { name: `etcd per ${op.cpuLabel}`, value: cpu(op.etcd) },
            ratio: ratio(cpu(op.name), cpu(op.etcd)),
          },
          {
            metric: `${op.name} c=${c} server CPU per request, ${UNBATCHED}`,
            value: cpu(single),
            unit: 'us',
            baseline: { name: 'coalesced', value: cpu(op.name) },
            ratio: ratio(cpu(single), cpu(op.name)),
          },
          {
            metric: `${op.name} c=${c} registry + Redis CPU per request`,
            value: totalCpu(op.name),
            unit: `us (Redis ${redisCpu(op.name) ?? '?'})`,
            baseline: { name: UNBATCHED, value: totalCpu(single) },
            ratio: ratio(totalCpu(op.name), totalCpu(single)),
          },
        );
      }
      figures.push({
        metric: `bare HTTP c=${c} server CPU per request`,
        value: cpu('bare'),
        unit: 'us',
      });
      // What users plan with: one core's worth of registry + Redis CPU, spent on heartbeats
      // every DEFAULT_HEARTBEAT_INTERVAL_SECONDS (a third of the default TTL).
      for (const [name, label] of [
        ['heartbeat', BATCHED],
        ['heartbeatUnbatched', UNBATCHED],
      ] as const) {
        const perHeartbeat = totalCpu(name);
        const instances =
          perHeartbeat === null || perHeartbeat === 0
            ? null
            : Math.round((DEFAULT_HEARTBEAT_INTERVAL_SECONDS * 1e6) / perHeartbeat);
        figures.push({
          metric: `instances per core c=${c}, ${label}`,
          value: instances,
          unit: `instances (${perHeartbeat ?? '?'} us registry + Redis per heartbeat, p99 ${p(name).p99Ms} ms)`,
          target: `>= ${INSTANCES_PER_CORE_TARGET.toLocaleString('en-US')} at p99 < ${CAPACITY_P99_MS} ms`,
          met:
            instances === null
              ? null
              : instances >= INSTANCES_PER_CORE_TARGET && p(name).p99Ms < CAPACITY_P99_MS,
        });
      }
      const errors = [
        'heartbeat',
        'heartbeatUnbatched',
        'register',
        'registerUnbatched',
        'etcdKeepalive',
        'etcdRegister',
        'bare',
      ]
        .map((n) => `${n} ${p(n).errors}`)
        .join(', ');
      notes.push(`c=${c} errors (non-2xx, socket) over all runs: ${errors}.`);
    }
    notes.push(
      `wrk 1 thread, ${options.durationSeconds} s per run, median of ${options.runs} runs per point; all servers are separate processes on the same 2 cores.`,
      'Heartbeats and re-registrations cycle over 1,000 live instances (100 services x 10). etcd: keep-alive cycles over 1,000 leases; register = lease grant (client-chosen ID) + put with that lease, pipelined on one connection, counted as one operation.',
      `A/B in the same run: the registry with its default ${BATCHED}: the heartbeats (registrations) of one event-loop turn go to Redis as one script call, and a second registry process with ${UNBATCHED} (one call per request) on the same Redis and pool; each point runs the two one after the other.`,
      'Redis ceiling: redis-benchmark runs the commands one request issues against the same Redis (heartbeat: EVALSHA heartbeat.lua; register: EVALSHA register.lua; each a batch of one).',
      "Server CPU per request: user + system CPU time of the server process (/proc/<pid>/stat) over all runs of the point, divided by the requests served; robust to other load on the machine. etcd uses several threads, all counted. 'registry + Redis' adds redis-server's CPU over the same runs (/proc/<pid>/stat).",
      `Instances per core: ${DEFAULT_HEARTBEAT_INTERVAL_SECONDS} s (the SDK's default heartbeat interval, a third of the default ${DEFAULT_LEASE_TTL_SECONDS} s TTL) x 1,000,000 us / (registry + Redis CPU per heartbeat): the instances whose heartbeats one core keeps up with; the p99 is that point's (the load there is wrk's, not the fleet's).`,
    );
    return { id: 'throughput', title: 'Registry throughput', figures, notes, raw };
  } finally {
    await Promise.all([registry.stop(), unbatched.stop(), etcd.stop(), redis.stop()]);
  }
}
