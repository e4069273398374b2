import { z } from 'zod';
import type {
  Consumer,
  ErrorBody,
  Instance,
  LeaseReply,
  RegistryEvent,
  RouteRow,
  ServiceDefinition,
  ServiceView,
  StateSnapshot,
  Tombstone,
  UpstreamSettings,
} from '@kong-registry/sdk';
import {
  createConsumerSchema,
  createCredentialSchema,
  updateConsumerSchema,
} from '../../consumers/service';
import { REGISTRY_EVENT_TYPES, SELF_HEALTH_STATUSES, UPSTREAM_FIELDS } from '@kong-registry/sdk';
import {
  createRegisterSchema,
  gatewayHealthSchema,
  heartbeatBodySchema,
  type RegisterBounds,
} from '../../instances/validation';

/**
 * Zod descriptions of every reply body, mirroring sdk/src/contract.ts. They only feed the OpenAPI
 * document; the `satisfies` checks below fail the build if a contract type and its schema drift.
 */
const iso = z.iso.datetime().describe('ISO 8601, UTC');
const protocol = z.enum(['http', 'https', 'grpc', 'grpcs']);
const gatewayStatus = z.enum(['HEALTHY', 'UNHEALTHY', 'HEALTHCHECKS_OFF', 'DNS_ERROR', 'UNKNOWN']);

export const authPolicy = z.object({
  type: z
    .enum(['none', 'key-auth', 'jwt'])
    .describe('How Kong authenticates clients of the service'),
  allowGroups: z
    .array(z.string())
    .describe('ACL groups allowed in; empty means any authenticated consumer'),
});

export const healthCheck = z.object({
  path: z.string().describe('Path Kong probes with GET'),
  intervalSeconds: z.number().int(),
  healthyThreshold: z.number().int(),
  unhealthyThreshold: z.number().int(),
  timeoutSeconds: z.number().int(),
});

const upstreamField = (field: keyof UpstreamSettings) =>
  z
    .number()
    .int()
    .min(UPSTREAM_FIELDS[field].range.min)
    .max(UPSTREAM_FIELDS[field].range.max)
    .describe(`Kong ${UPSTREAM_FIELDS[field].kongField}`);

export const upstreamSettings = z.object({
  connectTimeoutMs: upstreamField('connectTimeoutMs'),
  readTimeoutMs: upstreamField('readTimeoutMs'),
  writeTimeoutMs: upstreamField('writeTimeoutMs'),
  retries: upstreamField('retries'),
});

export const serviceDefinition = z.object({
  route: z.boolean().describe('false: a route-less service (worker): no prefix, nothing in Kong'),
  prefix: z.string().nullable().describe('URL prefix at the gateway; null when route is false'),
  extraPrefixes: z
    .array(z.string())
    .optional()
    .describe('More prefixes the service answers under, claimed like prefix; absent when none'),
  stripPrefix: z.boolean().describe('Kong strip_path'),
  protocol,
  auth: authPolicy,
  healthCheck,
  upstream: upstreamSettings
    .optional()
    .describe(
      "Kong's timeouts and retries towards the instances, every field filled in; absent: Kong's defaults (60000 ms, 5 retries)",
    ),
});

export const gatewayHealth = z.object({ status: gatewayStatus, reportedAt: iso });
export const selfHealth = z.object({
  status: z.enum(SELF_HEALTH_STATUSES),
  detail: z.string().nullable(),
  reportedAt: iso.describe('When the heartbeat that carried it arrived'),
});

export const instance = z.object({
  service: z.string(),
  instanceId: z.string(),
  host: z.string(),
  port: z.number().int(),
  protocol,
  version: z.string().nullable(),
  weight: z.number().int().describe('0 while draining'),
  metadata: z.record(z.string(), z.string()),
  ttlSeconds: z.number().int(),
  registeredAt: iso,
  lastHeartbeatAt: iso,
  leaseExpiresAt: iso,
  draining: z.boolean(),
  drainUntil: iso.nullable(),
  gatewayHealth: gatewayHealth.nullable().describe("Kong's view, reported by the control plane"),
  labels: z.record(z.string(), z.string()).describe('Labels given at registration'),
  selfHealth: selfHealth
    .nullable()
    .describe("The instance's own health, from its last heartbeat that carried one"),
});

export const leaseReply = z.object({
  instance,
  leaseExpiresAt: iso,
  heartbeatIntervalSeconds: z.number().int().describe('Heartbeat this often (a third of the TTL)'),
  definition: serviceDefinition,
});

export const serviceView = z.object({
  name: z.string(),
  definition: serviceDefinition,
  instances: z.array(instance),
});
export const serviceList = z.object({ revision: z.number().int(), services: z.array(serviceView) });
export const routeRow = z.object({
  prefix: z.string(),
  service: z.string(),
  auth: authPolicy,
  stripPrefix: z.boolean(),
  instances: z.number().int(),
  healthyInstances: z
    .number()
    .int()
    .describe(
      'Not draining, not reported UNHEALTHY/DNS_ERROR by Kong, and not unhealthy by its own report',
    ),
});
export const routeTable = z.object({ revision: z.number().int(), routes: z.array(routeRow) });

