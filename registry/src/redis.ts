import Redis, { type RedisOptions } from 'ioredis';
import type { RegistryConfig } from './config';
import type { Logger } from './logger';

/**
 * The ioredis client for a config. No offline queue and a command timeout: while Redis is down,
 * requests fail at once (503) instead of piling up; ioredis keeps reconnecting in the background,
 * so the registry recovers by itself. Sentinel mode uses ioredis's own Sentinel support.
 */
export function createRedisClient(config: RegistryConfig, logger: Logger): Redis {
  const common: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: config.redisCommandTimeoutMs,
    connectTimeout: 2000,
    // Capped at 500 ms: a reconnect attempt is cheap, and every second Redis is back but we are
    // not costs instances a heartbeat (they must be back within one interval).
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 4), 500),
    lazyConnect: false,
  };
  const redis =
    config.redis.mode === 'standalone'
      ? new Redis(config.redis.url, common)
      : new Redis({
          ...common,
          sentinels: config.redis.sentinels,
          name: config.redis.name,
          db: config.redis.db,
          ...(config.redis.password ? { password: config.redis.password } : {}),
          ...(config.redis.sentinelPassword
            ? { sentinelPassword: config.redis.sentinelPassword }
            : {}),
        });
  const log = logger.child({ component: 'redis' });
  let down = false;
  redis.on('ready', () => {
    if (down) log.info('Redis connection restored');
    down = false;
  });
  redis.on('error', (err: Error) => {
    if (!down)
      log.warn({ err: err.message }, 'Redis unavailable; requests answer 503 until it returns');
    down = true;
  });
  return redis;
}

/** Resolves once the client is ready, or after `timeoutMs` (false) without throwing. */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    timer.unref();
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}
