import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { errorCode, type ServiceView } from '@kong-registry/sdk';
import { fleetSamples, type FleetSamples } from './fleet-metrics';

/** What one scrape learnt from its fleet read. */
interface Scrape {
  samples?: FleetSamples;
  /** 1 the read succeeded, 0 Redis was unavailable; undefined when nothing was read. */
  redis?: 0 | 1;
}

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

  /** Where the fleet series come from: set by {@link observeFleet}. */
  private readFleet: (() => Promise<readonly ServiceView[]>) | undefined;
  /** The read of the scrape under way, shared by the fleet gauges (one snapshot per scrape). */
  private pending: Promise<Scrape> | undefined;

  // Set by every scrape's fleet read as well as by /readyz, so that an alert on it needs nothing
  // but Prometheus scraping /metrics.
  readonly redisUp = this.scrapeGauge(
    'registry_redis_up',
    "1 when Redis answered the last check (a scrape's fleet read, or /readyz), 0 when it was unavailable",
    [],
    (scrape, g) => {
      if (scrape.redis !== undefined) g.set(scrape.redis);
    },
  );

  readonly serviceInstances = this.fleetGauge(
    'kr_service_instances',
    'Live instances of a service (routed="false": a route-less worker)',
    ['service', 'routed'],
    (s, g) => {
      for (const x of s.services) g.set({ service: x.service, routed: x.routed }, x.instances);
    },
  );
  readonly serviceHealthy = this.fleetGauge(
    'kr_service_healthy_instances',
    'Live instances of a service that are healthy: not draining, not down in Kong, not unhealthy by their own report',
    ['service', 'routed'],
    (s, g) => {
      for (const x of s.services) g.set({ service: x.service, routed: x.routed }, x.healthy);
    },
  );
  readonly serviceDraining = this.fleetGauge(
    'kr_service_draining_instances',
    'Live instances of a service that are draining (weight 0 in Kong until they deregister)',
    ['service', 'routed'],
    (s, g) => {
      for (const x of s.services) g.set({ service: x.service, routed: x.routed }, x.draining);
    },
  );
  readonly instanceUp = this.fleetGauge(
    'kr_instance_up',
    '1 when a live instance is healthy (as kr_service_healthy_instances counts), 0 when it is not; gone when its lease ends',
    // instance_id, not instance: Prometheus sets `instance` to the scrape target itself.
    ['service', 'instance_id', 'routed'],
    (s, g) => {
      for (const x of s.instances)
        g.set({ service: x.service, instance_id: x.instance, routed: x.routed }, x.up);
    },
  );
  readonly instanceLeaseAge = this.fleetGauge(
    'kr_instance_lease_age_seconds',
    'Seconds since a live instance took its lease; refreshes keep it, a new lease after a lost one starts again at 0',
    ['service', 'instance_id', 'routed'],
    (s, g) => {
      for (const x of s.instances)
        if (x.leaseAgeSeconds !== undefined)
          g.set(
            { service: x.service, instance_id: x.instance, routed: x.routed },
            x.leaseAgeSeconds,
          );
    },
  );
  readonly instanceDraining = this.fleetGauge(
    'kr_instance_draining',
    '1 while a live instance drains (weight 0 in Kong), 0 otherwise',
    ['service', 'instance_id', 'routed'],
    (s, g) => {
      for (const x of s.instances)
        g.set({ service: x.service, instance_id: x.instance, routed: x.routed }, x.draining);
    },
  );
  readonly instanceGatewayUp = this.fleetGauge(
    'kr_instance_gateway_up',
    "Kong's health of a routed instance, as the controller last reported it: 1 Kong routes to it (HEALTHY, or checks off), 0 Kong took it out (UNHEALTHY, DNS_ERROR); absent before a report",
    ['service', 'instance_id', 'routed'],
    (s, g) => {
      for (const x of s.instances)
        if (x.gatewayUp !== undefined)
          g.set({ service: x.service, instance_id: x.instance, routed: x.routed }, x.gatewayUp);
    },
  );
  readonly instanceSeriesDropped = this.fleetGauge(
    'kr_instance_series_dropped',
    'Instances left out of the per-instance series (kr_instance_*) by their per-scrape cap',
    [],
    (s, g) => g.set(s.dropped),
  );

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Exports the fleet series, read by `read` (a registry snapshot) once per scrape. A failed read
   * leaves them empty for that scrape: `registry_redis_up` and `/readyz` say why.
   */
  observeFleet(read: () => Promise<readonly ServiceView[]>): void {
    this.readFleet = read;
  }

  /** What this scrape read: the gauges' collects run together and share one read. */
  private scrape(): Promise<Scrape> {
    const read = this.readFleet;
    if (!read) return Promise.resolve({});
    this.pending ??= read()
      .then((services): Scrape => ({
        samples: fleetSamples(services, { now: Date.now() }),
        redis: 1,
      }))
      .catch((err: unknown): Scrape =>
        errorCode(err) === 'REG_ERR_REDIS_UNAVAILABLE' ? { redis: 0 } : {},
      )
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** A gauge filled at scrape time from the scrape's read. */
  private scrapeGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (scrape: Scrape, gauge: Gauge<L>) => void,
  ): Gauge<L> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- collect() runs with the gauge as this
    const metrics = this;
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        fill(await metrics.scrape(), this);
      },
    });
  }

  /** A fleet gauge: emptied at every scrape, then filled from its samples (if the read worked). */
  private fleetGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (samples: FleetSamples, gauge: Gauge<L>) => void,
  ): Gauge<L> {
    return this.scrapeGauge(name, help, labelNames, (scrape, gauge) => {
      gauge.reset();
      if (scrape.samples) fill(scrape.samples, gauge);
    });
  }
}
