/**
 * Builders of registry snapshots for tests and demos: defaults match the registry's documented
 * defaults (sdk/src/contract.ts), so a test only spells out what it is about.
 */
import type {
  Consumer,
  Instance,
  ServiceDefinition,
  ServiceView,
  StateSnapshot,
  Tombstone,
} from '@kong-registry/sdk';

/** A fixed clock for tests: leases in the factory run until one hour after this. */
export const TEST_NOW = new Date('2026-01-01T00:00:00.000Z');

/** A service definition with the registry's defaults, overridden by `patch`. */
export function makeDefinition(
  name: string,
  patch: Partial<ServiceDefinition> = {},
): ServiceDefinition {
  return {
    route: true,
    prefix: `/${name}`,
    stripPrefix: true,
    protocol: 'http',
    auth: { type: 'none', allowGroups: [] },
    healthCheck: {
      path: '/health',
      intervalSeconds: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      timeoutSeconds: 2,
    },
    ...patch,
  };
}

/** A live instance (lease valid at TEST_NOW). */
export function makeInstance(
  service: string,
  instanceId: string,
  patch: Partial<Instance> = {},
): Instance {
  return {
    service,
    instanceId,
    host: '10.0.0.1',
    port: 8080,
    protocol: 'http',
    version: null,
    weight: 100,
    metadata: {},
    ttlSeconds: 15,
    registeredAt: '2025-12-31T23:00:00.000Z',
    lastHeartbeatAt: '2025-12-31T23:59:59.000Z',
    leaseExpiresAt: '2026-01-01T01:00:00.000Z',
    draining: false,
    drainUntil: null,
    gatewayHealth: null,
    labels: {},
    selfHealth: null,
    ...patch,
  };
}

/** A service view with the given instances. */
export function makeService(
  name: string,
  instances: Instance[],
  definition: Partial<ServiceDefinition> = {},
): ServiceView {
  return { name, definition: makeDefinition(name, definition), instances };
}

/** A consumer without credentials unless given. */
export function makeConsumer(username: string, patch: Partial<Consumer> = {}): Consumer {
  return {
    username,
    customId: null,
    groups: [],
    createdAt: '2025-12-01T00:00:00.000Z',
    credentials: [],
    ...patch,
  };
}

/** A snapshot of the given services, consumers and tombstones, generated at TEST_NOW. */
export function makeSnapshot(
  services: ServiceView[],
  consumers: Consumer[] = [],
  revision = 1,
  tombstones: Tombstone[] = [],
): StateSnapshot {
  return { revision, generatedAt: TEST_NOW.toISOString(), services, consumers, tombstones };
}
