/**
 * The contract's rules as code: names, prefixes, lease arithmetic and error-code shapes, defined
 * once and imported by the SDK, the registry, the controller and the CLI, so `register()` refuses
 * exactly what the registry would refuse. Pure and dependency-free (no Node built-ins either):
 * regular expressions, constants and functions of their arguments only.
 *
 * Each anchored RegExp comes with its bare pattern source (no `^`/`$`), for composing into other
 * patterns such as a route's path (`new RegExp(\`^/v1/services/(${SERVICE_NAME_SEGMENT_PATTERN})$\`)`)
 * and for documents that want the pattern as a string (OpenAPI).
 */
import type { ErrorBody } from './contract';

// ---------------------------------------------------------------------------------------------
// Names. They end up in Kong entity names and Redis keys, so they are narrow on purpose: a service
// name is a DNS label (Kong upstream names are hostnames), an instance id a safe token.
// ---------------------------------------------------------------------------------------------

/** Longest service name (a DNS label). */
export const SERVICE_NAME_MAX_LENGTH = 63;
/** Characters a service name is made of, as a character class. */
export const SERVICE_NAME_ALPHABET = '[a-z0-9-]';
/** Bare pattern of a service name: lowercase letters, digits and `-`, 1-63, no `-` at either end. */
export const SERVICE_NAME_PATTERN = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
/** A service name, anchored. */
export const SERVICE_NAME = new RegExp(`^${SERVICE_NAME_PATTERN}$`);
/**
 * Bare pattern of a path segment that may hold a service name: its alphabet and length only, for
 * route matchers that check {@link SERVICE_NAME} itself after the match.
 */
export const SERVICE_NAME_SEGMENT_PATTERN = `${SERVICE_NAME_ALPHABET}{1,${SERVICE_NAME_MAX_LENGTH}}`;
/** The service-name rule in words, as error messages state it. */
export const SERVICE_NAME_RULE =
  'service names are 1-63 of [a-z0-9-], starting and ending with a letter or digit';

/** Longest instance id. */
export const INSTANCE_ID_MAX_LENGTH = 128;
/** Characters an instance id is made of, as a character class. */
export const INSTANCE_ID_ALPHABET = '[A-Za-z0-9._-]';
/** Bare pattern of an instance id: 1-128 of letters, digits, `.`, `_` and `-`. */
export const INSTANCE_ID_PATTERN = `${INSTANCE_ID_ALPHABET}{1,${INSTANCE_ID_MAX_LENGTH}}`;
/** An instance id, anchored. */
export const INSTANCE_ID = new RegExp(`^${INSTANCE_ID_PATTERN}$`);
/** The instance-id rule in words. */
export const INSTANCE_ID_RULE = 'instance ids are 1-128 of [A-Za-z0-9._-]';

/** Bare pattern of an ACL group name (an allowed group, or a consumer's group). */
export const GROUP_NAME_PATTERN = '[A-Za-z0-9._-]{1,64}';
/** An ACL group name, anchored. */
export const GROUP_NAME = new RegExp(`^${GROUP_NAME_PATTERN}$`);
/** The group-name rule in words. */
export const GROUP_NAME_RULE = 'groups are 1-64 of [A-Za-z0-9._-]';

/** Bare pattern of a consumer username. */
export const CONSUMER_USERNAME_PATTERN = '[A-Za-z0-9._@-]{1,128}';
/** A consumer username, anchored. */
export const CONSUMER_USERNAME = new RegExp(`^${CONSUMER_USERNAME_PATTERN}$`);
/** The username rule in words. */
export const CONSUMER_USERNAME_RULE = 'usernames are 1-128 of [A-Za-z0-9._@-]';

/** Why `value` is not a service name ({@link SERVICE_NAME_RULE}), or undefined when it is one. */
export function serviceNameProblem(value: unknown): string | undefined {
  return typeof value === 'string' && SERVICE_NAME.test(value) ? undefined : SERVICE_NAME_RULE;
}

/** Why `value` is not an instance id ({@link INSTANCE_ID_RULE}), or undefined when it is one. */
export function instanceIdProblem(value: unknown): string | undefined {
  return typeof value === 'string' && INSTANCE_ID.test(value) ? undefined : INSTANCE_ID_RULE;
}

