import {
  ConfigError,
  deepFreeze,
  parseFields,
  readSecretSetting,
  withoutEmptyValues,
  DEFAULT_LEASE_TTL_BOUNDS,
  DEFAULT_LEASE_TTL_SECONDS,
  LEASE_TTL_RANGE_SECONDS,
} from '@kong-registry/sdk';
import {
  DEFAULT_DENIED_TARGETS,
  parseTargetRules,
  type TargetRule,
} from './instances/target-policy';
import { join } from 'node:path';
import { CONFIG_ERROR_CODE } from './errors';
import { DEFAULT_REDIS_BATCH_MAX, REDIS_BATCH_MAX_RANGE } from './instances/coalescer';
import { z } from 'zod';

/**
 * How the registry verifies (and mints) tokens. `ephemeral` means no secret was configured: the
 * registry generates a random one at start (demo only; tokens die with the process).
 */
export type JwtConfig =
  | { algorithm: 'HS256'; secret: string; ephemeral: boolean }
  | { algorithm: 'RS256'; publicKey: string; privateKey: string | null; ephemeral: false }
  | { algorithm: 'none-configured'; ephemeral: true };

/** Where Redis is: one URL, or Sentinels that know the current master. */
export type RedisConfig =
  | { mode: 'standalone'; url: string }
  | {
      mode: 'sentinel';
      sentinels: { host: string; port: number }[];
      name: string;
      password: string | null;
      sentinelPassword: string | null;
      db: number;
    };

