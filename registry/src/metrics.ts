import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one registry process. Each app gets its own prom-client Registry, so
 * several registries in one process (tests) never collide on metric names.
 */
export class RegistryMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'registry_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'registry_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly registrations = new Counter({
    name: 'registry_registrations_total',
    help: 'Accepted registrations, by kind (registered = new lease, updated = refresh)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly heartbeats = new Counter({
    name: 'registry_heartbeats_total',
    help: 'Heartbeats, by result (renewed, lease_not_found)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly reaped = new Counter({
    name: 'registry_reaped_instances_total',
    help: "Instances removed by this replica's reaper, by reason (expired, drained)",
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly sseClients = new Gauge({
    name: 'registry_sse_clients',
    help: 'Open /v1/events streams',
    registers: [this.registry],
  });
  readonly redisUp = new Gauge({
    name: 'registry_redis_up',
    help: '1 when the last Redis check succeeded',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
