/**
 * The fleet as Prometheus series, computed at scrape time from one registry snapshot, so an
 * alerting rule needs no glue: `kr_service_healthy_instances == 0`, `kr_instance_up == 0`. Pure:
 * the scrape reads the snapshot, this turns it into samples (deploy/prometheus/ has rules).
 */
import { isRouted, type ServiceView } from '@kong-registry/sdk';
import { isInstanceHealthy } from './instances/health';

/**
 * Most per-instance series one scrape exports: past it, `kr_instance_up` leaves out the rest
 * (counted in `kr_instance_series_dropped`) so that a huge fleet cannot blow up a scrape; the
 * per-service series are always complete.
 */
export const MAX_INSTANCE_SERIES = 10_000;

export interface ServiceSample {
  service: string;
  routed: 'true' | 'false';
  instances: number;
  healthy: number;
}

export interface InstanceSample {
  service: string;
  instance: string;
  routed: 'true' | 'false';
  /** 1 healthy (isInstanceHealthy), 0 registered but not healthy. */
  up: 0 | 1;
}

export interface FleetSamples {
  services: ServiceSample[];
  instances: InstanceSample[];
  /** Instances left out of `instances` by the cap. */
  dropped: number;
}

/** One sample per service and per instance (up to `maxInstanceSeries`), in snapshot order. */
export function fleetSamples(
  services: readonly ServiceView[],
  maxInstanceSeries = MAX_INSTANCE_SERIES,
): FleetSamples {
  const out: FleetSamples = { services: [], instances: [], dropped: 0 };
  for (const view of services) {
    const routed = isRouted(view.definition) ? 'true' : 'false';
    let healthy = 0;
    for (const instance of view.instances) {
      const up = isInstanceHealthy(instance) ? 1 : 0;
      healthy += up;
      if (out.instances.length < maxInstanceSeries)
        out.instances.push({ service: view.name, instance: instance.instanceId, routed, up });
      else out.dropped += 1;
    }
    out.services.push({ service: view.name, routed, instances: view.instances.length, healthy });
  }
  return out;
}
