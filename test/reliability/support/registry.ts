/**
 * An in-process registry app for the reliability suites: supertest drives `createApp`, pino writes
 * every log line (down to trace) into memory so tests can assert what never appears in logs, and
 * `snapshot()` reads every key under the test's prefix so a refused request can be shown to
 * have written nothing.
 */
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import pino from 'pino';

import {
  createApp,
  loadConfig,
  mintToken,
  RedisInstanceRepository,
  RegistryMetrics,
  SseHub,
  type JwtKeys,
  type RegistryConfig,
  type RegistryApp,
} from '@kong-registry/registry';
import type { RegistryTokenClaims } from '@kong-registry/sdk';
import { REDACT_PATHS } from '../../../registry/src/logger';
import { sharedRedisUrl, uniquePrefix } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';

/** HS256 secret of the reliability registries (at least 32 characters, as the config demands). */
export const HS_SECRET = 'reliability-secret-0123456789abcdef-xyz';

/** Every log line a registry wrote, as raw JSON text. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  /** All lines joined, for substring checks. */
  text(): string {
    return this.lines.join('\n');
  }
}

/** A registry app under test. */
export interface TestRegistry {
  app: RegistryApp;
  config: RegistryConfig;
  redis: Redis;
  keys: JwtKeys;
  prefix: string;
  logs: LogCapture;
  admin: string;
  tokenFor(service: string, extra?: Partial<RegistryTokenClaims>, ttlSeconds?: number): string;
  /** Every key under this registry's prefix with its full value, sorted (stream: its entries). */
  snapshot(): Promise<string[]>;
  close(): Promise<void>;
}

/** Options of {@link createTestRegistry}. */
export interface TestRegistryOptions {
  env?: Record<string, string>;
  /** Verify (and mint) with these keys instead of HS256 {@link HS_SECRET}. */
  keys?: JwtKeys;
  redisUrl?: string;
}

/** Reads one key's full value, whatever its type. */
async function dumpKey(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case 'hash':
      return JSON.stringify(Object.entries(await redis.hgetall(key)).sort());
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'set':
      return JSON.stringify((await redis.smembers(key)).sort());
    case 'zset':
      return JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return type;
  }
}

/** Builds an app on the shared throwaway Redis under a fresh key prefix, logging into memory. */
export async function createTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const prefix = uniquePrefix('rel');
  const redisUrl = options.redisUrl ?? sharedRedisUrl();
  const keys: JwtKeys = options.keys ?? { algorithm: 'HS256', secret: HS_SECRET };
  const jwtEnv: Record<string, string> =
    keys.algorithm === 'HS256'
      ? { REGISTRY_JWT_SECRET: keys.secret }
      : { REGISTRY_JWT_PUBLIC_KEY: keys.publicKey };
  const config = loadConfig(
    {},
    {
      REDIS_URL: redisUrl,
      REGISTRY_KEY_PREFIX: prefix,
      LOG_LEVEL: 'trace',
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      ...jwtEnv,
      ...options.env,
    },
  );
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    retryStrategy: () => 100,
  });
  redis.on('error', () => undefined);
  await waitFor(() => redis.status === 'ready', { what: 'Redis connection' });
  const logs = new LogCapture();
  // The production redaction list, at the most verbose level: whatever it lets through is asserted on.
  const logger = pino(
    { level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    logs.stream,
  );
  const repository = new RedisInstanceRepository(redis, prefix, config.eventsMaxLen);
  const metrics = new RegistryMetrics({ defaultMetrics: false });
  const sse = new SseHub(redis, repository.keys.events, logger, undefined, 500);
  const app = createApp({
    config,
    repository,
    jwtKeys: keys,
    logger,
    clock: Date.now,
    metrics,
    sse,
  });
  const mint = (claims: RegistryTokenClaims, ttlSeconds: number): string =>
    mintToken(keys, claims, { ttlSeconds });
  return {
    app,
    config,
    redis,
    keys,
    prefix,
    logs,
    admin: mint({ role: 'admin' }, 3600),
    tokenFor: (service, extra = {}, ttlSeconds = 3600) =>
      mint({ role: 'service', service, ...extra }, ttlSeconds),
    snapshot: async () => {
      const found = (await redis.keys(`${prefix}*`)).sort();
      const rows: string[] = [];
      for (const key of found) rows.push(`${key}=${await dumpKey(redis, key)}`);
      return rows;
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
