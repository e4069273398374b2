/**
 * The infrastructure processes of the demo: redis-server, kong-sim, the registry and the
 * controller. Each starter spawns a real child process and resolves once it is ready.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedChild, jsonLine, type LogSink } from './child';
import type { DemoConfig } from './config';
import { callJson, pollUntil } from './http';
import { ENTRY_POINTS } from './paths';

/** How long a process may take to come up before the demo gives up. */
const START_TIMEOUT_MS = 20_000;

/** A TCP port on loopback that nothing listens on right now. */
// Not test/helpers/ports.ts: this ships in the published CLI, and test/helpers is not shipped.
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object'
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Waits for `ready`, failing at once (with its last output) when `child` exits first. */
async function untilExit<T>(child: ManagedChild, ready: Promise<T>): Promise<T> {
  const exited = child.exited.then((code) => {
    throw new Error(
      `${child.name} exited (${code}) before it was ready; last output:\n${child.tail()}`,
    );
  });
  exited.catch(() => undefined);
  return Promise.race([ready, exited]);
}

/** A throwaway redis-server and the folder it runs in (removed by `cleanup`). */
export interface RedisProcess {
  child: ManagedChild;
  url: string;
  cleanup(): void;
}

/** Starts redis-server on a free loopback port, without persistence. */
// Not test/helpers/redis.ts: this ships in the published CLI, and test/helpers is not shipped.
export async function startRedisProcess(config: DemoConfig, sink: LogSink): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kong-registry-demo-redis-'));
  const child = new ManagedChild(
    {
      name: 'redis',
      command: 'redis-server',
      args: [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--loglevel',
        'notice',
      ],
      env: config.baseEnv,
    },
    sink,
  );
  try {
    await child.waitForLine(
      (line) => (line.includes('Ready to accept connections') ? true : undefined),
      START_TIMEOUT_MS,
      'ready line (is redis-server installed? scripts/demo.sh installs it with apt-get)',
    );
  } catch (err) {
    await child.stop(1000);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    child,
    url: `redis://127.0.0.1:${port}`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** kong-sim as a child process with the URLs it printed. */
export interface KongSimProcess {
  child: ManagedChild;
  admin: string;
  proxy: string;
}

/** Starts kong-sim (DB mode) and reads its ready line `{"admin":...,"proxy":...}`. */
export async function startKongSimProcess(
  config: DemoConfig,
  sink: LogSink,
): Promise<KongSimProcess> {
  const child = new ManagedChild(
    {
      name: 'kong-sim',
      command: process.execPath,
      args: [
        ENTRY_POINTS.kongSim,
        '--admin-port',
        String(config.ports.admin),
        '--proxy-port',
        String(config.ports.proxy),
        // Kong's http2 listener flag: the greeter example's gRPC calls come as h2c.
        '--proxy-http2',
        '--worker-state-update-frequency',
        String(config.timings.kongWorkerStateUpdateFrequency),
        '--log-level',
        config.logLevel === 'debug' || config.logLevel === 'trace' ? 'debug' : 'info',
      ],
      env: config.baseEnv,
    },
    sink,
  );
  const ready = await child.waitForLine(
    (line, stream) => jsonLine<{ admin?: string; proxy?: string }>(line, stream),
    START_TIMEOUT_MS,
    'ready line',
  );
  if (!ready.admin || !ready.proxy)
    throw new Error(`kong-sim ready line lacks URLs: ${JSON.stringify(ready)}`);
  return { child, admin: ready.admin, proxy: ready.proxy };
}

/** The registry child and its base URL. */
export interface RegistryProcess {
  child: ManagedChild;
  url: string;
}

/** Starts `kong-registry registry` with a per-run secret and waits for /readyz. */
export async function startRegistryProcess(
  config: DemoConfig,
  sink: LogSink,
  redisUrl: string,
  jwtSecret: string,
  kongAdminUrl: string,
): Promise<RegistryProcess> {
  const t = config.timings;
  const child = new ManagedChild(
    {
      name: 'registry',
      command: process.execPath,
      args: [
        ENTRY_POINTS.cli,
        'registry',
        '--host',
        '127.0.0.1',
        '--port',
        String(config.ports.registry),
      ],
      env: {
        ...config.baseEnv,
        REDIS_URL: redisUrl,
        REGISTRY_JWT_SECRET: jwtSecret,
        REGISTRY_KEY_PREFIX: config.keyPrefix,
        REGISTRY_LEASE_TTL_SECONDS: String(t.leaseTtlSeconds),
        REGISTRY_LEASE_MIN_TTL_SECONDS: String(t.minLeaseTtlSeconds),
        REGISTRY_REAPER_INTERVAL_MS: String(t.reaperIntervalMs),
        REGISTRY_DRAIN_SECONDS: String(t.drainSeconds),
        // The admin page's request and error rates, from the prometheus plugin (controller).
        REGISTRY_KONG_METRICS_URL: `${kongAdminUrl}/metrics`,
        ...(config.kong?.adminToken && { REGISTRY_KONG_ADMIN_TOKEN: config.kong.adminToken }),
        LOG_LEVEL: config.logLevel,
      },
    },
    sink,
  );
  const url = await child.waitForLine(
    (line, stream) => {
      const record = jsonLine<{ msg?: string; url?: string }>(line, stream);
      return record?.msg === 'registry listening' ? record.url : undefined;
    },
    START_TIMEOUT_MS,
    "'registry listening' log line",
  );
  await untilExit(
    child,
    pollUntil(async () => (await callJson(`${url}/readyz`)).status === 200, {
      timeoutMs: START_TIMEOUT_MS,
      what: 'the registry to be ready (/readyz)',
    }),
  );
  return { child, url };
}

/** The controller child and its status listener (/readyz). */
export interface ControllerProcess {
  child: ManagedChild;
  statusUrl: string;
}

/** Starts `kong-registry controller` and waits until its first reconcile succeeded. */
export async function startControllerProcess(
  config: DemoConfig,
  sink: LogSink,
  wiring: { registryUrl: string; adminToken: string; redisUrl: string; kongAdminUrl: string },
): Promise<ControllerProcess> {
  const t = config.timings;
  const metricsPort = await freePort();
  const env: Record<string, string> = {
    ...config.baseEnv,
    REGISTRY_URL: wiring.registryUrl,
    REGISTRY_TOKEN: wiring.adminToken,
    REDIS_URL: wiring.redisUrl,
    KONG_ADMIN_URL: wiring.kongAdminUrl,
    LEADER_LOCK_KEY: `${config.keyPrefix}controller:leader`,
    LEADER_LOCK_TTL: '5s',
    EVENT_DEBOUNCE: t.debounce,
    RESYNC_INTERVAL: t.resync,
    RETRY_MAX_INTERVAL: '2s',
    HEALTH_FEEDBACK_INTERVAL: t.healthFeedback,
    MASS_EXPIRY_HOLD: t.massExpiryHold,
    METRICS_PORT: String(metricsPort),
    METRICS_HOST: '127.0.0.1',
    // Kong's own request counts and latencies per service (docs/observability.md).
    KONG_PROMETHEUS_PLUGIN: 'on',
    LOG_LEVEL: config.logLevel,
  };
  if (config.kong?.adminToken) env.KONG_ADMIN_TOKEN = config.kong.adminToken;
  const child = new ManagedChild(
    { name: 'controller', command: process.execPath, args: [ENTRY_POINTS.cli, 'controller'], env },
    sink,
  );
  const statusUrl = `http://127.0.0.1:${metricsPort}`;
  await untilExit(
    child,
    pollUntil(async () => (await callJson(`${statusUrl}/readyz`)).status === 200, {
      timeoutMs: START_TIMEOUT_MS,
      what: 'the controller to be ready (/readyz)',
    }),
  );
  return { child, statusUrl };
}
