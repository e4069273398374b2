/**
 * How the registry reads what its Lua scripts stored: instances, definitions and tombstones as
 * JSON, in the contract's field order (cjson reorders keys), with defaults for fields older
 * records lack.
 */
import {
  isRouted,
  type Instance,
  type ServiceDefinition,
  type Tombstone,
} from '@kong-registry/sdk';

/**
 * Parses an instance stored by a script. Lua's cjson reorders keys; rebuilding the object in
 * contract order keeps replies readable and stable.
 */
export function parseInstance(json: string): Instance {
  const raw = JSON.parse(json) as Instance;
  return {
    service: raw.service,
    instanceId: raw.instanceId,
    host: raw.host,
    port: raw.port,
    protocol: raw.protocol,
    version: raw.version ?? null,
    weight: raw.weight,
    metadata: raw.metadata ?? {},
    ttlSeconds: raw.ttlSeconds,
    registeredAt: raw.registeredAt,
    lastHeartbeatAt: raw.lastHeartbeatAt,
    leaseExpiresAt: raw.leaseExpiresAt,
    draining: raw.draining === true,
    drainUntil: raw.drainUntil ?? null,
    gatewayHealth: raw.gatewayHealth ?? null,
    labels: raw.labels ?? {},
    selfHealth: raw.selfHealth ?? null,
  };
}

/** Parses a stored definition; one stored before `route` existed was routed. */
export function parseDefinition(json: string): ServiceDefinition {
  const raw = JSON.parse(json) as ServiceDefinition;
  return raw.route === undefined ? { ...raw, route: isRouted(raw) } : raw;
}

/** Parses a tombstone stored by a script, in contract order (cjson reorders keys). */
export function parseTombstone(json: string): Tombstone {
  const raw = JSON.parse(json) as Tombstone;
  return {
    service: raw.service,
    instanceId: raw.instanceId,
    reason: raw.reason,
    revision: Number(raw.revision),
    at: raw.at,
  };
}

/** Sorts instances by id so replies and snapshots are stable. */
export function byInstanceId(a: Instance, b: Instance): number {
  return a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
}
