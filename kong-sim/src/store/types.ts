/**
 * The seam between kong-sim's two halves: the Admin API (which owns the store and every write)
 * and the proxy (router, balancer, health checker, auth plugins), which only reads the store and
 * listens for changes. Entities are kept exactly as the Admin API serialises them (every schema
 * field present, unset ones null, foreign keys as `{ id }`), per
 * kong-sim/KONG_BEHAVIOUR.md#admin-api-transport.
 */

export type Uuid = string;
export interface ForeignKey {
  id: Uuid;
}

export interface BaseEntity {
  id: Uuid;
  created_at: number;
  updated_at?: number;
  tags: string[] | null;
}

export interface ServiceEntity extends BaseEntity {
  name: string | null;
  retries: number;
  protocol: string;
  host: string;
  port: number;
  path: string | null;
  connect_timeout: number;
  write_timeout: number;
  read_timeout: number;
  enabled: boolean;
  client_certificate: ForeignKey | null;
  tls_verify: boolean | null;
  tls_verify_depth: number | null;
  ca_certificates: Uuid[] | null;
  updated_at: number;
}

export interface RouteEntity extends BaseEntity {
  name: string | null;
  protocols: string[];
  methods: string[] | null;
  hosts: string[] | null;
  paths: string[] | null;
  headers: Record<string, string[]> | null;
  https_redirect_status_code: number;
  regex_priority: number;
  strip_path: boolean;
  path_handling: string;
  preserve_host: boolean;
  request_buffering: boolean;
  response_buffering: boolean;
  snis: string[] | null;
  sources: unknown[] | null;
  destinations: unknown[] | null;
  service: ForeignKey | null;
  updated_at: number;
}

export interface HealthcheckCounters {
  interval?: number;
  http_statuses: number[];
  successes?: number;
  tcp_failures?: number;
  timeouts?: number;
  http_failures?: number;
}

export interface Healthchecks {
  threshold: number;
  active: {
    type: string;
    timeout: number;
    concurrency: number;
    http_path: string;
    https_sni: string | null;
    https_verify_certificate: boolean;
    headers: Record<string, string[]> | null;
    healthy: { interval: number; http_statuses: number[]; successes: number };
    unhealthy: {
      interval: number;
      http_statuses: number[];
      tcp_failures: number;
      timeouts: number;
      http_failures: number;
    };
  };
  passive: {
    type: string;
    healthy: { http_statuses: number[]; successes: number };
    unhealthy: {
      http_statuses: number[];
      tcp_failures: number;
      timeouts: number;
      http_failures: number;
    };
  };
}

export interface UpstreamEntity extends BaseEntity {
  name: string;
  algorithm: string;
  hash_on: string;
  hash_fallback: string;
  slots: number;
  healthchecks: Healthchecks;
  host_header: string | null;
  use_srv_name: boolean;
  updated_at: number;
  [field: string]: unknown;
}

export interface TargetEntity extends BaseEntity {
  upstream: ForeignKey;
  /** Always `host:port` (port defaulted to 8000 when omitted). */
  target: string;
  weight: number;
  /** Float seconds with millisecond precision, unlike other entities. */
  created_at: number;
  updated_at: number;
}

export interface ConsumerEntity extends BaseEntity {
  username: string | null;
  custom_id: string | null;
  updated_at: number;
}

export interface PluginEntity extends BaseEntity {
  name: string;
  instance_name: string | null;
  route: ForeignKey | null;
  service: ForeignKey | null;
  consumer: ForeignKey | null;
  config: Record<string, unknown>;
  protocols: string[];
  enabled: boolean;
  updated_at: number;
}

export interface KeyAuthCredentialEntity extends BaseEntity {
  consumer: ForeignKey;
  key: string;
  ttl?: number | null;
}

export interface JwtSecretEntity extends BaseEntity {
  consumer: ForeignKey;
  key: string;
  secret: string | null;
  rsa_public_key: string | null;
  algorithm: string;
}

export interface AclEntity extends BaseEntity {
  consumer: ForeignKey;
  group: string;
}

/** DAO names, as Kong calls them (declarative config keys use the same names). */
export interface EntityMap {
  services: ServiceEntity;
  routes: RouteEntity;
  upstreams: UpstreamEntity;
  targets: TargetEntity;
  consumers: ConsumerEntity;
  plugins: PluginEntity;
  keyauth_credentials: KeyAuthCredentialEntity;
  jwt_secrets: JwtSecretEntity;
  acls: AclEntity;
}
export type EntityKind = keyof EntityMap;

export type StoreChange = {
  [K in EntityKind]: {
    kind: K;
    op: 'create' | 'update' | 'delete';
    entity: EntityMap[K];
    previous?: EntityMap[K];
  };
}[EntityKind];

/** Read side of the store, all the proxy may use. Reads are synchronous and cheap. */
export interface StoreReader {
  list<K extends EntityKind>(kind: K): readonly EntityMap[K][];
  get<K extends EntityKind>(kind: K, id: Uuid): EntityMap[K] | undefined;
  /** Emitted after every committed write (and once per entity for a DB-less `/config` load). */
  onChange(listener: (change: StoreChange) => void): () => void;
  /**
   * Increases on every committed write. The proxy rebuilds its router and balancers lazily when
   * it sees a new value.
   */
  readonly version: number;
}

/**
 * Health of a target as Kong reports it on `GET /upstreams/{u}/health`
 * (kong-sim/KONG_BEHAVIOUR.md#upstream-health-view).
 */
export type TargetHealthState = 'HEALTHY' | 'UNHEALTHY' | 'HEALTHCHECKS_OFF' | 'DNS_ERROR';

export interface AddressHealth {
  ip: string;
  port: number;
  weight: number;
  health: 'HEALTHY' | 'UNHEALTHY' | 'HEALTHCHECKS_OFF';
}

/**
 * What the Admin API asks of the proxy's health checker (implemented by the proxy half):
 * `/upstreams/{u}/health` and `PUT /upstreams/{u}/targets/{t}/healthy|unhealthy`.
 */
export interface HealthView {
  /** Whether the upstream has health checking on (K:kong/runloop/balancer/healthcheckers.lua). */
  isHealthcheckingOn(upstreamId: Uuid): boolean;
  targetHealth(
    upstreamId: Uuid,
    target: TargetEntity,
  ): { health: TargetHealthState; addresses: AddressHealth[] };
  /** Manual override; returns false when the upstream has no health checker (→ 400). */
  setTargetHealth(
    upstreamId: Uuid,
    target: TargetEntity,
    healthy: boolean,
    address?: string,
  ): boolean;
}
