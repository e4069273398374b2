/**
 * kong-sim: a Kong Gateway 3.9 double for tests and local development (not a production
 * gateway). `startKongSim` wires the store, the Admin API (this half) and the proxy half.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildAdminRouter } from './admin/api';
import { KONG_VERSION, type AdminContext } from './admin/context';
import { RequestLog, type RecordedRequest } from './admin/request-log';
import { createAdminServer, type SimLogger } from './admin/server';
import { Dao } from './dao/dao';
import { MemoryStore } from './dao/memory-store';
import { createProxy } from './proxy';
import { KONG_WORKER_DEFAULTS, type WorkerSettings } from './proxy/worker-state';
import type { StoreReader } from './store/types';

export { KONG_WORKER_DEFAULTS, type WorkerSettings } from './proxy/worker-state';
export type { RecordedRequest } from './admin/request-log';
export type { SimLogger } from './admin/server';
export type * from './store/types';

/** Options of {@link startKongSim}. */
export interface KongSimOptions {
  /** Interface both listeners bind to. @default '127.0.0.1' */
  host?: string;
  /** Admin API port; 0 picks a free one. @default 0 */
  adminPort?: number;
  /** Proxy port; 0 picks a free one. @default 0 */
  proxyPort?: number;
  /**
   * Kong's `http2` flag on the proxy listener (`proxy_listen = ... http2`): HTTP/2 cleartext,
   * which gRPC clients use, beside HTTP/1.x. @default false (Kong's default listener has none)
   */
  proxyHttp2?: boolean;
  /** `db` behaves like Kong with Postgres; `dbless` like `database=off`. @default 'db' */
  mode?: 'db' | 'dbless';
  /** When set, Admin API requests must send `Kong-Admin-Token: <token>` (else 401). */
  adminToken?: string;
  /** pino-compatible logger. @default silent */
  logger?: SimLogger;
  /**
   * `worker_consistency` (DB mode): `eventual` rebuilds the router and plugins on a timer,
   * `strict` on the first request after a change (kong-sim/KONG_BEHAVIOUR.md#when-a-write-reaches-the-proxy).
   * @default 'eventual' (Kong's default)
   */
  workerConsistency?: 'strict' | 'eventual';
  /** `worker_state_update_frequency` in seconds: the timer's period. @default 5 (Kong's default) */
  workerStateUpdateFrequency?: number;
}

/** A running kong-sim. */
export interface KongSim {
  /** Admin API base URL, e.g. `http://127.0.0.1:8001`. */
  admin: string;
  /** Proxy base URL. */
  proxy: string;
  mode: 'db' | 'dbless';
  /** Stops both listeners; safe to call more than once. */
  close(): Promise<void>;
  /** Every Admin API request since start or the last reset. */
  requests(): RecordedRequest[];
  resetRequests(): void;
  /** POST/PUT/PATCH/DELETE Admin API requests since start or the last reset. */
  writeCount(): number;
  /** Read access to the entities (what the proxy sees). */
  store: StoreReader;
}

const silentLogger: SimLogger = { debug() {}, info() {}, warn() {}, error() {} };

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the Admin API and the proxy; resolves once both listen. */
export async function startKongSim(options: KongSimOptions = {}): Promise<KongSim> {
  const host = options.host ?? '127.0.0.1';
  const mode = options.mode ?? 'db';
  const logger = options.logger ?? silentLogger;
  const nodeId = randomUUID();
  const store = new MemoryStore();
  const dao = new Dao(store, { dbless: mode === 'dbless' });
  const workers: WorkerSettings = {
    workerConsistency: options.workerConsistency ?? KONG_WORKER_DEFAULTS.workerConsistency,
    workerStateUpdateFrequency:
      options.workerStateUpdateFrequency ?? KONG_WORKER_DEFAULTS.workerStateUpdateFrequency,
  };
  if (
    !(workers.workerStateUpdateFrequency > 0) ||
    !Number.isFinite(workers.workerStateUpdateFrequency)
  )
    throw new RangeError(
      `workerStateUpdateFrequency must be a number of seconds above 0, not ${workers.workerStateUpdateFrequency}`,
    );
  const proxy = await createProxy(store, {
    host,
    port: options.proxyPort ?? 0,
    http2: options.proxyHttp2 ?? false,
    nodeId,
    logger,
    mode,
    workers,
  });

  let configHash = '0'.repeat(32);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let adminPort = options.adminPort ?? 0;
  const ctx: AdminContext = {
    dao,
    health: () => proxy.health,
    nodeId,
    mode,
    version: KONG_VERSION,
    configHash: () => configHash,
    setConfigHash: (hash) => {
      configHash = hash;
    },
    listen: () => ({
      admin: { host, port: adminPort },
      proxy: { host, port: proxy.port, http2: options.proxyHttp2 ?? false },
    }),
    workers,
    metrics: () => proxy.metrics(),
  };
  const log = new RequestLog();
  const server = createAdminServer({
    router: buildAdminRouter(ctx),
    log,
    logger,
    adminToken: options.adminToken,
  });
  try {
    adminPort = await listen(server, adminPort, host);
  } catch (err) {
    await proxy.close();
    throw err;
  }
  logger.info({ admin: adminPort, proxy: proxy.port, mode }, 'kong-sim listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await proxy.close();
    })();
    return closing;
  };
  return {
    admin: `http://${urlHost}:${adminPort}`,
    proxy: proxy.url,
    mode,
    close,
    requests: () => log.requests(),
    resetRequests: () => log.reset(),
    writeCount: () => log.writeCount(),
    store,
  };
}
