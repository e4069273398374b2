/**
 * Kong 3.9 schema defaults for every field of the entities we manage (Kong 3.9.3's
 * kong/db/schema/entities/*.lua and kong/plugins/<name>/schema.lua; the list is in
 * kong-sim/KONG_BEHAVIOUR.md#entity-schemas-and-defaults).
 * normalize.ts fills these into both sides before comparing; without this the planner would
 * "update" forever because Kong echoes defaults we never sent (decK `pkg/utils/defaulter.go`).
 */
import { DEFAULT_UPSTREAM } from '@kong-registry/sdk';
import type { EntityKind, KongBody } from '../kong/entities';

const HEALTHCHECKS_DEFAULTS = {
  threshold: 0,
  active: {
    type: 'http',
    timeout: 1,
    concurrency: 10,
    http_path: '/',
    https_sni: null,
    https_verify_certificate: true,
    headers: null,
    healthy: { interval: 0, http_statuses: [200, 302], successes: 0 },
    unhealthy: {
      interval: 0,
      http_statuses: [429, 404, 500, 501, 502, 503, 504, 505],
      tcp_failures: 0,
      timeouts: 0,
      http_failures: 0,
    },
  },
  passive: {
    type: 'http',
    healthy: {
      http_statuses: [
        200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307,
        308,
      ],
      successes: 0,
    },
    unhealthy: { http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0, http_failures: 0 },
  },
};

/** Every compared field of each kind, with its default (null when Kong has none). */
export const ENTITY_DEFAULTS: Record<EntityKind, KongBody> = {
  service: {
    name: null,
    // The timeouts and retries: Kong's defaults as the contract states them (sdk/src/upstream-settings.ts).
    retries: DEFAULT_UPSTREAM.retries,
    protocol: 'http',
    host: null,
    port: 80,
    path: null,
    connect_timeout: DEFAULT_UPSTREAM.connectTimeoutMs,
    write_timeout: DEFAULT_UPSTREAM.writeTimeoutMs,
    read_timeout: DEFAULT_UPSTREAM.readTimeoutMs,
    tags: null,
    client_certificate: null,
    tls_verify: null,
    tls_verify_depth: null,
    ca_certificates: null,
    enabled: true,
  },
  route: {
    name: null,
    protocols: ['http', 'https'],
    methods: null,
    hosts: null,
    paths: null,
    headers: null,
    https_redirect_status_code: 426,
    regex_priority: 0,
    strip_path: true,
    path_handling: 'v0',
    preserve_host: false,
    request_buffering: true,
    response_buffering: true,
    snis: null,
    sources: null,
    destinations: null,
    tags: null,
    service: null,
  },
  upstream: {
    name: null,
    algorithm: 'round-robin',
    hash_on: 'none',
    hash_fallback: 'none',
    hash_on_header: null,
    hash_fallback_header: null,
    hash_on_cookie: null,
    hash_on_cookie_path: '/',
    hash_on_query_arg: null,
    hash_fallback_query_arg: null,
    hash_on_uri_capture: null,
    hash_fallback_uri_capture: null,
    slots: 10000,
    healthchecks: HEALTHCHECKS_DEFAULTS,
    tags: null,
    host_header: null,
    client_certificate: null,
    use_srv_name: false,
  },
  target: { target: null, weight: 100, tags: null, upstream: null },
  consumer: { username: null, custom_id: null, tags: null },
  plugin: {
    name: null,
    instance_name: null,
    route: null,
    service: null,
    consumer: null,
    config: null,
    protocols: ['grpc', 'grpcs', 'http', 'https'],
    enabled: true,
    tags: null,
  },
  'key-auth': { key: null, tags: null, consumer: null },
  jwt: {
    key: null,
    secret: null,
    algorithm: 'HS256',
    rsa_public_key: null,
    tags: null,
    consumer: null,
  },
  acl: { group: null, tags: null, consumer: null },
};

/** `config` defaults of the plugins we configure (Kong 3.9.3: kong/plugins/<name>/schema.lua). */
export const PLUGIN_CONFIG_DEFAULTS: Record<string, KongBody> = {
  'key-auth': {
    key_names: ['apikey'],
    hide_credentials: false,
    anonymous: null,
    key_in_header: true,
    key_in_query: true,
    key_in_body: false,
    run_on_preflight: true,
    realm: null,
  },
  jwt: {
    uri_param_names: ['jwt'],
    cookie_names: [],
    header_names: ['authorization'],
    key_claim_name: 'iss',
    secret_is_base64: false,
    claims_to_verify: null,
    anonymous: null,
    run_on_preflight: true,
    maximum_expiration: 0,
    realm: null,
  },
  acl: {
    allow: null,
    deny: null,
    hide_groups_header: false,
    always_use_authenticated_groups: false,
  },
  prometheus: {
    per_consumer: false,
    status_code_metrics: false,
    ai_metrics: false,
    latency_metrics: false,
    bandwidth_metrics: false,
    upstream_health_metrics: false,
  },
  'http-log': {
    http_endpoint: null,
    method: 'POST',
    content_type: 'application/json',
    timeout: 10000,
    keepalive: 60000,
    retry_count: null,
    queue_size: null,
    flush_timeout: null,
    headers: null,
    queue: {
      max_batch_size: 1,
      max_coalescing_delay: 1,
      max_entries: 10000,
      max_bytes: null,
      max_retry_time: 60,
      initial_retry_delay: 0.01,
      max_retry_delay: 60,
      concurrency_limit: 1,
    },
    custom_fields_by_lua: null,
  },
  'file-log': { path: null, reopen: false, custom_fields_by_lua: null },
};

/** Fields whose values are sets in Kong's schema: order is meaningless, so both sides get sorted. */
export const SET_FIELDS = new Set([
  'tags',
  'protocols',
  'methods',
  'snis',
  'uri_param_names',
  'cookie_names',
  'header_names',
  'claims_to_verify',
]);
