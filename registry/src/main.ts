import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Redis from 'ioredis';
import type { RegistryTokenClaims } from '@kong-registry/sdk';
import { mintToken, resolveJwtKeys, type JwtKeys } from './auth/jwt';
import { loadConfig, redactConfig, type RegistryConfig } from './config';
import { SseHub } from './events/sse';
import { HistorySampler } from './history/sampler';
import { HistoryStore } from './history/store';
import { createApp, type AppControl, type RegistryApp } from './http/app';
import { systemClock, type Clock } from './instances/lease';
import { Reaper } from './instances/reaper';
import { RedisInstanceRepository } from './instances/repository';
import { SchemaWatch } from './instances/schema-watch';
import { createLogger, type Logger } from './logger';
import { RegistryMetrics } from './metrics';
import { createRedisClient, waitForRedis } from './redis';

/** Whether this process holds a signing key. */
export function canMint(keys: JwtKeys): boolean {
  return keys.algorithm === 'HS256' || keys.privateKey !== null;
}

/** Options of {@link startRegistry}; everything defaults to the environment's config. */
export interface StartRegistryOptions {
  /** A ready config; otherwise loaded from `env` (default: the process environment). */
  config?: RegistryConfig;
  env?: Record<string, string | undefined>;
  /** Override the configured port (0 picks a free one) and host. */
  port?: number;
  host?: string;
  logger?: Logger;
  clock?: Clock;
  /** Run the reaper in this process. @default true */
  reaper?: boolean;
}

/** A running registry (in-process), as returned by {@link startRegistry}. */
export interface RunningRegistry {
  /** Base URL, e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  app: RegistryApp;
  server: Server;
  config: RegistryConfig;
  redis: Redis;
  repository: RedisInstanceRepository;
  reaper: Reaper;
  /** Samples instance counts into the shared history (every REGISTRY_HISTORY_SAMPLE_SECONDS). */
  history: HistorySampler;
  jwtKeys: JwtKeys;
  /**
   * An admin token valid for 24 h, minted at start (handy for tests and the demo); null with
   * RS256 and no private key, where this process cannot sign.
   */
  adminToken: string | null;
  /** Mints a token with this registry's keys. */
  mintToken(claims: RegistryTokenClaims, ttlSeconds?: number): string;
  /** Graceful stop: refuse new requests, end SSE streams, stop the reaper, quit Redis. Idempotent. */
  close(): Promise<void>;
}

/**
 * Composition root: config → logger → Redis → repository → app → listen, plus the reaper.
 * Used by `kong-registry registry`, by tests and by the demo (port 0 is fine).
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const config =
    options.config ?? loadConfig({ host: options.host, port: options.port }, options.env);
  const host = options.host ?? config.host;
  const port = options.port ?? config.port;
  const logger = options.logger ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  logger.info({ config: redactConfig(config) }, 'starting registry');

  const jwtKeys = resolveJwtKeys(config.jwt);
  if (config.jwt.ephemeral) {
    logger.warn(
      'no REGISTRY_JWT_SECRET or REGISTRY_JWT_PUBLIC_KEY configured: using a random secret for this process only (tokens die with it; demo use only)',
    );
  }
  const redis = createRedisClient(config, logger);
  if (!(await waitForRedis(redis, 5000))) {
    logger.warn('Redis is not reachable yet: serving 503 until it is (see /readyz)');
  }
  // REGISTRY_REDIS_MIN_REPLICAS_ACK: registrations WAIT for replicas on a connection of their own.
  const ackRedis = config.replicaAck
    ? createRedisClient(config, logger.child({ connection: 'replica-ack' }))
    : undefined;
  if (ackRedis) await waitForRedis(ackRedis, 5000);
  const repository = new RedisInstanceRepository(
    redis,
    config.keyPrefix,
    config.eventsMaxLen,
    config.tombstoneSeconds,
    config.redisBatchMax,
    config.replicaAck && ackRedis ? { ...config.replicaAck, redis: ackRedis } : undefined,
  );
  const metrics = new RegistryMetrics();
  const sse = new SseHub(
    redis,
    repository.keys.events,
    logger.child({ component: 'events' }),
    (n) => metrics.sseClients.set(n),
    config.sseKeepAliveMs,
  );
  // The stored-data format: /readyz reads it, and this reads it every few seconds, so a newer
  // format met while nothing probes is still said once in the log (instances/schema-watch.ts).
  const schema = new SchemaWatch(
    () => repository.schemaStamp(),
    logger.child({ component: 'schema' }),
  );
  const control: AppControl = { shuttingDown: false };
  const history = new HistoryStore(redis, repository.keys);
  const app = createApp(
    { config, repository, jwtKeys, logger, clock, metrics, sse, schema, history },
    control,
  );
  // Every replica samples; the history stays correct however many do (history/sampler.ts).
  const sampler = new HistorySampler(
    {
      revision: () => history.revision(),
      snapshot: () => repository.snapshot(false),
      record: (sample) => history.record(sample),
    },
    config.historySampleMs,
    clock,
    logger.child({ component: 'history' }),
  );
  const reaper = new Reaper(
    repository,
    config.reaper,
    clock,
    logger.child({ component: 'reaper' }),
    metrics,
  );

  // The one entry point of every request: createApp's listener, which dispatches (see http/app.ts).
  const server = createServer(app).listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  if (options.reaper ?? true) reaper.start();
  schema.start();
  sampler.start();
  logger.info({ url }, 'registry listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info('shutting down: refusing new requests, closing event streams');
      control.shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      sse.closeAll();
      schema.stop();
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      force.unref();
      await Promise.all([closed, reaper.stop(), sampler.stop()]);
      clearTimeout(force);
      for (const connection of ackRedis ? [redis, ackRedis] : [redis]) {
        // QUIT's reply comes before the socket closes: wait for the end, so a stopped registry
        // holds no connection.
        const ended = connection.status === 'end' ? Promise.resolve() : once(connection, 'end');
        try {
          await connection.quit();
        } catch {
          connection.disconnect();
        }
        await ended;
      }
      logger.info('registry stopped');
    })();
    return closing;
  };

  return {
    url,
    port: address.port,
    app,
    server,
    config,
    redis,
    repository,
    reaper,
    history: sampler,
    jwtKeys,
    adminToken: canMint(jwtKeys)
      ? mintToken(jwtKeys, { role: 'admin' }, { ttlSeconds: 86_400 })
      : null,
    mintToken: (claims, ttlSeconds = 3600) => mintToken(jwtKeys, claims, { ttlSeconds }),
    close,
  };
}
