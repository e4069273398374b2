import { join } from 'node:path';
import { BENCH_DIR } from './paths';
import { median } from './stats';
import { run } from './procs';

const SCRIPT = join(BENCH_DIR, 'lua', 'load.lua');

/** One request shape for wrk (see bench/lua/load.lua for the placeholders). */
export interface WrkRequest {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** A second request sent pipelined on the same connection (etcd: grant then put). */
  then?: { method: string; path: string; body?: string };
  pool?: { services: number; perService: number };
  offset?: number;
}

/** What one wrk run measured. Latency is per operation (both pipelined requests). */
export interface WrkRun {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Median of several runs at one point. */
export interface WrkPoint extends WrkRun {
  runs: WrkRun[];
}

interface WrkJson {
  requests: number;
  durationUs: number;
  non2xx: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  timeouts: number;
  p50Us: number;
  p99Us: number;
}

/** Runs wrk once (one thread: the machine has two cores and the server needs them). */
export async function wrkOnce(
  url: string,
  request: WrkRequest,
  connections: number,
  durationSeconds: number,
): Promise<WrkRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_METHOD: request.method,
    BENCH_PATH: request.path,
    BENCH_HEADERS: Object.entries(request.headers ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('|'),
    BENCH_POOL_SERVICES: String(request.pool?.services ?? 1),
    BENCH_POOL_PER: String(request.pool?.perService ?? 1),
    BENCH_OFFSET: String(request.offset ?? 0),
  };
  if (request.body !== undefined) env.BENCH_BODY = request.body;
  if (request.then) {
    env.BENCH_PIPELINE_METHOD = request.then.method;
    env.BENCH_PIPELINE_PATH = request.then.path;
    if (request.then.body !== undefined) env.BENCH_PIPELINE_BODY = request.then.body;
  }
  const { stdout } = await run(
    'wrk',
    ['-t1', `-c${connections}`, `-d${durationSeconds}s`, '--timeout', '10s', '-s', SCRIPT, url],
    { env },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const json = JSON.parse(line.slice('BENCH_JSON '.length)) as WrkJson;
  const perOp = request.then ? 2 : 1;
  return {
    opsPerSec: Math.round(json.requests / perOp / (json.durationUs / 1e6)),
    p50Ms: json.p50Us / 1000,
    p99Ms: json.p99Us / 1000,
    errors: json.non2xx + json.connectErrors + json.readErrors + json.writeErrors + json.timeouts,
  };
}

/** Several wrk runs at one point; the medians of each figure. */
export async function wrkPoint(
  url: string,
  request: (runIndex: number) => WrkRequest,
  connections: number,
  durationSeconds: number,
  runs: number,
): Promise<WrkPoint> {
  const results: WrkRun[] = [];
  for (let i = 0; i < runs; i++) {
    results.push(await wrkOnce(url, request(i), connections, durationSeconds));
  }
  return {
    opsPerSec: median(results.map((r) => r.opsPerSec)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    runs: results,
  };
}
