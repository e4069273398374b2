import { Router } from 'express';
import type { AppDeps } from '../deps';

/**
 * Probes and metrics, without authentication: `/healthz` says the process is up, `/readyz` that
 * Redis answers (503 otherwise, so a load balancer skips this replica), `/metrics` is Prometheus,
 * the fleet's health included (../../fleet-metrics.ts).
 */
export function healthRoutes(deps: AppDeps, isShuttingDown: () => boolean): Router {
  const { repository, metrics } = deps;
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    if (isShuttingDown()) {
      res.status(503).json({ status: 'shutting-down', redis: 'unknown' });
      return;
    }
    try {
      await repository.ping();
      metrics.redisUp.set(1);
      res.json({ status: 'ready', redis: 'up' });
    } catch {
      metrics.redisUp.set(0);
      res.status(503).json({ status: 'not-ready', redis: 'down' });
    }
  });

  // The fleet series (kr_service_*, kr_instance_up) are read from one snapshot per scrape.
  metrics.observeFleet(async () => (await repository.snapshot(false)).services);
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}