/** The registry's validated, frozen configuration. Built once by {@link loadConfig}. */
export interface RegistryConfig {
  host: string;
  port: number;
  redis: RedisConfig;
  /** Prefix of every Redis key, so several registries (or tests) can share one Redis. */
  keyPrefix: string;
  /** How long a Redis command may take before the request fails with 503. */
  redisCommandTimeoutMs: number;
  /**
   * Most heartbeats sent to Redis as one script call (REGISTRY_REDIS_BATCH_MAX): those of one
   * event-loop turn share a round trip. 1 sends each heartbeat on its own.
   */
  redisBatchMax: number;
  /**
   * After each batch of registrations, WAIT until this many replicas confirm it
   * (REGISTRY_REDIS_MIN_REPLICAS_ACK, within REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS); fewer in time
   * answers 503 REG_ERR_NOT_REPLICATED. Undefined (the default): no wait, replication stays
   * asynchronous and a failover can lose an acknowledged registration (docs/RELIABILITY.md).
   */
  replicaAck: { replicas: number; timeoutMs: number } | undefined;
  jwt: JwtConfig;
  lease: {
    defaultTtlSeconds: number;
    minTtlSeconds: number;
    maxTtlSeconds: number;
    drainSeconds: number;
  };
  reaper: { intervalMs: number; batchSize: number };
  /** Approximate number of events kept in the Redis Stream (XADD MAXLEN ~). */
  eventsMaxLen: number;
  /**
   * How long a removal's tombstone stays in `GET /v1/state` (REGISTRY_TOMBSTONE_SECONDS): keep it
   * at least twice the controller's RESYNC_INTERVAL and above its MASS_EXPIRY_HOLD.
   */
  tombstoneSeconds: number;
  /** Gateway paths no service may claim. */
  reservedPrefixes: string[];
  /** Instance addresses refused (Kong's admin and status ports anywhere, link-local by default). */
  deniedTargets: TargetRule[];
  /** When set, the only instance addresses accepted (REGISTRY_ALLOWED_TARGETS). */
  allowedTargets: TargetRule[] | undefined;
  /** A service token may register only the address it calls from (REGISTRY_BIND_SOURCE). */
  bindSource: boolean;
  bodyLimitBytes: number;
  /** Token bucket per token on registration: refill rate and burst size. */
  rateLimit: { perSecond: number; burst: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Folder served at /ui when it exists (default: registry/ui). */
  uiDir: string;
  /** Longest silence on an event stream before a `: keep-alive` comment (also the XREAD block). */
  sseKeepAliveMs: number;
  /** Trust X-Forwarded-For for the caller's address (default host of an instance). */
  trustProxy: boolean;
  /**
   * How often this replica samples instance counts into the shared per-minute history
   * (REGISTRY_HISTORY_SAMPLE_SECONDS, in ms); 0: it leaves sampling to other replicas.
   */
  historySampleMs: number;
  /**
   * Kong's Prometheus endpoints (REGISTRY_KONG_METRICS_URL), read for request and error rates
   * per service; empty: the registry shows none. The token is sent as Kong-Admin-Token.
   */
  kongMetrics: { urls: string[]; adminToken: string | null };
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(4000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  REDIS_SENTINELS: z
    .string()
    .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'must be a comma-separated host:port list')
    .optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_DB: int(0, 15).default(0),
  REDIS_COMMAND_TIMEOUT_MS: int(50, 60_000).default(2000),
  REGISTRY_REDIS_BATCH_MAX: int(REDIS_BATCH_MAX_RANGE.min, REDIS_BATCH_MAX_RANGE.max).default(
    DEFAULT_REDIS_BATCH_MAX,
  ),
  REGISTRY_REDIS_MIN_REPLICAS_ACK: int(0, 16).default(0),
  REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS: int(1, 60_000).default(500),
  REGISTRY_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'use 1-64 of [A-Za-z0-9:_.-]')
    .default('kong-registry:'),
  REGISTRY_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  REGISTRY_JWT_PUBLIC_KEY: z
    .string()
    .includes('BEGIN', { message: 'must be a PEM public key' })
    .optional(),
  REGISTRY_JWT_PRIVATE_KEY: z
    .string()
    .includes('BEGIN', { message: 'must be a PEM private key' })
    .optional(),
  REGISTRY_LEASE_TTL_SECONDS: int(1, 3600).default(DEFAULT_LEASE_TTL_SECONDS),
  REGISTRY_LEASE_MIN_TTL_SECONDS: int(1, 3600).default(DEFAULT_LEASE_TTL_BOUNDS.minTtlSeconds),
  REGISTRY_LEASE_MAX_TTL_SECONDS: int(
    LEASE_TTL_RANGE_SECONDS.min,
    LEASE_TTL_RANGE_SECONDS.max,
  ).default(DEFAULT_LEASE_TTL_BOUNDS.maxTtlSeconds),
  REGISTRY_DRAIN_SECONDS: int(0, 3600).default(10),
  REGISTRY_REAPER_INTERVAL_MS: int(10, 60_000).default(1000),
  REGISTRY_REAPER_BATCH: int(1, 10_000).default(500),
  REGISTRY_EVENTS_MAXLEN: int(100, 10_000_000).default(10_000),
  REGISTRY_TOMBSTONE_SECONDS: int(10, 604_800).default(300),
  REGISTRY_RESERVED_PREFIXES: z.string().default('/v1,/registry,/_kong'),
  REGISTRY_DENIED_TARGETS: z.string().default(DEFAULT_DENIED_TARGETS),
  REGISTRY_ALLOWED_TARGETS: z.string().optional(),
  REGISTRY_BIND_SOURCE: bool.default(false),
  REGISTRY_BODY_LIMIT_BYTES: int(1024, 10_485_760).default(65_536),
  REGISTRY_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(100_000).default(20),
  REGISTRY_RATE_LIMIT_BURST: int(1, 1_000_000).default(200),
  REGISTRY_UI_DIR: z
    .string()
    .min(1)
    .default(join(__dirname, '..', 'ui')),
  REGISTRY_SSE_KEEPALIVE_MS: int(100, 120_000).default(15_000),
  REGISTRY_TRUST_PROXY: bool.default(false),
  REGISTRY_HISTORY_SAMPLE_SECONDS: int(0, 60).default(10),
  REGISTRY_KONG_METRICS_URL: z.string().optional(),
  REGISTRY_KONG_ADMIN_TOKEN: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const SECRET_VARIABLES = [
  'REGISTRY_JWT_SECRET',
  'REGISTRY_JWT_PUBLIC_KEY',
  'REGISTRY_JWT_PRIVATE_KEY',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  'REGISTRY_KONG_ADMIN_TOKEN',
] as const;

/** `NAME` or the file named by `NAME_FILE` (Docker secrets); empty values count as unset. */
function resolveFileVariables(
  env: Record<string, string | undefined>,
  problems: string[],
): Record<string, string | undefined> {
  const resolved = withoutEmptyValues(env);
  for (const name of SECRET_VARIABLES) resolved[name] = readSecretSetting(env, name, problems);
  return resolved;
}

/**
 * Parses the environment once, checks the rules between variables, and returns a deep-frozen
 * config. Throws {@link ConfigError} listing every problem at once. The only reader of
 * `process.env` in the registry; everything else receives the config object.
 */
export function loadConfig(
  overrides: { host?: string | undefined; port?: number | undefined } = {},
  env: Record<string, string | undefined> = process.env,
): RegistryConfig {
  const problems: string[] = [];
  const resolved = resolveFileVariables(env, problems);
  const { values: e, ok } = parseFields(envSchema.shape, resolved, problems);

  if (e.REGISTRY_JWT_SECRET && e.REGISTRY_JWT_PUBLIC_KEY) {
    problems.push(
      'REGISTRY_JWT_SECRET (HS256) and REGISTRY_JWT_PUBLIC_KEY (RS256) are both set: pick one algorithm',
    );
  }
  // A rule between variables is checked only when each of them passed its own check.
  if (e.REGISTRY_JWT_PRIVATE_KEY && ok('REGISTRY_JWT_PUBLIC_KEY') && !e.REGISTRY_JWT_PUBLIC_KEY) {
    problems.push(
      'REGISTRY_JWT_PRIVATE_KEY needs REGISTRY_JWT_PUBLIC_KEY (the registry verifies with the public key)',
    );
  }
  if (e.REGISTRY_LEASE_MIN_TTL_SECONDS > e.REGISTRY_LEASE_MAX_TTL_SECONDS) {
    problems.push('REGISTRY_LEASE_MIN_TTL_SECONDS is greater than REGISTRY_LEASE_MAX_TTL_SECONDS');
  }
  if (
    e.REGISTRY_LEASE_TTL_SECONDS < e.REGISTRY_LEASE_MIN_TTL_SECONDS ||
    e.REGISTRY_LEASE_TTL_SECONDS > e.REGISTRY_LEASE_MAX_TTL_SECONDS
  ) {
    problems.push('REGISTRY_LEASE_TTL_SECONDS must lie between the min and max TTL');
  }
  if (
    e.REGISTRY_REDIS_MIN_REPLICAS_ACK > 0 &&
    e.REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS >= e.REDIS_COMMAND_TIMEOUT_MS
  ) {
    problems.push(
      'REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS must be below REDIS_COMMAND_TIMEOUT_MS (the WAIT is a Redis command)',
    );
  }
  if (e.REDIS_SENTINELS && ok('REDIS_SENTINEL_NAME') && !e.REDIS_SENTINEL_NAME) {
    problems.push('REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the master group name)');
  }
  const reservedPrefixes = e.REGISTRY_RESERVED_PREFIXES.split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const prefix of reservedPrefixes) {
    if (!prefix.startsWith('/'))
      problems.push(`REGISTRY_RESERVED_PREFIXES: '${prefix}' must start with /`);
  }
  const deniedTargets = parseTargetRules(e.REGISTRY_DENIED_TARGETS);
  problems.push(...deniedTargets.problems.map((p) => `REGISTRY_DENIED_TARGETS: ${p}`));
  const allowedTargets =
    e.REGISTRY_ALLOWED_TARGETS === undefined
      ? undefined
      : parseTargetRules(e.REGISTRY_ALLOWED_TARGETS);
  problems.push(...(allowedTargets?.problems ?? []).map((p) => `REGISTRY_ALLOWED_TARGETS: ${p}`));
  if (allowedTargets && allowedTargets.rules.length === 0)
    problems.push('REGISTRY_ALLOWED_TARGETS: empty (unset it to allow every address not denied)');
  const kongMetricsUrls = parseHttpUrls(e.REGISTRY_KONG_METRICS_URL ?? '');
  problems.push(...kongMetricsUrls.problems.map((p) => `REGISTRY_KONG_METRICS_URL: ${p}`));
  if (problems.length > 0) throw new ConfigError(CONFIG_ERROR_CODE, 'registry', problems);