/**
 * Most services one `GET /v1/state?service=...` may name: a scoped read is for a handful of
 * changed services; more than this is cheaper read whole.
 */
export const STATE_SCOPE_MAX_SERVICES = 100;

// ---------------------------------------------------------------------------------------------
// Prefixes: the gateway path a service is published under.
// ---------------------------------------------------------------------------------------------

/** Longest prefix. */
export const PREFIX_MAX_LENGTH = 200;
/**
 * Bare pattern of a prefix: one or more `/segment` of plain characters, so no regex, no `~`
 * (Kong's regex marker), no trailing `/`. Dot segments are refused separately
 * ({@link hasDotSegment}).
 */
export const PREFIX_PATTERN = '(\\/[A-Za-z0-9._-]+)+';
/** The prefix shape, anchored. */
export const PREFIX_SHAPE = new RegExp(`^${PREFIX_PATTERN}$`);
/** The prefix-length rule in words. */
export const PREFIX_LENGTH_RULE = `at most ${PREFIX_MAX_LENGTH} characters`;
/** The prefix-shape rule in words. */
export const PREFIX_SHAPE_RULE =
  "prefixes look like /orders or /api/orders: plain path segments, no trailing '/', no regex";
/** The dot-segment rule in words. */
export const PREFIX_DOT_SEGMENT_RULE = "'.' and '..' segments are not allowed";

/** True when a path has a `.` or `..` segment. */
export function hasDotSegment(path: string): boolean {
  return path.split('/').some((segment) => segment === '..' || segment === '.');
}

/** The prefix a service gets when its registration names none. */
export function defaultPrefix(service: string): string {
  return `/${service}`;
}

/** Why `value` is not a prefix the registry accepts, or undefined when it is one. */
export function prefixProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return PREFIX_SHAPE_RULE;
  if (value.length > PREFIX_MAX_LENGTH) return PREFIX_LENGTH_RULE;
  if (!PREFIX_SHAPE.test(value)) return PREFIX_SHAPE_RULE;
  if (hasDotSegment(value)) return PREFIX_DOT_SEGMENT_RULE;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Route-less services (queue consumers, workers, GPU jobs): registered with `route: false`, they
// hold leases and report their own health, but claim no prefix and get nothing in Kong.
// ---------------------------------------------------------------------------------------------

/**
 * Whether a service definition asks for a route in Kong. Definitions stored before `route`
 * existed have none, and were all routed.
 */
export function isRouted(definition: { route?: boolean }): boolean {
  return definition.route !== false;
}

/** Most extra prefixes one service may claim beside its prefix. */
export const EXTRA_PREFIXES_MAX = 16;

/**
 * Every prefix a service claims: its prefix, then its extra ones; none for a route-less service.
 * One rule for the registry's claims, the route table and the controller's route paths.
 */
export function servicePrefixes(definition: {
  prefix: string | null;
  extraPrefixes?: readonly string[];
}): string[] {
  if (definition.prefix === null) return [];
  return [definition.prefix, ...(definition.extraPrefixes ?? [])];
}

