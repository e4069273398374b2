/**
 * Tiny HTTP listener for operators: `/metrics` (Prometheus), `/healthz` (process alive),
 * `/readyz` (200 after the first successful reconcile, 503 before).
 */
import { createServer, type Server } from 'node:http';
import type { MetricsSink } from './metrics-sink';

/** Starts the listener; resolves to the bound server. */
export function startStatusServer(
  metrics: MetricsSink,
  isReady: () => boolean,
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/readyz') {
      const ready = isReady();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(
          JSON.stringify(
            ready
              ? { status: 'ready' }
              : { code: 'KCP_NOT_READY', message: 'no successful reconcile yet' },
          ),
        );
    } else if (path === '/metrics' && metrics.expose) {
      metrics.expose().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    } else {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"code":"KCP_NOT_FOUND","message":"not found"}');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
