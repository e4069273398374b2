/**
 * The registry's HTTP contract (`/v1`), as types only. The SDK, the control plane and the
 * registry all import these, so a field renamed here breaks the build everywhere at once instead
 * of failing at run time. Other languages follow the OpenAPI document served at
 * `/v1/openapi.json`, which describes the same shapes.
 *
 * Times are ISO 8601 strings in UTC. Durations carry their unit in the name.
 */
import type { REGISTRY_EVENT_TYPES, SELF_HEALTH_STATUSES } from './rules';

/** Protocols an instance can speak; grpc/grpcs services get grpc routes in Kong. */
export type InstanceProtocol = 'http' | 'https' | 'grpc' | 'grpcs';

/** How Kong authenticates clients of a service. */
export type AuthType = 'none' | 'key-auth' | 'jwt';

/** Kong's view of one target, as reported by the control plane (`GET /upstreams/{u}/health`). */
export type GatewayHealthStatus =
  'HEALTHY' | 'UNHEALTHY' | 'HEALTHCHECKS_OFF' | 'DNS_ERROR' | 'UNKNOWN';

/** Active health check that Kong runs against every instance of a service. */
export interface HealthCheckDefinition {
  /** Path Kong probes with `GET`. @default "/health" */
  path: string;
  /** Seconds between probes of a healthy and of an unhealthy target. @default 5 */
  intervalSeconds: number;
  /** Consecutive successes that bring a target back. @default 2 */
  healthyThreshold: number;
  /** Consecutive failures (http, tcp or timeouts, each counted) that take it out. @default 2 */
  unhealthyThreshold: number;
  /** Probe timeout in seconds. @default 2 */
  timeoutSeconds: number;
}

/**
 * How Kong talks to a service's instances (its upstream servers, in Kong's words): the timeouts
 * and retries of the service's Kong service entity. Bounds and defaults are Kong's own
 * (`UPSTREAM_TIMEOUT_MS_RANGE`, `UPSTREAM_RETRIES_RANGE`, `DEFAULT_UPSTREAM` in sdk/src/upstream-settings.ts).
 */
export interface UpstreamSettings {
  /** Longest wait for a connection to an instance before Kong tries the next (Kong `connect_timeout`). @default 60000 */
  connectTimeoutMs: number;
  /** Longest wait between two reads of an instance's response (Kong `read_timeout`). @default 60000 */
  readTimeoutMs: number;
  /** Longest wait between two writes of the request to an instance (Kong `write_timeout`). @default 60000 */
  writeTimeoutMs: number;
  /** More attempts, each on the next target, after a failure to connect (Kong `retries`). @default 5 */
  retries: number;
}

/** Authentication policy of a service, applied by Kong plugins. */
export interface AuthPolicy {
  /** @default "none" */
  type: AuthType;
  /** Consumer groups allowed in (Kong acl plugin); empty means any authenticated consumer. @default [] */
  allowGroups: string[];
}

/**
 * Routing definition of a service. Every registration carries it; the latest registration of any
 * instance wins, so a rolling deploy can change it.
 */
export interface ServiceDefinition {
  /**
   * Whether clients reach the service through Kong. `false`: a queue consumer, worker or batch
   * job that serves no HTTP: it claims no prefix and the control plane creates nothing in Kong
   * for it. Absent in definitions stored before it existed, which were all routed (`isRouted`).
   * @default true
   */
  route: boolean;
  /** URL prefix clients use at the gateway; null for a route-less service. @default "/{service}" */
  prefix: string | null;
  /**
   * More prefixes the service also answers under, claimed like `prefix` (gRPC: one per gRPC
   * service a server hosts, `/<package>.<Service>`). Absent in definitions stored before it
   * existed (`servicePrefixes` reads those as none). @default []
   */
  extraPrefixes?: string[];
  /** Strip the prefix before proxying (Kong `strip_path`). @default true (false for grpc) */
  stripPrefix: boolean;
  protocol: InstanceProtocol;
  auth: AuthPolicy;
  healthCheck: HealthCheckDefinition;
  /**
   * Kong's timeouts and retries towards the instances, every field filled in. Stored only when a
   * registration gave some; absent (also in definitions stored before it existed) means Kong's
   * defaults (`upstreamSettings` reads it either way).
   */
  upstream?: UpstreamSettings;
}

/**
 * Body of `PUT /v1/services/{service}/instances/{instanceId}`. Routing fields may be given flat
 * (`prefix`, `stripPrefix`, `auth`, `healthCheck`); `auth` accepts a bare type string
 * (`"jwt"`) or an object (`{ "type": "jwt", "allowGroups": ["staff"] }`).
 */
