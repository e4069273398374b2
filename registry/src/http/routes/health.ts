import { Router } from 'express';
import { schemaRefusalReason } from '../../instances/schema';
import { SchemaWatch } from '../../instances/schema-watch';
import type { AppDeps } from '../deps';

/**
 * Probes and metrics, without authentication: `/healthz` says the process is up, `/readyz` that
 * Redis answers and holds data of a format this registry may write (503 otherwise, so a load
 * balancer skips this replica), `/metrics` is Prometheus, the fleet's health included
 * (../../fleet-metrics.ts).
 */
export function healthRoutes(deps: AppDeps, isShuttingDown: () => boolean): Router {
  const { repository, metrics } = deps;
  const schema =
    deps.schema ??
    new SchemaWatch(() => repository.schemaStamp(), deps.logger.child({ component: 'schema' }));
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    if (isShuttingDown()) {
      res.status(503).json({ status: 'shutting-down', redis: 'unknown' });
      return;
    }
    // Reading the stamp is the round trip that says Redis answers.
    let status;
    try {
      status = await schema.check();
    } catch {
      metrics.redisUp.set(0);
      res.status(503).json({ status: 'not-ready', redis: 'down' });
      return;
    }
    metrics.redisUp.set(1);
    const format = { stored: status.stored, supported: status.supported };
    if (!status.writable) {
      res.status(503).json({
        status: 'not-ready',
        redis: 'up',
        schema: format,
        reason: schemaRefusalReason(status),
      });
      return;
    }
    res.json({ status: 'ready', redis: 'up', schema: format });
  });

  // The fleet series (kr_service_*, kr_instance_up) are read from one snapshot per scrape.
  metrics.observeFleet(async () => (await repository.snapshot(false)).services);
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}
