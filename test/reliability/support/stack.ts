/**
 * Registry (in-process, real Redis) + kong-sim + controllers for the fault suites. Every part can
 * be stopped and started again; controller logs go into memory so tests can read them.
 */
import { startKongSim, type KongSim, type KongSimOptions } from '@kong-registry/kong-sim';
import {
  createController,
  loadConfig,
  type Controller,
  type ControllerConfig,
} from '@kong-registry/kong-plugin';
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import pino from 'pino';
import { createLogger as createControllerLogger } from '../../../kong-plugin/src/logger';
import { uniquePrefix } from '../../helpers/redis';
import { LogCapture } from './registry';

/** Secret shared by the registries of one stack (replicas must verify each other's tokens). */
export const STACK_SECRET = 'reliability-stack-secret-0123456789abcdef';

/** Starts an in-process registry on `redisUrl` with short leases, silent unless told otherwise. */
export function startTestRegistry(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
  port = 0,
): Promise<RunningRegistry> {
  return startRegistry({
    env: {
      REDIS_URL: redisUrl,
      REGISTRY_KEY_PREFIX: prefix,
      REGISTRY_JWT_SECRET: STACK_SECRET,
      REGISTRY_LEASE_TTL_SECONDS: '3',
      REGISTRY_LEASE_MIN_TTL_SECONDS: '1',
      REGISTRY_REAPER_INTERVAL_MS: '200',
      REGISTRY_DRAIN_SECONDS: '1',
      REDIS_COMMAND_TIMEOUT_MS: '500',
      REGISTRY_RATE_LIMIT_BURST: '100000',
      REGISTRY_RATE_LIMIT_PER_SECOND: '100000',
      LOG_LEVEL: 'silent',
      ...env,
    },
    host: '127.0.0.1',
    port,
    logger: pino({ level: 'silent' }),
  });
}

/** Controller settings for a test: fast debounce, short lock, the given Kong and registry. */
export function controllerConfig(
  registryUrl: string,
  registryToken: string,
  kongAdmin: string,
  extra: Record<string, string> = {},
): Readonly<ControllerConfig> {
  return loadConfig(
    {
      REGISTRY_URL: registryUrl,
      REGISTRY_TOKEN: registryToken,
      KONG_ADMIN_URL: kongAdmin,
      RESYNC_INTERVAL: '2s',
      RETRY_MAX_INTERVAL: '1s',
      EVENT_DEBOUNCE: '50ms',
      HEALTH_FEEDBACK_INTERVAL: '0',
      LOG_LEVEL: 'trace',
      ...extra,
    },
    { PATH: process.env.PATH },
  );
}

/** A controller whose log lines (down to trace) land in `logs`. */
export function startCapturedController(
  config: Readonly<ControllerConfig>,
  logs = new LogCapture(),
): { controller: Controller; logs: LogCapture } {
  const controller = createController(config, {
    logger: createControllerLogger('trace', logs.stream),
  });
  return { controller, logs };
}

/** A kong-sim that can be restarted (empty) on the same ports. */
export interface RestartableKong {
  sim: KongSim;
  admin: string;
  proxy: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** Starts kong-sim on free ports; `restart()` brings it back empty on the same ones. */
export async function startRestartableKong(
  adminToken?: string,
  options: Pick<KongSimOptions, 'mode'> = {},
): Promise<RestartableKong> {
  const settings: KongSimOptions = { ...options, ...(adminToken ? { adminToken } : {}) };
  const first = await startKongSim(settings);
  const adminPort = Number(new URL(first.admin).port);
  const proxyPort = Number(new URL(first.proxy).port);
  const handle: RestartableKong = {
    sim: first,
    admin: first.admin,
    proxy: first.proxy,
    stop: () => handle.sim.close(),
    restart: async () => {
      handle.sim = await startKongSim({ ...settings, adminPort, proxyPort });
    },
  };
  return handle;
}

/** A fresh registry key prefix for one stack. */
export function stackPrefix(): string {
  return uniquePrefix('relstack');
}