export interface RegisterRequest {
  /** Hostname or IP that Kong connects to. @default the caller's address */
  host?: string;
  port: number;
  /** @default "http" */
  protocol?: InstanceProtocol;
  version?: string;
  /** Load-balancing weight, 0..1000. @default 100 */
  weight?: number;
  /** Small string map (at most 32 keys, 256 characters per value). */
  metadata?: Record<string, string>;
  /** Lease length; the registry bounds it (default bounds 5..300). @default 15 */
  ttlSeconds?: number;
  prefix?: string;
  /** More prefixes, each claimed like `prefix` (at most 16, none nested in another). */
  extraPrefixes?: string[];
  stripPrefix?: boolean;
  auth?: AuthType | { type: AuthType; allowGroups?: string[] };
  /** ACL groups, also accepted flat next to a string `auth`. */
  allowGroups?: string[];
  healthCheck?: Partial<HealthCheckDefinition>;
  /**
   * Kong's timeouts and retries towards the instances; each field left out keeps Kong's default
   * (60000 ms timeouts, 5 retries). Integers: timeouts 1..2147483646 ms, retries 0..32767.
   */
  upstream?: Partial<UpstreamSettings>;
  /**
   * `false` registers a route-less service (no prefix, nothing in Kong); it then takes none of
   * `prefix`, `extraPrefixes`, `stripPrefix`, `auth`, `allowGroups`, `healthCheck`, `upstream`.
   * @default true
   */
  route?: boolean;
  /**
   * Labels of the instance (`{"gpu": "true"}`), Kubernetes-style keys and values, at most 32
   * (rules in sdk/src/rules.ts); filter with `GET /v1/services?label=gpu%3Dtrue`.
   */
  labels?: Record<string, string>;
}

/** What an instance says of its own health. */
export type SelfHealthStatus = (typeof SELF_HEALTH_STATUSES)[number];

/** Body of `PUT .../heartbeat` (optional: an empty body or `{}` only renews the lease). */
export interface HeartbeatRequest {
  /** The instance's own health, stored with it until the next report. */
  health?: { status: SelfHealthStatus; /** At most 200 characters. */ detail?: string };
}

/** The last health an instance reported of itself with a heartbeat. */
export interface SelfHealth {
  status: SelfHealthStatus;
  detail: string | null;
  reportedAt: string;
}

/** Kong's health of one instance, last reported by the control plane. */
export interface GatewayHealth {
  status: GatewayHealthStatus;
  reportedAt: string;
}

/** A registered instance, as stored and returned by the registry. */
export interface Instance {
  service: string;
  instanceId: string;
  host: string;
  port: number;
  protocol: InstanceProtocol;
  version: string | null;
  weight: number;
  metadata: Record<string, string>;
  ttlSeconds: number;
  registeredAt: string;
  lastHeartbeatAt: string;
  leaseExpiresAt: string;
  /** Draining instances get weight 0 in Kong and are removed when `drainUntil` passes. */
  draining: boolean;
  drainUntil: string | null;
  gatewayHealth: GatewayHealth | null;
  /** @default {} */
  labels: Record<string, string>;
  /** Last health the instance reported itself (heartbeat body); null until it does. */
  selfHealth: SelfHealth | null;
}

/** Reply to register and heartbeat. */
export interface LeaseReply {
  instance: Instance;
  leaseExpiresAt: string;
  /** How often the client must heartbeat: a third of the TTL. */
  heartbeatIntervalSeconds: number;
  definition: ServiceDefinition;
}

/** One service with its live instances (`GET /v1/services/{service}`). */
export interface ServiceView {
  name: string;
  definition: ServiceDefinition;
  instances: Instance[];
}

/** A row of `GET /v1/routes`: one per prefix (a service with extra prefixes has several). */
export interface RouteRow {
  prefix: string;
  service: string;
  auth: AuthPolicy;
  stripPrefix: boolean;
  instances: number;
  healthyInstances: number;
}

export type CredentialType = 'key-auth' | 'jwt';

/** A gateway credential. Secrets (`key` of key-auth, `secret` of HS256) appear only when created and in the admin state snapshot. */
export interface KeyAuthCredential {
  id: string;
  type: 'key-auth';
  createdAt: string;
  /** The API key; present only in the creation reply and in `GET /v1/state`. */
  key?: string;
}

export interface JwtCredential {
  id: string;
  type: 'jwt';
  createdAt: string;
  /** Value of the `iss` claim that selects this credential in Kong. */
  key: string;
  algorithm: 'HS256' | 'RS256';
  /** HS256 secret; present only in the creation reply and in `GET /v1/state`. */
  secret?: string;
  /** RS256 public key (PEM). Not secret: always shown. */
  rsaPublicKey?: string;
}

export type Credential = KeyAuthCredential | JwtCredential;

/** A client of the gateway (a Kong consumer). */
export interface Consumer {
  username: string;
  customId: string | null;
  groups: string[];
  createdAt: string;
  credentials: Credential[];
}

