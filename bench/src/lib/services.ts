import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../test/helpers/ports';
import { startRedisServer, type RedisServerHandle } from '../../../test/helpers/redis';
import { waitFor } from '../../../test/helpers/wait';
import { ROOT } from './paths';
import { startProcess, track, type Proc } from './procs';

/** The `kong-registry` CLI, run as a real process as in production. */
export const CLI = join(ROOT, 'cli', 'bin', 'kong-registry.js');
/** HS256 secret shared by the bench registry and the tokens it mints. */
export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

/** A running server process and where it listens. */
export interface Server extends Proc {
  url: string;
  port: number;
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url);
  return res.ok;
}

/** redis-server on a free port, no persistence: the tests' starter, stopped by stopAll() too. */
export async function startRedis(): Promise<RedisServerHandle> {
  return track(await startRedisServer({ args: ['--loglevel', 'warning'] }));
}

/** Environment of a bench registry: the rate limiter stays on but cannot bind at bench rates. */
export function registryEnv(redisUrl: string, port: number, extra: Record<string, string> = {}) {
  return {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_URL: redisUrl,
    REGISTRY_JWT_SECRET: BENCH_JWT_SECRET,
    REGISTRY_KEY_PREFIX: 'kr:',
    REGISTRY_RATE_LIMIT_PER_SECOND: '100000',
    REGISTRY_RATE_LIMIT_BURST: '1000000',
    REGISTRY_LEASE_MAX_TTL_SECONDS: '3600',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** `kong-registry registry` as a real process; `nodeArgs` e.g. ['--cpu-prof']. */
export async function startRegistryProcess(
  redisUrl: string,
  options: { nodeArgs?: string[]; env?: Record<string, string>; cwd?: string } = {},
): Promise<Server> {
  const port = await freePort();
  const proc = startProcess(
    'registry',
    process.execPath,
    [...(options.nodeArgs ?? []), CLI, 'registry'],
    {
      env: registryEnv(redisUrl, port, options.env),
      cwd: options.cwd ?? ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => httpOk(`${url}/readyz`), {
    timeoutMs: 20_000,
    intervalMs: 20,
    what: 'registry /readyz',
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  return { ...proc, url, port };
}

/**
 * `kong-registry controller` as a real process in DB mode with its defaults, its status listener
 * on `metricsPort`; `env` adds or overrides settings.
 */
export function startControllerProcess(
  registryUrl: string,
  token: string,
  kongAdmin: string,
  metricsPort: number,
  env: Record<string, string> = {},
): Proc {
  return startProcess('controller', process.execPath, [CLI, 'controller'], {
    env: {
      ...process.env,
      REGISTRY_URL: registryUrl,
      REGISTRY_TOKEN: token,
      KONG_ADMIN_URL: kongAdmin,
      KONG_MODE: 'db',
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
}

/** The bare Node http server (bench/src/bare-server.ts) answering a fixed JSON body. */
export async function startBareServer(body: string): Promise<Server> {
  const port = await freePort();
  const proc = startProcess(
    'bare-http',
    process.execPath,
    [join(__dirname, '..', 'bare-server.js')],
    {
      env: { ...process.env, PORT: String(port), BODY: body },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => httpOk(url), { timeoutMs: 10_000, intervalMs: 20, what: 'bare http server' });
  return { ...proc, url, port };
}

/** etcd on loopback free ports with a data dir in tmpfs (/dev/shm), like Redis without persistence. */
export async function startEtcd(): Promise<Server> {
  const [client, peer] = [await freePort(), await freePort()];
  const base = process.platform === 'linux' ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'bench-etcd-'));
  const proc = startProcess('etcd', 'etcd', [
    '--name',
    'bench',
    '--data-dir',
    dir,
    '--listen-client-urls',
    `http://127.0.0.1:${client}`,
    '--advertise-client-urls',
    `http://127.0.0.1:${client}`,
    '--listen-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-cluster',
    `bench=http://127.0.0.1:${peer}`,
    '--log-level',
    'warn',
  ]);
  const url = `http://127.0.0.1:${client}`;
  await waitFor(() => httpOk(`${url}/health`), {
    timeoutMs: 20_000,
    intervalMs: 20,
    what: 'etcd /health',
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  const stop = proc.stop;
  return {
    ...proc,
    url,
    port: client,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
