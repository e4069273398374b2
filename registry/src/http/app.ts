import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { VerifiedTokenCache } from '../auth/token-cache';
import { ConsumerStore } from '../consumers/store';
import { ConsumerService } from '../consumers/service';
import { RegistryError } from '../errors';
import type { AppDeps } from './deps';
import { createErrorHandler, notFoundHandler } from './error-handler';
import { HistoryStore } from '../history/store';
import { InstanceService } from '../instances/instance-service';
import { KongTraffic } from '../traffic/kong-traffic';
import { hotLane } from './hot-lane';
import { authenticate, TOKEN_CACHE_ENTRIES } from './middleware/auth';
import { jsonBody } from './middleware/json-body';
import { accessLogger, requestLog } from './middleware/request-log';
import { requestMetrics } from './middleware/request-metrics';
import { buildOpenApiDocument } from './openapi/document';
import { consumerRoutes } from './routes/consumers';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { historyRoutes } from './routes/history';
import { instanceRoutes } from './routes/instances';
import { serviceRoutes } from './routes/services';

/**
 * The registry's request listener: what `node:http`'s server (main.ts) and supertest call. The
 * Express app it dispatches to is reachable for tests that need it.
 */
export interface RegistryApp {
  (req: IncomingMessage, res: ServerResponse): void;
  readonly express: Express;
}

/** Switches the app into "draining" for shutdown: new requests get 503 and `Connection: close`. */
export interface AppControl {
  shuttingDown: boolean;
}

/**
 * Builds the registry from its dependencies: one request listener, the single dispatch point of
 * every request. Never listens: `startRegistry` does, and tests drive it with supertest.
 *
 * Dispatch: the plain heartbeat and registration with a known token take the hot lane
 * (./hot-lane.ts); every other request, and every request while shutting down, goes to Express.
 * Both lanes call the same InstanceService.
 *
 * Auth: `/healthz`, `/readyz`, `/metrics`, `/v1/openapi.json` and the static files of `/ui` are
 * public; every other `/v1` path needs a bearer token (see each router for admin-only paths).
 */
export function createApp(
  deps: AppDeps,
  control: AppControl = { shuttingDown: false },
): RegistryApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('etag', false);
  app.use(requestLog(deps.logger));
  app.use(requestMetrics(deps.metrics));
  app.use((_req, res, next) => {
    if (control.shuttingDown) {
      res.set('Connection', 'close');
      next(new RegistryError('REG_ERR_SHUTTING_DOWN'));
      return;
    }
    next();
  });

  app.use(healthRoutes(deps, () => control.shuttingDown));
  const openapi = buildOpenApiDocument(deps.config.lease);
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  if (existsSync(deps.config.uiDir)) {
    // Static assets only; the page calls the API with an admin token the user pastes in.
    app.use('/ui', express.static(deps.config.uiDir, { index: 'index.html', fallthrough: true }));
  }

  const tokens = new VerifiedTokenCache(TOKEN_CACHE_ENTRIES);
  app.use('/v1', authenticate(deps.jwtKeys, tokens), ...jsonBody(deps.config.bodyLimitBytes));
  const instances = new InstanceService(deps);
  app.use(instanceRoutes(instances));
  app.use(serviceRoutes(deps));
  app.use(eventRoutes(deps));
  const consumers = new ConsumerStore(
    deps.repository.redis,
    deps.repository.keys,
    deps.repository.eventsMaxLen,
  );
  app.use(consumerRoutes(new ConsumerService(consumers, deps.clock)));
  app.use(
    historyRoutes(
      deps.history ?? new HistoryStore(deps.repository.redis, deps.repository.keys),
      deps.traffic ?? new KongTraffic(deps.config.kongMetrics, deps.clock),
      deps.clock,
    ),
  );

  app.use(notFoundHandler);
  const errorLog = deps.logger.child({ component: 'http' });
  app.use(createErrorHandler(errorLog));

  const lane = hotLane({
    instances,
    tokens,
    metrics: deps.metrics,
    accessLog: accessLogger(deps.logger),
    errorLog,
    bodyLimitBytes: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
  });
  const registry = (req: IncomingMessage, res: ServerResponse): void => {
    // While shutting down, Express's gate (above) answers every request with 503.
    if (control.shuttingDown || !lane(req, res)) app(req, res);
  };
  return Object.assign(registry, { express: app });
}