/** Whether `inner` is `outer` or lies below it segment by segment (`/a/b` in `/a`). */
export function prefixNests(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}/`);
}

/**
 * Why a service's prefixes cannot go together, or undefined: one repeated, or one nested in
 * another (both would be this service's anyway, and Kong would route by the longer).
 */
export function prefixSetProblem(prefixes: readonly string[]): string | undefined {
  for (const [i, a] of prefixes.entries())
    for (const b of prefixes.slice(i + 1))
      if (prefixNests(a, b) || prefixNests(b, a))
        return a === b
          ? `prefix ${a} is listed twice`
          : `prefixes ${a} and ${b} nest in each other: list only ${a.length < b.length ? a : b}`;
  return undefined;
}

/** Registration fields that only mean something for a route in Kong: refused with `route: false`. */
export const ROUTE_ONLY_FIELDS = [
  'prefix',
  'extraPrefixes',
  'stripPrefix',
  'auth',
  'allowGroups',
  'healthCheck',
  'upstream',
] as const;

/** The route-only fields `request` gives, in {@link ROUTE_ONLY_FIELDS} order. */
export function routeOnlyFieldsGiven(request: object): string[] {
  return ROUTE_ONLY_FIELDS.filter(
    (field) => (request as Record<string, unknown>)[field] !== undefined,
  );
}

/** What an instance may say of its own health with a heartbeat. */
export const SELF_HEALTH_STATUSES = ['healthy', 'unhealthy'] as const;
/** Longest `detail` of a self-reported health (it is shown, not parsed). */
export const SELF_HEALTH_DETAIL_MAX_LENGTH = 200;
/** The self-health rule in words. */
export const SELF_HEALTH_RULE = `health is {status: ${SELF_HEALTH_STATUSES.join(' | ')}, detail?: at most ${SELF_HEALTH_DETAIL_MAX_LENGTH} characters}`;

/** `detail` cut to {@link SELF_HEALTH_DETAIL_MAX_LENGTH}, ending in `...` when cut. */
export function clipHealthDetail(detail: string): string {
  return detail.length <= SELF_HEALTH_DETAIL_MAX_LENGTH
    ? detail
    : `${detail.slice(0, SELF_HEALTH_DETAIL_MAX_LENGTH - 3)}...`;
}

/** Why `value` is not a self-reported health ({@link SELF_HEALTH_RULE}), or undefined. */
export function selfHealthProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return SELF_HEALTH_RULE;
  const { status, detail, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0)
    return `${SELF_HEALTH_RULE} (unknown: ${Object.keys(rest).join(', ')})`;
  if (!(SELF_HEALTH_STATUSES as readonly unknown[]).includes(status)) return SELF_HEALTH_RULE;
  if (
    detail !== undefined &&
    (typeof detail !== 'string' || detail.length > SELF_HEALTH_DETAIL_MAX_LENGTH)
  )
    return SELF_HEALTH_RULE;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Labels: a small map on each instance (`gpu=true`, `version=1.4.2`, `host=box-2`), shown and
// filtered on (`GET /v1/services?label=gpu%3Dtrue`). Keys and values follow Kubernetes labels.
// ---------------------------------------------------------------------------------------------

/** Most labels on one instance. */
export const LABELS_MAX_COUNT = 32;
/** Longest label name (the part of a key after an optional `prefix/`), and longest value. */
export const LABEL_NAME_MAX_LENGTH = 63;
/** Longest optional key prefix (a DNS subdomain, as Kubernetes allows). */
export const LABEL_PREFIX_MAX_LENGTH = 253;
/** Bare pattern of a label name or a non-empty value: alphanumerics, `-`, `_`, `.` inside. */
export const LABEL_NAME_PATTERN = '[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?';
/** Bare pattern of a key prefix: lowercase DNS labels joined by `.`. */
export const LABEL_PREFIX_PATTERN =
  '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*';
/** A label key (`gpu`, `example.com/team`), anchored. */
export const LABEL_KEY = new RegExp(`^(${LABEL_PREFIX_PATTERN}/)?${LABEL_NAME_PATTERN}$`);
/** A label value (may be empty), anchored. */
export const LABEL_VALUE = new RegExp(`^(${LABEL_NAME_PATTERN})?$`);
/** The label rules in words. */
export const LABEL_KEY_RULE = `label keys are an optional DNS-subdomain prefix and '/', then 1-${LABEL_NAME_MAX_LENGTH} of [A-Za-z0-9_.-] starting and ending with a letter or digit`;
export const LABEL_VALUE_RULE = `label values are 0-${LABEL_NAME_MAX_LENGTH} of [A-Za-z0-9_.-], starting and ending with a letter or digit`;
export const LABELS_COUNT_RULE = `at most ${LABELS_MAX_COUNT} labels`;

/** Why `key` is not a label key, or undefined. */
export function labelKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || !LABEL_KEY.test(key)) return LABEL_KEY_RULE;
  const slash = key.indexOf('/');
  if (slash > LABEL_PREFIX_MAX_LENGTH) return LABEL_KEY_RULE;
  return undefined;
}

/** Why `value` is not a label value, or undefined. */
export function labelValueProblem(value: unknown): string | undefined {
  return typeof value === 'string' && LABEL_VALUE.test(value) ? undefined : LABEL_VALUE_RULE;
}

/** Every problem of a labels map, as `{ path, message }` rows (empty when it is fine). */
export function labelsProblems(labels: unknown): { path: string; message: string }[] {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
    return [{ path: 'labels', message: 'labels are an object of string values' }];
  const entries = Object.entries(labels as Record<string, unknown>);
  const problems: { path: string; message: string }[] = [];
  if (entries.length > LABELS_MAX_COUNT)
    problems.push({ path: 'labels', message: LABELS_COUNT_RULE });
  for (const [key, value] of entries) {
    const badKey = labelKeyProblem(key);
    if (badKey) problems.push({ path: `labels.${key}`, message: badKey });
    const badValue = labelValueProblem(value);
    if (badValue) problems.push({ path: `labels.${key}`, message: badValue });
  }
  return problems;
}

/** One term of a label filter: `key=value`. */
export interface LabelSelector {
  key: string;
  value: string;
}

/** The label-filter rule in words. */
export const LABEL_SELECTOR_RULE = `a label filter is key=value (${LABEL_KEY_RULE}; ${LABEL_VALUE_RULE})`;

/** Parses `key=value` (as `?label=` and `--label` take it); a string says what is wrong. */
export function parseLabelSelector(text: string): LabelSelector | string {
  const eq = text.indexOf('=');
  if (eq < 0) return `${LABEL_SELECTOR_RULE} (got ${JSON.stringify(text.slice(0, 80))})`;
  const key = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const problem = labelKeyProblem(key) ?? labelValueProblem(value);
  if (problem) return `${problem} (got ${JSON.stringify(text.slice(0, 80))})`;
  return { key, value };
}

/** True when `labels` has every selector's key with its value (the terms are ANDed). */
export function matchesLabels(
  labels: Readonly<Record<string, string>> | undefined,
  selectors: readonly LabelSelector[],
): boolean {
  return selectors.every(
    (s) => labels !== undefined && Object.hasOwn(labels, s.key) && labels[s.key] === s.value,
  );
}

// ---------------------------------------------------------------------------------------------
// Leases. Arithmetic is pure and clock-free: callers pass `now` (ms since the epoch). A lease
// expires exactly `ttlSeconds` after the last renewal, never 2x (see Eureka's Lease.java for the
// bug this guards against).
// ---------------------------------------------------------------------------------------------

/** TTL a registration gets when it asks for none (REGISTRY_LEASE_TTL_SECONDS's default). */
export const DEFAULT_LEASE_TTL_SECONDS = 15;
/** Bounds of a requested TTL unless the registry is configured otherwise (REGISTRY_LEASE_MIN/MAX_TTL_SECONDS). */
export const DEFAULT_LEASE_TTL_BOUNDS: Readonly<{ minTtlSeconds: number; maxTtlSeconds: number }> =
  Object.freeze({ minTtlSeconds: 5, maxTtlSeconds: 300 });
/**
 * Widest TTL range any registry can be configured to accept: a requested TTL outside it is
 * refused everywhere, whatever the configured bounds.
 */
export const LEASE_TTL_RANGE_SECONDS: Readonly<{ min: number; max: number }> = Object.freeze({
  min: 1,
  max: 86_400,
});
/** Heartbeats per lease: a client heartbeats every third of the TTL, so two may be lost. */
export const HEARTBEATS_PER_LEASE = 3;

/** True when `value` is an integer TTL within {@link LEASE_TTL_RANGE_SECONDS}. */
export function isLeaseTtl(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= LEASE_TTL_RANGE_SECONDS.min &&
    value <= LEASE_TTL_RANGE_SECONDS.max
  );
}

/** The TTL to use: the requested one, else the default; bounds are checked by validation. */
export function effectiveTtl(requested: number | undefined, defaultTtlSeconds: number): number {
  return requested ?? defaultTtlSeconds;
}

/** How long a lease of `ttlSeconds` lasts, in ms. */
export function leaseDurationMs(ttlSeconds: number): number {
  return ttlSeconds * 1000;
}

/** Deadline of a lease renewed at `now`. */
export function leaseDeadline(now: number, ttlSeconds: number): number {
  return now + leaseDurationMs(ttlSeconds);
}

/** A lease is gone once its deadline is reached (deadline == now counts as expired). */
export function isLeaseExpired(deadline: number, now: number): boolean {
  return deadline <= now;
}

/** How often a client must heartbeat: a third of the TTL, at least once a second. */
export function heartbeatIntervalSeconds(ttlSeconds: number): number {
  return Math.max(1, Math.floor(ttlSeconds / HEARTBEATS_PER_LEASE));
}

/** The heartbeat interval of a lease with the default TTL (5 s). */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS =
  heartbeatIntervalSeconds(DEFAULT_LEASE_TTL_SECONDS);

/** How long a lease lasts judged by its heartbeat interval alone (the TTL it is a third of), in ms. */
export function leaseDurationFromIntervalMs(intervalSeconds: number): number {
  return intervalSeconds * (HEARTBEATS_PER_LEASE * 1000);
}

/**
 * How long a draining instance keeps serving at weight 0 before it leaves, by default (the SDK's
 * `drainHoldMs`, the agent's `--drain-seconds`): long enough for the controller to write the
 * weight (its event debounce, well under 1 s) and for every Kong node to take it up. A target
 * change reaches the node that took it at once, and another node of a DB-mode cluster after
 * `db_update_frequency`, 5 s by default (kong-sim/KONG_BEHAVIOUR.md#when-a-write-reaches-the-proxy).
 * The registry's REGISTRY_DRAIN_SECONDS, after which it removes a draining instance itself, must
 * be longer.
 */
export const DEFAULT_DRAIN_HOLD_SECONDS = 6;

/** When a draining instance is removed. */
export function drainDeadline(now: number, drainSeconds: number): number {
  return now + drainSeconds * 1000;
}

// ---------------------------------------------------------------------------------------------
// Error codes: `<COMPONENT>_ERR_<WHAT>`, stable once published; callers branch on them.
// ---------------------------------------------------------------------------------------------

/** Shape of every error code: upper-case component, `_ERR_`, upper-case words joined by `_`. */
export const ERROR_CODE = /^[A-Z]+_ERR_[A-Z_]+$/;

/** A registry error code (`REG_ERR_*`), as the registry's error table keys them. */
export type RegistryErrorCodeShape = `REG_ERR_${string}`;
/** An SDK error code (`SDK_ERR_*`). */
export type SdkErrorCodeShape = `SDK_ERR_${string}`;
/** A control-plane error code (`KCP_ERR_*`). */
export type ControllerErrorCodeShape = `KCP_ERR_${string}`;
/** A CLI agent error code (`AGENT_ERR_*`). */
export type AgentErrorCodeShape = `AGENT_ERR_${string}`;

/** True when `value` has the shape of an error code ({@link ERROR_CODE}). */
export function isErrorCodeShape(value: unknown): value is string {
  return typeof value === 'string' && ERROR_CODE.test(value);
}

/**
 * The fields of an error reply (`{ code, message, details? }`) that have the contract's types;
 * anything else (a non-object, a field of the wrong type) is left out.
 */
export function readErrorBody(payload: unknown): Partial<ErrorBody> {
  if (typeof payload !== 'object' || payload === null) return {};
  const { code, message, details } = payload as Record<string, unknown>;
  const body: Partial<ErrorBody> = {};
  if (typeof code === 'string') body.code = code;
  if (typeof message === 'string') body.message = message;
  if (Array.isArray(details)) body.details = details as ErrorBody['details'];
  return body;
}

/** Every kind of change the registry appends to its event stream (`RegistryEvent.type`). */
export const REGISTRY_EVENT_TYPES = [
  'instance.registered',
  'instance.updated',
  'instance.draining',
  'instance.deregistered',
  'instance.expired',
  'instance.gateway-health',
  /** The instance's own health report changed status (it steers its weight in Kong). */
  'instance.health',
  'service.updated',
  'service.removed',
  'consumer.created',
  'consumer.updated',
  'consumer.deleted',
  'credential.created',
  'credential.deleted',
] as const;
