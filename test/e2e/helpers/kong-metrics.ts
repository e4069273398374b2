import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Kong's `/metrics` as its prometheus plugin (status_code_metrics on) writes
 * `kong_http_requests_total`, on a loopback port: kong-sim does not have the plugin. Each read
 * adds every service's step to its counters, so rates depend on reads, not on wall time, and the
 * share of 5xx is exact.
 */
export async function startKongMetrics(): Promise<{
  url: string;
  /** Per service: requests answered 200 and 500 added by each read. */
  steps: Map<string, { ok: number; failed: number }>;
  close(): Promise<void>;
}> {
  const steps = new Map<string, { ok: number; failed: number }>();
  const counts = new Map<string, { ok: number; failed: number }>();
  const render = (): string => {
    const lines = ['# TYPE kong_http_requests_total counter'];
    for (const [service, step] of steps) {
      const count = counts.get(service) ?? { ok: 0, failed: 0 };
      count.ok += step.ok;
      count.failed += step.failed;
      counts.set(service, count);
      const labels = (code: number) =>
        `service="${service}",route="${service}",code="${code}",source="service",workspace="default",consumer=""`;
      lines.push(`kong_http_requests_total{${labels(200)}} ${count.ok}`);
      lines.push(`kong_http_requests_total{${labels(500)}} ${count.failed}`);
    }
    return `${lines.join('\n')}\n`;
  };
  const server = createServer((req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end(req.url === '/metrics' ? render() : '');
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    steps,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
