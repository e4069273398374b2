import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { silentLogger, type Logger } from '../health/checker';
import { probeTarget } from '../health/probe';
import { HealthRegistry } from '../health/registry';
import type { HealthView, StoreReader } from '../store/types';
import { RoundRobinBalancer } from './balancer';
import { KONG_MESSAGES } from './errors';
import { AgentPool } from './forward';
import { handleProxyRequest, type ProxyDeps } from './handle-request';
import { adaptHttp2Exchange } from './http2-request';
import { listenProxy } from './listener';
import { LogQueues } from './log/log-queue';
import { runLogPhase, type LogPhaseDeps } from './log/phase';
import { PrometheusExporter } from './log/prometheus';
import type { RequestRecord } from './log/record';
import { createAccessPlugins } from './plugins';
import { sendPdkError } from './respond';
import { WorkerState, type WorkerSettings } from './worker-state';

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  /** Interface to listen on, e.g. `127.0.0.1`. */
  host: string;
  /** Port to listen on; 0 picks a free port. */
  port: number;
  /** Kong's `http2` listener flag: HTTP/2 cleartext (gRPC) beside HTTP/1.x. @default false */
  http2?: boolean;
  /** The node id the Admin API reports (kept for log context). */
  nodeId?: string;
  logger?: Logger;
  /** DB mode or DB-less: when writes reach the workers (worker-state.ts). @default 'db' */
  mode?: 'db' | 'dbless';
  /** `worker_consistency` and `worker_state_update_frequency`. @default Kong's: eventual, 5 s */
  workers?: WorkerSettings;
}

/** A running proxy. */
export interface RunningProxy {
  url: string;
  port: number;
  /** Health of upstream targets, for `/upstreams/{u}/health` and the manual overrides. */
  health: HealthView;
  /** The prometheus plugin's series as the Admin API's `GET /metrics` shows them. */
  metrics(): string;
  /** Stops listening, stops every health check timer and closes pooled connections. */
  close(): Promise<void>;
}

/**
 * Starts kong-sim's proxy (Kong's port 8000): routes requests by the store's routes, runs
 * key-auth/jwt/acl, balances over upstream targets and health-checks them. It only reads the
 * store and follows its changes: the router and plugins when Kong's workers would take them up
 * (worker-state.ts), balancers and health checkers at once.
 */
export async function createProxy(
  store: StoreReader,
  options: ProxyOptions,
): Promise<RunningProxy> {
  const logger = options.logger ?? silentLogger;
  const health = new HealthRegistry(store, { probe: probeTarget, logger });
  let listeningPort = options.port;
  const workers = new WorkerState(store, logger, options.mode ?? 'db', options.workers);
  // One workspace, as in Kong OSS: its id shows in log entries.
  const workspaceId = randomUUID();
  const prometheus = new PrometheusExporter();
  const queues = new LogQueues((msg, fields) => logger.error(fields, `http-log: ${msg}`));
  const logPhase: LogPhaseDeps = {
    prometheus,
    queues,
    logger,
    node: () => ({ workspaceId, port: listeningPort }),
  };
  const afterResponse = (res: ServerResponse, record: RequestRecord): void => {
    let done = false;
    const log = (): void => {
      if (done) return;
      done = true;
      try {
        runLogPhase(record, logPhase);
      } catch (err) {
        logger.error({ err: String(err), requestId: record.requestId }, 'log phase failed');
      }
    };
    res.once('finish', log);
    res.once('close', log);
  };
  const balancer = new RoundRobinBalancer();
  const unfollowBalancer = balancer.follow(store);
  const deps: ProxyDeps = {
    store,
    workers,
    health,
    balancer,
    agents: new AgentPool(),
    logger,
    plugins: createAccessPlugins(),
    port: () => listeningPort,
    afterResponse,
  };

  // Active checks must run without traffic, so follow changes eagerly (coalesced per tick).
  let syncQueued = false;
  const unsubscribe = store.onChange(() => {
    if (syncQueued) return;
    syncQueued = true;
    setImmediate(() => {
      syncQueued = false;
      health.sync();
    }).unref();
  });
  health.sync();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    handleProxyRequest(req, res, deps).catch((err: unknown) => {
      logger.error({ err: String(err), method: req.method, url: req.url }, 'proxy request failed');
      sendPdkError(
        req,
        res,
        { requestId: '', startedAt: performance.now() },
        500,
        KONG_MESSAGES.unexpected,
      );
    });
  };
  const listener = await listenProxy(
    { host: options.host, port: options.port, http2: options.http2 ?? false },
    {
      http1: handle,
      http2: (req, res, clientAddress) => {
        const exchange = adaptHttp2Exchange(req, res, clientAddress);
        handle(exchange.req, exchange.res);
      },
    },
  );
  listeningPort = listener.port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${hostForUrl}:${listeningPort}`;
  logger.info({ url, nodeId: options.nodeId }, 'proxy listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port: listeningPort,
    health,
    metrics: () =>
      prometheus.render({
        store,
        health,
        nodeId: options.nodeId ?? '',
        // The plugin's `configure` sees the instances the plugins iterator was built with.
        enabled: workers.builtPlugins().some((p) => p.name === 'prometheus' && p.enabled),
      }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        unfollowBalancer();
        queues.close();
        deps.workers.close();
        health.close();
        deps.agents.destroy();
        void listener.close().then(resolve);
      });
      return closing;
    },
  };
}
