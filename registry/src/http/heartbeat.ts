import type { LeaseReply } from '@kong-registry/sdk';
import { RegistryError } from '../errors';
import { heartbeatIntervalSeconds } from '../instances/lease';
import type { AppDeps } from './deps';

/** The heartbeat route, as Express declares it and as metrics label it. */
export const HEARTBEAT_ROUTE = '/v1/services/:service/instances/:instanceId/heartbeat';

/**
 * Renews the lease of a (validated) instance and builds the reply; REG_ERR_LEASE_NOT_FOUND when
 * there is no live lease. The one implementation behind the Express route and the fast path.
 */
export async function renewLease(
  deps: Pick<AppDeps, 'repository' | 'clock' | 'metrics'>,
  service: string,
  instanceId: string,
): Promise<LeaseReply> {
  // One round trip: the script renews by the stored TTL, no separate read of it first.
  const renewed = await deps.repository.heartbeat(service, instanceId, deps.clock());
  if (!renewed) {
    deps.metrics.heartbeats.inc({ result: 'lease_not_found' });
    throw new RegistryError(
      'REG_ERR_LEASE_NOT_FOUND',
      `no live lease for ${service}/${instanceId}: register again`,
    );
  }
  deps.metrics.heartbeats.inc({ result: 'renewed' });
  return {
    instance: renewed.instance,
    leaseExpiresAt: renewed.instance.leaseExpiresAt,
    heartbeatIntervalSeconds: heartbeatIntervalSeconds(renewed.instance.ttlSeconds),
    definition: renewed.definition,
  };
}