  let jwt: JwtConfig;
  if (e.REGISTRY_JWT_PUBLIC_KEY) {
    jwt = {
      algorithm: 'RS256',
      publicKey: e.REGISTRY_JWT_PUBLIC_KEY,
      privateKey: e.REGISTRY_JWT_PRIVATE_KEY ?? null,
      ephemeral: false,
    };
  } else if (e.REGISTRY_JWT_SECRET) {
    jwt = { algorithm: 'HS256', secret: e.REGISTRY_JWT_SECRET, ephemeral: false };
  } else {
    jwt = { algorithm: 'none-configured', ephemeral: true };
  }

  const redis: RedisConfig = e.REDIS_SENTINELS
    ? {
        mode: 'sentinel',
        sentinels: e.REDIS_SENTINELS.split(',').map((pair) => {
          const [host = '', port = '26379'] = pair.split(':');
          return { host, port: Number(port) };
        }),
        name: e.REDIS_SENTINEL_NAME ?? '',
        password: e.REDIS_PASSWORD ?? null,
        sentinelPassword: e.REDIS_SENTINEL_PASSWORD ?? null,
        db: e.REDIS_DB,
      }
    : { mode: 'standalone', url: e.REDIS_URL };

  return deepFreeze<RegistryConfig>({
    host: overrides.host ?? e.HOST,
    port: overrides.port ?? e.PORT,
    redis,
    keyPrefix: e.REGISTRY_KEY_PREFIX,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    redisBatchMax: e.REGISTRY_REDIS_BATCH_MAX,
    replicaAck:
      e.REGISTRY_REDIS_MIN_REPLICAS_ACK > 0
        ? {
            replicas: e.REGISTRY_REDIS_MIN_REPLICAS_ACK,
            timeoutMs: e.REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS,
          }
        : undefined,
    jwt,
    lease: {
      defaultTtlSeconds: e.REGISTRY_LEASE_TTL_SECONDS,
      minTtlSeconds: e.REGISTRY_LEASE_MIN_TTL_SECONDS,
      maxTtlSeconds: e.REGISTRY_LEASE_MAX_TTL_SECONDS,
      drainSeconds: e.REGISTRY_DRAIN_SECONDS,
    },
    reaper: { intervalMs: e.REGISTRY_REAPER_INTERVAL_MS, batchSize: e.REGISTRY_REAPER_BATCH },
    eventsMaxLen: e.REGISTRY_EVENTS_MAXLEN,
    tombstoneSeconds: e.REGISTRY_TOMBSTONE_SECONDS,
    reservedPrefixes,
    deniedTargets: deniedTargets.rules,
    allowedTargets: allowedTargets?.rules,
    bindSource: e.REGISTRY_BIND_SOURCE,
    bodyLimitBytes: e.REGISTRY_BODY_LIMIT_BYTES,
    rateLimit: { perSecond: e.REGISTRY_RATE_LIMIT_PER_SECOND, burst: e.REGISTRY_RATE_LIMIT_BURST },
    logLevel: e.LOG_LEVEL,
    uiDir: e.REGISTRY_UI_DIR,
    sseKeepAliveMs: e.REGISTRY_SSE_KEEPALIVE_MS,
    trustProxy: e.REGISTRY_TRUST_PROXY,
    historySampleMs: e.REGISTRY_HISTORY_SAMPLE_SECONDS * 1000,
    kongMetrics: {
      urls: kongMetricsUrls.urls,
      adminToken: e.REGISTRY_KONG_ADMIN_TOKEN ?? null,
    },
  });
}

