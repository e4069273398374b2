import type { Instance } from '@kong-registry/sdk';

/**
 * Instances that can do their work: not draining, not reported down by Kong, and not unhealthy
 * by their own last report (a route-less worker has only the latter). One rule for the route
 * table, the UI's counts and the fleet metrics.
 */
export function isInstanceHealthy(instance: Instance): boolean {
  if (instance.draining) return false;
  if (instance.selfHealth?.status === 'unhealthy') return false;
  const status = instance.gatewayHealth?.status;
  return status !== 'UNHEALTHY' && status !== 'DNS_ERROR';
}