export const keyAuthCredential = z.object({
  id: z.uuid(),
  type: z.literal('key-auth'),
  createdAt: iso,
  key: z.string().optional().describe('Only in the creation reply and in GET /v1/state'),
});
export const jwtCredential = z.object({
  id: z.uuid(),
  type: z.literal('jwt'),
  createdAt: iso,
  key: z.string().describe('The iss claim value that selects this credential'),
  algorithm: z.enum(['HS256', 'RS256']),
  secret: z
    .string()
    .optional()
    .describe('HS256 secret: only in the creation reply and in GET /v1/state'),
  rsaPublicKey: z.string().optional().describe('RS256 public key (PEM); not secret'),
});
export const credential = z.discriminatedUnion('type', [keyAuthCredential, jwtCredential]);
export const consumer = z.object({
  username: z.string(),
  customId: z.string().nullable(),
  groups: z.array(z.string()),
  createdAt: iso,
  credentials: z.array(credential),
});
export const consumerList = z.object({ consumers: z.array(consumer) });

export const tombstone = z.object({
  service: z.string(),
  instanceId: z.string(),
  reason: z
    .enum(['deregistered', 'deleted', 'expired', 'drained'])
    .describe(
      "deregistered: DELETE with the service's token; deleted: DELETE with an admin token; expired: the lease ran out; drained: the drain ended",
    ),
  revision: z.number().int().describe('Revision of the removal'),
  at: iso.describe("When it was removed (the registry's clock, as generatedAt)"),
});

export const stateSnapshot = z.object({
  revision: z
    .number()
    .int()
    .describe('Increases on every change; equal revisions mean equal state'),
  generatedAt: iso,
  lastEventId: z
    .string()
    .nullable()
    .optional()
    .describe('Resume GET /v1/events after this id to follow on from this snapshot'),
  services: z.array(serviceView),
  consumers: z.array(consumer).describe('With credential secrets'),
  tombstones: z
    .array(tombstone)
    .describe(
      'Removals of the last REGISTRY_TOMBSTONE_SECONDS (default 300), oldest first, read with the services; an instance registered again keeps its last tombstone. A missing instance without one was removed earlier, or the registry lost its state',
    ),
  scope: z
    .array(z.string())
    .optional()
    .describe(
      'Set when ?service= asked for some services only: the services read (those without live instances are absent from services)',
    ),
});

export const registryEvent = z.object({
  id: z.string().describe('Redis Stream id; also the SSE id'),
  type: z.enum(REGISTRY_EVENT_TYPES),
  revision: z.number().int(),
  at: iso,
  service: z.string().optional(),
  instanceId: z.string().optional(),
  consumer: z.string().optional(),
  reason: z.string().optional().describe('deregistered | deleted | expired | drained'),
});

export const errorBody = z.object({
  code: z.string().describe('Stable code, e.g. REG_ERR_VALIDATION'),
  message: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const drainReply = z.object({ instance });
export const probeReply = z.object({
  status: z.string(),
  redis: z.string().optional(),
  /** /readyz: the stored-data format and the newest this registry understands. */
  schema: z
    .object({
      stored: z
        .number()
        .int()
        .nullable()
        .describe('format of the stored data (1: written before the stamp; null: unreadable)'),
      supported: z.number().int().describe('newest format this registry understands and writes'),
    })
    .optional(),
  reason: z.string().optional().describe('why the registry is not ready, when it can say'),
});

// Compile-time drift checks: each schema's output must be the contract type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const drift = {
  instance: true satisfies Same<z.infer<typeof instance>, Instance>,
  definition: true satisfies Same<z.infer<typeof serviceDefinition>, ServiceDefinition>,
  leaseReply: true satisfies Same<z.infer<typeof leaseReply>, LeaseReply>,
  serviceView: true satisfies Same<z.infer<typeof serviceView>, ServiceView>,
  routeRow: true satisfies Same<z.infer<typeof routeRow>, RouteRow>,
  consumer: true satisfies Same<z.infer<typeof consumer>, Consumer>,
  tombstone: true satisfies Same<z.infer<typeof tombstone>, Tombstone>,
  state: true satisfies Same<z.infer<typeof stateSnapshot>, StateSnapshot>,
  event: true satisfies Same<z.infer<typeof registryEvent>, RegistryEvent>,
  error: true satisfies Same<z.infer<typeof errorBody>, ErrorBody>,
};
void drift;

/** Every named schema of the document, requests included. */
export function componentSchemas(bounds: RegisterBounds): Record<string, z.ZodType> {
  return {
    RegisterRequest: createRegisterSchema(bounds),
    GatewayHealthReport: gatewayHealthSchema,
    HeartbeatRequest: heartbeatBodySchema.unwrap(),
    CreateConsumerRequest: createConsumerSchema,
    UpdateConsumerRequest: updateConsumerSchema,
    CreateCredentialRequest: createCredentialSchema,
    AuthPolicy: authPolicy,
    HealthCheckDefinition: healthCheck,
    UpstreamSettings: upstreamSettings,
    ServiceDefinition: serviceDefinition,
    GatewayHealth: gatewayHealth,
    SelfHealth: selfHealth,
    Instance: instance,
    LeaseReply: leaseReply,
    DrainReply: drainReply,
    ServiceView: serviceView,
    ServiceList: serviceList,
    RouteRow: routeRow,
    RouteTable: routeTable,
    KeyAuthCredential: keyAuthCredential,
    JwtCredential: jwtCredential,
    Credential: credential,
    Consumer: consumer,
    ConsumerList: consumerList,
    Tombstone: tombstone,
    StateSnapshot: stateSnapshot,
    RegistryEvent: registryEvent,
    ErrorBody: errorBody,
    ProbeReply: probeReply,
  };
}
