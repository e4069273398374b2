import { existsSync } from 'node:fs';
import express, { type Express, type RequestHandler } from 'express';
import { ConsumerService } from '../consumers/service';
import { RegistryError } from '../errors';
import type { AppDeps } from './deps';
import { createErrorHandler, notFoundHandler } from './error-handler';
import { authenticate } from './middleware/auth';
import { jsonBody } from './middleware/json-body';
import { requestLog } from './middleware/request-log';
import { buildOpenApiDocument } from './openapi/document';
import { consumerRoutes } from './routes/consumers';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { instanceRoutes } from './routes/instances';
import { serviceRoutes } from './routes/services';

/** Switches the app into "draining" for shutdown: new requests get 503 and `Connection: close`. */
export interface AppControl {
  shuttingDown: boolean;
}

/** Counts requests and their duration by route template (never by raw path, to bound labels). */
function requestMetrics(deps: AppDeps): RequestHandler {
  return (req, res, next) => {
    const stop = deps.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      deps.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      stop({ method: req.method, route });
    });
    next();
  };
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
  app.use(requestMetrics(deps));
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

  app.use('/v1', authenticate(deps.jwtKeys), ...jsonBody(deps.config.bodyLimitBytes));
  app.use(instanceRoutes(deps));
  app.use(serviceRoutes(deps));
  app.use(eventRoutes(deps));
  app.use(consumerRoutes(new ConsumerService(deps.repository, deps.clock)));

  app.use(notFoundHandler);
  app.use(createErrorHandler(deps.logger.child({ component: 'http' })));
  return app;
}
