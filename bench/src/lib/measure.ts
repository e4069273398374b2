/** Measuring tools of the throughput suite: redis-benchmark runs, process CPU, medians of runs. */
import { existsSync, readFileSync } from 'node:fs';
import { run } from './procs';

export interface RedisBenchResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/** One redis-benchmark run of one command; CSV columns of Redis 7. */
export async function redisBenchmark(
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
export function cpuMicros(pid: number): number | null {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return null;
  // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks * 10_000 : null; // USER_HZ is 100 on Linux
}

/** The median result of `runs` runs of `f`, ordered by `key`. */
export async function median3<T>(
  runs: number,
  f: () => Promise<T>,
  key: (t: T) => number,
): Promise<T> {
  const results: T[] = [];
  for (let i = 0; i < runs; i++) results.push(await f());
  results.sort((a, b) => key(a) - key(b));
  return results[Math.floor(results.length / 2)]!;
}
