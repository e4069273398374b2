import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { RegistryMetrics } from '../../metrics';

/**
 * Counts a request and its duration once its response is done, labelled by route template
 * (never by raw path, to bound labels). `routeOf` is asked at the end, once routing has
 * happened. Shared by the Express middleware and the hot lane (../hot-lane.ts).
 */
export function trackMetrics(
  metrics: RegistryMetrics,
  method: string,
  res: ServerResponse,
  routeOf: () => string,
): void {
  const stop = metrics.httpDuration.startTimer();
  res.on('finish', () => {
    const route = routeOf();
    metrics.httpRequests.inc({ method, route, status: String(res.statusCode) });
    stop({ method, route });
  });
}

/** Counts requests and their duration by the route Express matched ('unmatched' for none). */
export function requestMetrics(metrics: RegistryMetrics): RequestHandler {
  return (req, res, next) => {
    trackMetrics(
      metrics,
      req.method,
      res,
      () => (req.route as { path?: string } | undefined)?.path ?? 'unmatched',
    );
    next();
  };
}