/**
 * A recent removal of an instance, written atomically with it and kept REGISTRY_TOMBSTONE_SECONDS
 * (default 300). `reason`: "deregistered" (DELETE with the service's own token), "deleted"
 * (DELETE with an admin token), "expired" (its lease ran out) or "drained" (its drain ended). An
 * instance registered again keeps its last tombstone until it is removed again.
 */
export interface Tombstone {
  service: string;
  instanceId: string;
  reason: 'deregistered' | 'deleted' | 'expired' | 'drained';
  /** The revision of the removal. */
  revision: number;
  /** When it was removed (ISO 8601, the registry's clock, as `generatedAt`). */
  at: string;
}

/** `GET /v1/state` (admin only): everything the control plane needs, secrets included. */
export interface StateSnapshot {
  /** Increases on every change; equal revisions mean equal state. */
  revision: number;
  generatedAt: string;
  /**
   * Id of the newest event at the moment of the snapshot (null: none yet). Subscribe to
   * `GET /v1/events` with `Last-Event-ID: <lastEventId>` to continue exactly after this state.
   */
  lastEventId?: string | null;
  services: ServiceView[];
  consumers: Consumer[];
  /**
   * Removals of the last REGISTRY_TOMBSTONE_SECONDS, oldest first, read with the services: an
   * instance missing from `services` with no tombstone here was removed longer ago, or the
   * registry lost its state.
   */
  tombstones: Tombstone[];
  /**
   * Set on `GET /v1/state?service=...`: the only services this snapshot read. Those among them
   * with no live instance are absent from `services`; `consumers` is empty and `tombstones` only
   * holds these services' removals.
   */
  scope?: string[];
}

/** Every kind of change the registry appends to its event stream. */
export type RegistryEventType = (typeof REGISTRY_EVENT_TYPES)[number];

/**
 * One change, as sent on `GET /v1/events` (SSE: `id:` is the Redis Stream id, `event:` the type,
 * `data:` this object as JSON). Resume with the `Last-Event-ID` header or `?since=<id>`.
 */
export interface RegistryEvent {
  id: string;
  type: RegistryEventType;
  revision: number;
  at: string;
  service?: string;
  instanceId?: string;
  consumer?: string;
  /** Why an instance left: "deregistered", "deleted" (by an admin), "expired" (lease ran out) or "drained". */
  reason?: string;
}

/** Every 4xx/5xx body the registry sends. */
export interface ErrorBody {
  code: string;
  message: string;
  /** Per-field problems for validation errors. */
  details?: { path: string; message: string }[];
}

/** Claims of registry tokens (`npx kong-registry token`). */
export interface RegistryTokenClaims {
  role: 'service' | 'admin';
  /** For role service: the only service this token may register, heartbeat and deregister. */
  service?: string;
  /** Optional allow-list of prefixes the service may claim. */
  prefixes?: string[];
  /**
   * Optional allow-list of instance addresses (IPs, CIDR blocks or hostnames, each optionally
   * `:port`), narrower than the registry's REGISTRY_ALLOWED_TARGETS.
   */
  targets?: string[];
}

/** `GET /v1/services` (admin or service token). */
export interface ServiceList {
  revision: number;
  services: ServiceView[];
}

/** `GET /v1/routes` (admin or service token). */
export interface RouteTable {
  revision: number;
  routes: RouteRow[];
}

/** Reply of `DELETE .../instances/{instanceId}?drain=true` (202). */
export interface DrainReply {
  instance: Instance;
}

/** Body of `PUT .../instances/{instanceId}/gateway-health` (admin; sent by the control plane). */
export interface GatewayHealthReport {
  status: GatewayHealthStatus;
}

/** Body of `POST /v1/consumers` (admin). */
export interface CreateConsumerRequest {
  /** 1-128 of [A-Za-z0-9._@-]. */
  username: string;
  customId?: string | null;
  /** ACL groups. @default [] */
  groups?: string[];
}

/** Body of `PATCH /v1/consumers/{username}` (admin). */
export interface UpdateConsumerRequest {
  customId?: string | null;
  groups?: string[];
}

/**
 * Body of `POST /v1/consumers/{username}/credentials` (admin). The reply (201) is the
 * {@link Credential} with its secret; it is never shown again outside `GET /v1/state`.
 */
export type CreateCredentialRequest =
  | { type: 'key-auth'; /** Generated when absent. */ key?: string }
  | {
      type: 'jwt';
      /** @default "HS256" (secret generated) */
      algorithm?: 'HS256' | 'RS256';
      /** The `iss` value; generated when absent. */
      key?: string;
      /** RS256 only: PEM public key. */
      rsaPublicKey?: string;
    };

/** `GET /v1/consumers` (admin): consumers without credential secrets. */
export interface ConsumerList {
  consumers: Consumer[];
}

/**
 * Sent on `GET /v1/events` as `event: reset` when the resume point (Last-Event-ID) is older than
 * what the stream still holds: reload `GET /v1/state` and continue from its `lastEventId`.
 */
export interface EventStreamReset {
  reason: 'trimmed';
  message: string;
}
