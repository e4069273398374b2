import Redis from 'ioredis';
import pino, { type Logger } from 'pino';

import {
  createApp,
  loadConfig,
  mintToken,
  Reaper,
  RedisInstanceRepository,
  RegistryMetrics,
  SseHub,
  type AppControl,
  type JwtKeys,
  type RegistryConfig,
  type RegistryApp,
} from '@kong-registry/registry';
import type { RegistryTokenClaims } from '@kong-registry/sdk';
import { sharedRedisUrl, uniquePrefix } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789';

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public now = Date.parse('2030-01-01T00:00:00.000Z')) {}
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/** Everything a registry integration test needs: app (for supertest), Redis, tokens, clock. */
export interface Harness {
  app: RegistryApp;
  config: RegistryConfig;
  redis: Redis;
  repository: RedisInstanceRepository;
  clock: FakeClock;
  keys: JwtKeys;
  control: AppControl;
  sse: SseHub;
  prefix: string;
  admin: string;
  tokenFor(service: string, extra?: Partial<RegistryTokenClaims>): string;
  reaper(): Reaper;
  /** The keys under this test's prefix, sorted, with their values' types (for "nothing stored" checks). */
  dumpKeys(): Promise<string[]>;
  close(): Promise<void>;
}

/** Builds an app on the shared throwaway Redis under a unique key prefix. */
export async function createHarness(
  env: Record<string, string> = {},
  options: { redisUrl?: string; label?: string; logger?: Logger } = {},
): Promise<Harness> {
  const prefix = uniquePrefix(options.label ?? 'registry');
  const config = loadConfig(
    {},
    {
      REDIS_URL: options.redisUrl ?? sharedRedisUrl(),
      REGISTRY_JWT_SECRET: TEST_SECRET,
      REGISTRY_KEY_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      REGISTRY_RATE_LIMIT_BURST: '1000',
      REGISTRY_RATE_LIMIT_PER_SECOND: '1000',
      // Generous: a shared 2-core CI machine can stall a burst of 100 Lua calls past 1 s.
      REDIS_COMMAND_TIMEOUT_MS: '5000',
      ...env,
    },
  );
  const redis = new Redis(options.redisUrl ?? sharedRedisUrl(), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5000,
    retryStrategy: () => 100,
  });
  redis.on('error', () => undefined);
  await waitFor(() => redis.status === 'ready', { what: 'Redis connection' });
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = new FakeClock();
  const keys: JwtKeys = { algorithm: 'HS256', secret: TEST_SECRET };
  const repository = new RedisInstanceRepository(
    redis,
    prefix,
    config.eventsMaxLen,
    config.tombstoneSeconds,
    config.redisBatchMax,
  );
  const metrics = new RegistryMetrics({ defaultMetrics: false });
  const sse = new SseHub(redis, repository.keys.events, logger, undefined, 500);
  const control: AppControl = { shuttingDown: false };
  const app = createApp(
    { config, repository, jwtKeys: keys, logger, clock: clock.read, metrics, sse },
    control,
  );
  return {
    app,
    config,
    redis,
    repository,
    clock,
    keys,
    control,
    sse,
    prefix,
    admin: mintToken(keys, { role: 'admin' }, { ttlSeconds: 3600 }),
    tokenFor: (service, extra = {}) =>
      mintToken(keys, { role: 'service', service, ...extra }, { ttlSeconds: 3600 }),
    reaper: () => new Reaper(repository, config.reaper, clock.read, logger),
    dumpKeys: async () => {
      const found = await redis.keys(`${prefix}*`);
      const rows = await Promise.all(
        found.map(async (key) => {
          const type = await redis.type(key);
          const value =
            type === 'hash'
              ? JSON.stringify(await redis.hgetall(key))
              : type === 'string'
                ? await redis.get(key)
                : type === 'set'
                  ? JSON.stringify((await redis.smembers(key)).sort())
                  : type === 'zset'
                    ? JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'))
                    : type === 'stream'
                      ? String(await redis.xlen(key))
                      : type;
          return `${key}=${value}`;
        }),
      );
      return rows.sort();
    },
    close: async () => {
      sse.closeAll();
      if (redis.status === 'ready') {
        const found = await redis.keys(`${prefix}*`);
        if (found.length > 0) await redis.del(...found);
      }
      redis.disconnect();
    },
  };
}

/** A minimal valid registration body. */
export function registration(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { host: '10.0.0.1', port: 8080, ...extra };
}
