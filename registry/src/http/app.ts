import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { VerifiedTokenCache } from '../auth/token-cache';
import { ConsumerService } from '../consumers/service';
import { RegistryError } from '../errors';
import type { AppDeps } from './deps';
import { createErrorHandler, notFoundHandler } from './error-handler';
import { heartbeatFastPath } from './heartbeat-fast-path';
import { createRegistrar } from './register';
import { registerFastPath } from './register-fast-path';
import { authenticate, TOKEN_CACHE_ENTRIES } from './middleware/auth';
import { jsonBody } from './middleware/json-body';
import { accessLogger, requestLog } from './middleware/request-log';
import { requestMetrics } from './middleware/request-metrics';
import { buildOpenApiDocument } from './openapi/document';
import { consumerRoutes } from './routes/consumers';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { instanceRoutes } from './routes/instances';
import { serviceRoutes } from './routes/services';

type ExpressHandle = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

/** Switches the app into "draining" for shutdown: new requests get 503 and `Connection: close`. */
export interface AppControl {
  shuttingDown: boolean;
}

/**
 * Builds the registry's Express app from its dependencies. Never listens: `startRegistry` does,
 * and tests drive it with supertest.
 *
 * Auth: `/healthz`, `/readyz`, `/metrics`, `/v1/openapi.json` and the static files of `/ui` are
 * public; every other `/v1` path needs a bearer token (see each router for admin-only paths).
 */
export function createApp(deps: AppDeps, control: AppControl = { shuttingDown: false }): Express {
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
  const registrar = createRegistrar(deps);
  app.use(instanceRoutes(deps, registrar));
  app.use(serviceRoutes(deps));
  app.use(eventRoutes(deps));
  app.use(consumerRoutes(new ConsumerService(deps.repository, deps.clock)));

  app.use(notFoundHandler);
  const errorLog = deps.logger.child({ component: 'http' });
  app.use(createErrorHandler(errorLog));

  // Heartbeats and registrations with a known token skip Express (see heartbeatFastPath and
  // registerFastPath); the hook is the app's own request entry point, so `listen` and supertest
  // alike go through it.
  const isShuttingDown = (): boolean => control.shuttingDown;
  const accessLog = accessLogger(deps.logger);
  const heartbeat = heartbeatFastPath({ ...deps, tokens, accessLog, errorLog, isShuttingDown });
  const register = registerFastPath({
    register: registrar,
    tokens,
    metrics: deps.metrics,
    accessLog,
    errorLog,
    bodyLimitBytes: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    isShuttingDown,
  });
  const routable = app as unknown as { handle: ExpressHandle };
  const expressHandle = routable.handle.bind(app);
  routable.handle = (req, res, next) => {
    if (!heartbeat(req, res) && !register(req, res)) expressHandle(req, res, next);
  };
  return app;
}
