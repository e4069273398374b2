/**
 * Registry throughput: heartbeat and register req/s and p50/p99 at 1, 16 and 64 connections,
 * against the HTTP ceiling (bare node:http), the storage ceiling (redis-benchmark running the
 * same commands) and etcd doing the same job through its HTTP JSON gateway.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ROOT } from '../lib/paths';
import type { Figure, Section } from '../lib/report';
import { adminToken, inParallel, registerInstance } from '../lib/registry-client';
import { run } from '../lib/procs';
import { startBareServer, startEtcd, startRedis, startRegistryProcess } from '../lib/services';
import { ratio } from '../lib/stats';
import { wrkPoint, type WrkPoint, type WrkRequest } from '../lib/wrk';

/** Options shared by every suite. */
export interface SuiteOptions {
  runs: number;
  durationSeconds: number;
  quick: boolean;
}

const CONNECTIONS = [1, 16, 64];
const POOL = { services: 100, perService: 10 };
const REGISTER_BODY = JSON.stringify({
  host: '10.1.0.1',
  port: 8080,
  version: '1.4.2',
  ttlSeconds: 3600,
  metadata: { zone: 'a' },
});
const LUA_DIR = join(ROOT, 'registry', 'lua');

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

interface RedisBenchResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/** One redis-benchmark run of one command; CSV columns of Redis 7. */
async function redisBenchmark(
  port: number,
  connections: number,
  args: string[],
): Promise<RedisBenchResult> {
  const requests = connections === 1 ? 20_000 : 100_000;
  const { stdout } = await run('redis-benchmark', [
    '-p',
    String(port),
    '-c',
    String(connections),
    '-n',
    String(requests),
    '-r',
    '1000',
    '--csv',
    ...args,
  ]);
  const last = stdout.trim().split('\n').pop() ?? '';
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  // The test name is the command line and may contain commas and quotes: read from the end.
  const cols = last
    .split(',')
    .slice(-7)
    .map((c) => c.replace(/"/g, ''));
  return { rps: Number(cols[0]), p50Ms: Number(cols[3]), p99Ms: Number(cols[5]) };
}

/**
 * CPU time (user + system, microseconds) a process has used so far, from /proc; null where there
 * is no /proc. CPU per request is the figure that survives a noisy machine: other processes
 * on the cores slow a run down, but hardly change what one request costs the server.
 */
function cpuMicros(pid: number): number | null {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return null;
  // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks * 10_000 : null; // USER_HZ is 100 on Linux
}

async function median3<T>(runs: number, f: () => Promise<T>, key: (t: T) => number): Promise<T> {
  const results: T[] = [];
  for (let i = 0; i < runs; i++) results.push(await f());
  results.sort((a, b) => key(a) - key(b));
  return results[Math.floor(results.length / 2)]!;
}

/** Runs the throughput benchmark; every server runs as its own process, wrk as another. */
export async function throughputSuite(options: SuiteOptions): Promise<Section> {
  const redis = await startRedis();
  const registry = await startRegistryProcess(redis.url);
  const etcd = await startEtcd();
  const token = adminToken();
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
  try {
    // The pool every heartbeat and re-registration cycles over (1,000 live instances).
    const ids = Array.from({ length: POOL.services * POOL.perService }, (_, i) => i);
    await inParallel(ids, 16, async (i) => {
      await registerInstance(
        registry.url,
        token,
        `bench-${i % POOL.services}`,
        `i-${Math.floor(i / POOL.services)}`,
        JSON.parse(REGISTER_BODY),
      );
    });
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
      heartbeat: {
        url: registry.url,
        pid: registry.pid,
        request: () => ({
          method: 'PUT',
          path: '/v1/services/{svc}/instances/{id}/heartbeat',
          headers: auth,
          pool,
        }),
      },
      register: {
        url: registry.url,
        pid: registry.pid,
        request: () => ({
          method: 'PUT',
          path: '/v1/services/{svc}/instances/{id}',
          body: REGISTER_BODY,
          headers: auth,
          pool,
        }),
      },
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
    const points: Record<string, Record<number, WrkPoint>> = {};
    /** Server CPU microseconds per operation, over all runs of a point. */
    const cpuPerOp: Record<string, Record<number, number | null>> = {};
    for (const c of CONNECTIONS) {
      for (const [name, target] of Object.entries(targets)) {
        points[name] ??= {};
        cpuPerOp[name] ??= {};
        const cpuBefore = cpuMicros(target.pid);
        const point = await wrkPoint(
          target.url,
          (r) => target.request(r, c),
          c,
          options.durationSeconds,
          options.runs,
        );
        const cpuAfter = cpuMicros(target.pid);
        const ops = point.runs.reduce((sum, r) => sum + r.opsPerSec * options.durationSeconds, 0);
        cpuPerOp[name][c] =
          cpuBefore === null || cpuAfter === null || ops === 0
            ? null
            : Math.round((cpuAfter - cpuBefore) / ops);
        points[name][c] = point;
        process.stderr.write(
          `  throughput ${name} c=${c}: ${point.opsPerSec} ops/s p99 ${point.p99Ms} ms, ${cpuPerOp[name][c] ?? '?'} us CPU/op\n`,
        );
      }
    }
    raw.wrk = points;
    raw.serverCpuMicrosPerOp = cpuPerOp;

    // Storage ceiling: the command one heartbeat issues (EVALSHA heartbeat.lua) and the one
    // register issues (EVALSHA register.lua), run by redis-benchmark against the same Redis.
    const hbSource = readFileSync(join(LUA_DIR, 'heartbeat.lua'), 'utf8');
    const regSource = readFileSync(join(LUA_DIR, 'register.lua'), 'utf8');
    const sha = (s: string) => createHash('sha1').update(s).digest('hex');
    await run('redis-cli', ['-p', String(redis.port), 'SCRIPT', 'LOAD', hbSource]);
    await run('redis-cli', ['-p', String(redis.port), 'SCRIPT', 'LOAD', regSource]);
    const instance = JSON.parse(heartbeatReply).instance as Record<string, unknown>;
    const definition = JSON.stringify(JSON.parse(heartbeatReply).definition);
    const farFuture = String(Date.now() + 3_000_000_000);
    // Pool for redis-benchmark: one service whose instance ids are what -r 1000 substitutes.
    const rbIds = Array.from({ length: 1000 }, (_, i) => `r-${String(i).padStart(12, '0')}`);
    await inParallel(rbIds, 16, async (id) => {
      await registerInstance(registry.url, token, 'rb', id, JSON.parse(REGISTER_BODY));
    });
    const hb = [
      'EVALSHA',
      sha(hbSource),
      '3',
      'kr:service:rb:instances',
      'kr:leases',
      'kr:service:rb:def',
      'r-__rand_int__',
      'rb/r-__rand_int__',
      String(Date.now()),
      new Date().toISOString(),
    ];
    const reg = [
      'EVALSHA',
      sha(regSource),
      '8',
      'kr:service:rb:instances',
      'kr:service:rb:def',
      'kr:leases',
      'kr:prefixes',
      'kr:services',
      'kr:revision',
      'kr:events',
      'kr:prefix-index',
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
      figures.push({
        metric: `bare HTTP c=${c}`,
        value: p('bare').opsPerSec,
        unit: 'req/s',
        target: `p50 ${p('bare').p50Ms} / p99 ${p('bare').p99Ms} ms`,
      });
      for (const op of OPERATIONS) {
        const own = p(op.name);
        const etcd = p(op.etcd);
        const ceiling = storage[op.storage]![c]!.rps;
        figures.push(
          {
            metric: `${op.name} c=${c}`,
            value: own.opsPerSec,
            unit: 'req/s',
            baseline: { name: 'bare HTTP', value: p('bare').opsPerSec },
            ratio: ratio(own.opsPerSec, p('bare').opsPerSec),
            target: `>= ${op.bareShare}x bare`,
            met: own.opsPerSec >= op.bareShare * p('bare').opsPerSec && own.errors === 0,
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
            metric: `${op.name} c=${c} vs Redis ceiling`,
            value: own.opsPerSec,
            unit: 'req/s',
            baseline: { name: op.storageLabel, value: Math.round(ceiling) },
            ratio: ratio(own.opsPerSec, ceiling),
          },
        );
      }
      for (const op of OPERATIONS) {
        figures.push({
          metric: `${op.name} c=${c} server CPU per request`,
          value: cpu(op.name),
          unit: 'us',
          baseline: { name: `etcd per ${op.cpuLabel}`, value: cpu(op.etcd) },
          ratio: ratio(cpu(op.name), cpu(op.etcd)),
        });
      }
      figures.push({
        metric: `bare HTTP c=${c} server CPU per request`,
        value: cpu('bare'),
        unit: 'us',
      });
      const errors = ['heartbeat', 'register', 'etcdKeepalive', 'etcdRegister', 'bare']
        .map((n) => `${n} ${p(n).errors}`)
        .join(', ');
      notes.push(`c=${c} errors (non-2xx, socket) over all runs: ${errors}.`);
    }
    notes.push(
      `wrk 1 thread, ${options.durationSeconds} s per run, median of ${options.runs} runs per point; all servers are separate processes on the same 2 cores.`,
      'Heartbeats and re-registrations cycle over 1,000 live instances (100 services x 10). etcd: keep-alive cycles over 1,000 leases; register = lease grant (client-chosen ID) + put with that lease, pipelined on one connection, counted as one operation.',
      'Redis ceiling: redis-benchmark runs the commands one request issues against the same Redis (heartbeat: EVALSHA heartbeat.lua; register: EVALSHA register.lua).',
      'Server CPU per request: user + system CPU time of the server process (/proc/<pid>/stat) over all runs of the point, divided by the requests served; robust to other load on the machine. etcd uses several threads, all counted; Redis is not included for the registry (see bench/profiles/registry-throughput.md).',
    );
    return { id: 'throughput', title: 'Registry throughput', figures, notes, raw };
  } finally {
    await Promise.all([registry.stop(), etcd.stop(), redis.stop()]);
  }
}
