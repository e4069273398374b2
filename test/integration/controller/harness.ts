/* eslint-disable @typescript-eslint/no-explicit-any -- untyped JSON from the Admin API and the registry, narrowed by the assertions */
/**
 * A real registry (in-process, real Redis), a kong-sim and a controller, wired for one test.
 * Each stack gets its own Redis key prefix and lock key, and closes everything it started.
 */
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import {
  createController,
  ids,
  loadConfig,
  type Controller,
  type ControllerConfig,
} from '@kong-registry/kong-plugin';
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import pino from 'pino';
import { sharedRedisUrl, uniquePrefix } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';

/** Everything one test needs. */
export interface Stack {
  registry: RunningRegistry;
  kong: KongSim;
  config: ControllerConfig;
  controllers: Controller[];
  /** A controller on the same registry, Kong and lock key. */
  addController(env?: Record<string, string>): Controller;
  /** Calls the registry with the admin token. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  register(service: string, instanceId: string, body: Record<string, unknown>): Promise<void>;
  deregister(service: string, instanceId: string): Promise<void>;
  close(): Promise<void>;
}

/** Options of startStack. */
export interface StackOptions {
  mode?: 'db' | 'dbless';
  /** Controller settings. */
  env?: Record<string, string>;
  /** Registry settings, over the defaults below. */
  registryEnv?: Record<string, string>;
}

/** Starts registry + kong-sim + one controller (not started: tests call reconcileOnce or start). */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const prefix = uniquePrefix('ctl');
  const redisUrl = sharedRedisUrl();
  const registry = await startRegistry({
    env: {
      REDIS_URL: redisUrl,
      REGISTRY_KEY_PREFIX: prefix,
      REGISTRY_JWT_SECRET: 'integration-secret-integration-secret-1234',
      LOG_LEVEL: 'silent',
      // Draining instances stay until a test removes them (no reaper race in assertions).
      REGISTRY_DRAIN_SECONDS: '3600',
      ...options.registryEnv,
    },
    host: '127.0.0.1',
    port: 0,
  });
  const kong = await startKongSim({ mode: options.mode ?? 'db' });
  const token = registry.adminToken ?? registry.mintToken({ role: 'admin' });
  const config = loadConfig(
    {},
    {
      REGISTRY_URL: registry.url,
      REGISTRY_TOKEN: token,
      KONG_ADMIN_URL: kong.admin,
      REDIS_URL: redisUrl,
      LEADER_LOCK_KEY: `${prefix}leader`,
      LEADER_LOCK_TTL: '2s',
      RESYNC_INTERVAL: '1h',
      EVENT_DEBOUNCE: '50ms',
      HEALTH_FEEDBACK_INTERVAL: '0',
      LOG_LEVEL: 'silent',
      ...options.env,
    },
  );
  const controllers: Controller[] = [];
  const logger = pino({ level: process.env.CONTROLLER_TEST_LOG ?? 'silent' });
  const addController = (env: Record<string, string> = {}): Controller => {
    const own =
      Object.keys(env).length === 0
        ? config
        : loadConfig({}, { ...configEnv(config, token), ...env });
    const controller = createController(own, { logger });
    controllers.push(controller);
    return controller;
  };
  addController();

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${registry.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const stack: Stack = {
    registry,
    kong,
    config,
    controllers,
    addController,
    api,
    async register(service, instanceId, body) {
      const res = await api('PUT', `/v1/services/${service}/instances/${instanceId}`, body);
      if (res.status >= 300)
        throw new Error(
          `register ${service}/${instanceId}: ${res.status} ${JSON.stringify(res.body)}`,
        );
    },
    async deregister(service, instanceId) {
      const res = await api('DELETE', `/v1/services/${service}/instances/${instanceId}`);
      if (res.status >= 300) throw new Error(`deregister ${service}/${instanceId}: ${res.status}`);
    },
    async close() {
      await Promise.all(controllers.map((c) => c.stop()));
      // Tests may replace `kong` (a restarted kong-sim): close the current one.
      await stack.kong.close();
      await registry.close();
    },
  };
  return stack;
}

function configEnv(config: ControllerConfig, token: string): Record<string, string> {
  return {
    REGISTRY_URL: config.registryUrl,
    REGISTRY_TOKEN: token,
    KONG_ADMIN_URL: config.kong.urls.join(','),
    REDIS_URL: config.redisUrl ?? '',
    LEADER_LOCK_KEY: config.lock.key,
    LEADER_LOCK_TTL: `${config.lock.ttlMs}ms`,
    RESYNC_INTERVAL: `${config.resyncIntervalMs}ms`,
    EVENT_DEBOUNCE: `${config.debounceMs}ms`,
    HEALTH_FEEDBACK_INTERVAL: '0',
    LOG_LEVEL: 'silent',
  };
}

/** Waits until kong-sim has received nothing for 300 ms: the controller's last work is done. */
export async function kongQuiet(kong: KongSim): Promise<void> {
  let count = -1;
  await waitFor(
    async () => {
      const now = kong.requests().length;
      const still = now === count;
      count = now;
      return still;
    },
    { what: 'the controller to settle', intervalMs: 300 },
  );
}

/** The targets (`host:port`, sorted) of a registry service's upstream; [] when it has none. */
export async function kongTargets(kong: KongSim, service: string): Promise<string[]> {
  const list = (await kongGet(kong, `/upstreams/${ids.upstream(service)}/targets`).catch(() => ({
    data: [],
  }))) as { data: { target: string }[] };
  return list.data.map((t) => t.target).sort();
}

/** GET on kong-sim's Admin API. */
export async function kongGet<T = any>(kong: KongSim, path: string): Promise<T> {
  // A kong-sim restarted on the same port leaves dead keep-alive sockets in fetch's pool: retry once.
  const response = await fetch(`${kong.admin}${path}`).catch(() => fetch(`${kong.admin}${path}`));
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** Sends a write to kong-sim's Admin API (a "hand edit"). */
export async function kongWrite(
  kong: KongSim,
  method: string,
  path: string,
  body?: unknown,
): Promise<number> {
  const response = await fetch(`${kong.admin}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  await response.text();
  return response.status;
}