/** A comma-separated list of http(s) URLs. */
function parseHttpUrls(raw: string): { urls: string[]; problems: string[] } {
  const urls: string[] = [];
  const problems: string[] = [];
  for (const item of raw.split(',').map((u) => u.trim())) {
    if (item === '') continue;
    const url = URL.canParse(item) ? new URL(item) : null;
    if (url && (url.protocol === 'http:' || url.protocol === 'https:')) urls.push(url.href);
    else problems.push(`'${item}' is not an http(s) URL`);
  }
  return { urls, problems };
}

/** The config with secrets replaced, for the startup log line. */
export function redactConfig(config: RegistryConfig): unknown {
  const jwt =
    config.jwt.algorithm === 'HS256'
      ? { algorithm: 'HS256', secret: '[redacted]', ephemeral: config.jwt.ephemeral }
      : config.jwt.algorithm === 'RS256'
        ? {
            algorithm: 'RS256',
            publicKey: '[set]',
            privateKey: config.jwt.privateKey ? '[redacted]' : null,
          }
        : config.jwt;
  const redis =
    config.redis.mode === 'standalone'
      ? { mode: 'standalone', url: config.redis.url.replace(/\/\/[^@/]*@/, '//[redacted]@') }
      : {
          ...config.redis,
          password: config.redis.password ? '[redacted]' : null,
          sentinelPassword: config.redis.sentinelPassword ? '[redacted]' : null,
        };
  const kongMetrics = {
    urls: config.kongMetrics.urls.map((u) => u.replace(/\/\/[^@/]*@/, '//[redacted]@')),
    adminToken: config.kongMetrics.adminToken ? '[redacted]' : null,
  };
  return { ...config, jwt, redis, kongMetrics };
}
