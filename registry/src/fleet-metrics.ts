/**
 * The fleet as Prometheus series, computed at scrape time from one registry snapshot, so an
 * alerting rule needs no glue: `kr_service_healthy_instances == 0`, `kr_instance_up == 0`. Pure:
 * the scrape reads the snapshot, this turns it into samples (deploy/prometheus/ has rules).
 */
import { isRouted, type Instance, type ServiceView } from '@kong-registry/sdk';
import { isInstanceHealthy } from './instances/health';

/**
 * Most instances one scrape exports per-instance series for (`kr_instance_*`, up to four each):
 * past it the rest are left out (counted in `kr_instance_series_dropped`) so that a huge fleet
 * cannot blow up a scrape; the per-service series are always complete.
 */
export const MAX_INSTANCE_SERIES = 10_000;

export interface ServiceSample {
  service: string;
  routed: 'true' | 'false';
  instances: number;
  healthy: number;
  draining: number;
}

export interface InstanceSample {
  service: string;
  instance: string;
  routed: 'true' | 'false';
  /** 1 healthy (isInstanceHealthy), 0 registered but not healthy. */
  up: 0 | 1;
  /** Seconds since the lease was taken (registeredAt: kept by refreshes, reset by a new lease). */
  leaseAgeSeconds: number | undefined;
  draining: 0 | 1;
  /** Kong's view: 1 routed to, 0 taken out; undefined before the first report (and for workers). */
  gatewayUp: 0 | 1 | undefined;
}

export interface FleetSamples {
  services: ServiceSample[];
  instances: InstanceSample[];
  /** Instances left out of `instances` by the cap. */
  dropped: number;
}

/** Kong routes to HEALTHY targets and to those it does not check; UNKNOWN says nothing. */
function gatewayUp(instance: Instance): 0 | 1 | undefined {
  switch (instance.gatewayHealth?.status) {
    case 'HEALTHY':
    case 'HEALTHCHECKS_OFF':
      return 1;
    case 'UNHEALTHY':
    case 'DNS_ERROR':
      return 0;
    default:
      return undefined;
  }
}

function leaseAge(instance: Instance, now: number): number | undefined {
  const since = Date.parse(instance.registeredAt);
  return Number.isFinite(since) ? Math.max(0, (now - since) / 1000) : undefined;
}

/** One sample per service and per instance (up to `maxInstanceSeries`), in snapshot order. */
export function fleetSamples(
  services: readonly ServiceView[],
  { now, maxInstanceSeries = MAX_INSTANCE_SERIES }: { now: number; maxInstanceSeries?: number },
): FleetSamples {
  const out: FleetSamples = { services: [], instances: [], dropped: 0 };
  for (const view of services) {
    const routed = isRouted(view.definition) ? 'true' : 'false';
    let healthy = 0;
    let draining = 0;
    for (const instance of view.instances) {
      const up = isInstanceHealthy(instance) ? 1 : 0;
      healthy += up;
      if (instance.draining) draining += 1;
      if (out.instances.length < maxInstanceSeries)
        out.instances.push({
          service: view.name,
          instance: instance.instanceId,
          routed,
          up,
          leaseAgeSeconds: leaseAge(instance, now),
          draining: instance.draining ? 1 : 0,
          gatewayUp: gatewayUp(instance),
        });
      else out.dropped += 1;
    }
    out.services.push({
      service: view.name,
      routed,
      instances: view.instances.length,
      healthy,
      draining,
    });
  }
  return out;
}
