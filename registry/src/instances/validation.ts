import { z } from 'zod';
import {
  defaultPrefix,
  EXTRA_PREFIXES_MAX,
  prefixSetProblem,
  GROUP_NAME,
  GROUP_NAME_RULE,
  hasDotSegment,
  INSTANCE_ID,
  INSTANCE_ID_RULE,
  labelsProblems,
  routeOnlyFieldsGiven,
  LABELS_COUNT_RULE,
  LABELS_MAX_COUNT,
  SELF_HEALTH_DETAIL_MAX_LENGTH,
  SELF_HEALTH_STATUSES,
  PREFIX_DOT_SEGMENT_RULE,
  PREFIX_LENGTH_RULE,
  PREFIX_MAX_LENGTH,
  PREFIX_SHAPE,
  PREFIX_SHAPE_RULE,
  SERVICE_NAME,
  SERVICE_NAME_RULE,
  resolveUpstream,
  UPSTREAM_FIELDS,
  UPSTREAM_FIELD_NAMES,
  upstreamFieldRule,
  type AuthPolicy,
  type HealthCheckDefinition,
  type InstanceProtocol,
  type RegisterRequest,
  type ServiceDefinition,
  type UpstreamSettings,
} from '@kong-registry/sdk';
import { RegistryError, type ErrorDetail } from '../errors';

/**
 * Request validation for instances. Names end up in Kong entity names and Redis keys, so they are
 * narrow on purpose: a service name is a DNS label, an instance id a safe token. The rules
 * themselves (patterns, limits, messages) are the contract's, defined once in the SDK
 * (sdk/src/rules.ts) so that `register()` refuses what the registry refuses; these schemas only
 * wrap them for zod (and, through zod, for the OpenAPI document).
 */

/** The contract's name patterns, re-exported for the registry's own modules. */
export { INSTANCE_ID, SERVICE_NAME };

/** RFC 1123 hostname (labels of letters, digits and `-`). */
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const serviceNameSchema = z.string().regex(SERVICE_NAME, SERVICE_NAME_RULE);
export const instanceIdSchema = z.string().regex(INSTANCE_ID, INSTANCE_ID_RULE);
export const groupSchema = z.string().regex(GROUP_NAME, GROUP_NAME_RULE);

/** Path segments of plain characters only: no regex, no `~` (Kong's regex marker), no `..`. */
export const prefixSchema = z
  .string()
  .max(PREFIX_MAX_LENGTH, PREFIX_LENGTH_RULE)
  .regex(PREFIX_SHAPE, PREFIX_SHAPE_RULE)
  .refine((p) => !hasDotSegment(p), PREFIX_DOT_SEGMENT_RULE);

export const hostSchema = z.union([z.ipv4(), z.ipv6(), z.string().regex(HOSTNAME)], {
  error: 'host must be a hostname or an IP address',
});

const protocolSchema = z.enum(['http', 'https', 'grpc', 'grpcs']);
const authTypeSchema = z.enum(['none', 'key-auth', 'jwt']);

const healthCheckSchema = z.strictObject({
  path: z
    .string()
    .regex(/^\/[\x21-\x7e]{0,255}$/, 'a path starting with /, printable ASCII')
    .optional()
    .describe('Path Kong probes with GET; default /health'),
  intervalSeconds: z
    .number()
    .int()
    .min(1)
    .max(300)
    .optional()
    .describe('Seconds between probes; default 5'),
  healthyThreshold: z
    .number()
    .int()
    .min(1)
    .max(255)
    .optional()
    .describe('Successes that bring a target back; default 2'),
  unhealthyThreshold: z
    .number()
    .int()
    .min(1)
    .max(255)
    .optional()
    .describe('Failures that take it out; default 2'),
  timeoutSeconds: z.number().int().min(1).max(60).optional().describe('Probe timeout; default 2'),
});

/**
 * One upstream setting: an integer within Kong's bounds (sdk/src/upstream-settings.ts `UPSTREAM_FIELDS`), and
 * every way to miss them (not a number, not an integer, out of range) says the rule in full.
 */
function upstreamFieldSchema(field: keyof UpstreamSettings) {
  const rule = upstreamFieldRule(field);
  const { range, kongField } = UPSTREAM_FIELDS[field];
  return z
    .number({ error: rule })
    .int({ error: rule })
    .min(range.min, { error: rule })
    .max(range.max, { error: rule })
    .optional()
    .describe(`Kong's ${kongField} for this service; default Kong's`);
}

/** Kong's timeouts and retries towards the instances; each one left out keeps Kong's default. */
const upstreamSchema = z.strictObject(
  Object.fromEntries(UPSTREAM_FIELD_NAMES.map((field) => [field, upstreamFieldSchema(field)])) as {
    [K in keyof UpstreamSettings]: ReturnType<typeof upstreamFieldSchema>;
  },
);

/** Bounds that come from the config. */
export interface RegisterBounds {
  minTtlSeconds: number;
  maxTtlSeconds: number;
}

/** Zod schema of {@link RegisterRequest}; unknown fields are refused. */
export function createRegisterSchema(bounds: RegisterBounds) {
  return z.strictObject({
    host: hostSchema
      .optional()
      .describe("Hostname or IP Kong connects to; default: the caller's address"),
    port: z.number().int().min(1).max(65535).describe('Port Kong connects to'),
    protocol: protocolSchema
      .optional()
      .describe('Protocol of the instance (and of its Kong service); default http'),
    version: z.string().min(1).max(64).optional().describe('Free-form version of the instance'),
    weight: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe('Load-balancing weight; default 100'),
    metadata: z
      .record(
        z.string().regex(/^[A-Za-z0-9._/-]{1,64}$/, 'metadata keys are 1-64 of [A-Za-z0-9._/-]'),
        z.string().max(256),
      )
      .refine((m) => Object.keys(m).length <= 32, 'at most 32 metadata entries')
      .optional()
      .describe('Small string map: at most 32 keys, values up to 256 characters'),
    ttlSeconds: z
      .number()
      .int()
      .min(bounds.minTtlSeconds)
      .max(bounds.maxTtlSeconds)
      .optional()
      .describe('Lease length; default REGISTRY_LEASE_TTL_SECONDS (15)'),
    prefix: prefixSchema.optional().describe('Gateway prefix of the service; default /{service}'),
    extraPrefixes: z
      .array(prefixSchema)
      .max(EXTRA_PREFIXES_MAX)
      .optional()
      .describe(
        `More prefixes the service also answers under, each claimed like prefix (gRPC: one /<package>.<Service> per gRPC service the server hosts); at most ${EXTRA_PREFIXES_MAX}, none nested in another or in prefix`,
      ),
    stripPrefix: z
      .boolean()
      .optional()
      .describe('Strip the prefix before proxying; default true (false for grpc)'),
    auth: z
      .union([
        authTypeSchema,
        z.strictObject({
          type: authTypeSchema,
          allowGroups: z.array(groupSchema).max(32).optional(),
        }),
      ])
      .optional()
      .describe(
        'Client authentication at the gateway: a type, or {type, allowGroups}; default none',
      ),
    allowGroups: z
      .array(groupSchema)
      .max(32)
      .optional()
      .describe(
        'ACL groups allowed in, next to a string auth; empty means any authenticated consumer',
      ),
    healthCheck: healthCheckSchema
      .optional()
      .describe(
        'Active health check Kong runs; defaults path /health, 5 s interval, thresholds 2/2, timeout 2 s',
      ),
    upstream: upstreamSchema
      .optional()
      .describe(
        "Kong's timeouts and retries towards the instances (its service's connect_timeout, read_timeout, write_timeout, retries); each left out keeps Kong's default, 60000 ms and 5 retries",
      ),
    route: z
      .boolean()
      .optional()
      .describe(
        'false: a route-less service (worker, queue consumer): no prefix, nothing in Kong; default true',
      ),
    labels: labelsSchema
      .optional()
      .describe(
        `Labels of the instance (gpu=true), Kubernetes-style keys and values, at most ${LABELS_MAX_COUNT}`,
      ),
  }) satisfies z.ZodType<RegisterRequest>;
}

/** Labels: the contract's rules (sdk/src/rules.ts), each problem as its own issue. */
export const labelsSchema = z
  .record(z.string(), z.string())
  .superRefine((labels, ctx) => {
    for (const problem of labelsProblems(labels)) {
      ctx.addIssue({
        code: 'custom',
        message: problem.message,
        path: problem.path === 'labels' ? [] : [problem.path.slice('labels.'.length)],
      });
    }
  })
  .describe(LABELS_COUNT_RULE);

/** Body of `PUT .../heartbeat`: optional, and so is its self-reported health. */
export const heartbeatBodySchema = z
  .strictObject({
    health: z
      .strictObject({
        status: z.enum(SELF_HEALTH_STATUSES).describe('What the instance says of itself'),
        detail: z
          .string()
          .max(SELF_HEALTH_DETAIL_MAX_LENGTH)
          .optional()
          .describe(`Why, shown as is; at most ${SELF_HEALTH_DETAIL_MAX_LENGTH} characters`),
      })
      .optional()
      .describe("The instance's own health, stored with it until the next report"),
  })
  .optional();

/** Zod issues as `details` rows. */
export function toDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

/** Parses with `schema` or throws REG_ERR_VALIDATION listing every problem. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = toDetails(result.error);
    throw new RegistryError(
      'REG_ERR_VALIDATION',
      `invalid ${what}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      {
        details,
      },
    );
  }
  return result.data;
}

/** Defaults of a health check, per the contract. */
export const DEFAULT_HEALTH_CHECK: HealthCheckDefinition = {
  path: '/health',
  intervalSeconds: 5,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  timeoutSeconds: 2,
};

/** The service definition a registration carries, with every default filled in. */
export function resolveDefinition(
  service: string,
  request: z.infer<ReturnType<typeof createRegisterSchema>>,
): ServiceDefinition {
  const protocol: InstanceProtocol = request.protocol ?? 'http';
  if (request.route === false) {
    const given = routeOnlyFieldsGiven(request);
    if (given.length > 0) {
      throw new RegistryError(
        'REG_ERR_VALIDATION',
        `a route-less service (route: false) has no gateway route: leave out ${given.join(', ')}`,
        { details: given.map((path) => ({ path, message: 'not allowed with route: false' })) },
      );
    }
    return {
      route: false,
      prefix: null,
      stripPrefix: false,
      protocol,
      auth: { type: 'none', allowGroups: [] },
      healthCheck: { ...DEFAULT_HEALTH_CHECK },
    };
  }
  const grpc = protocol === 'grpc' || protocol === 'grpcs';
  let auth: AuthPolicy;
  if (request.auth === undefined || typeof request.auth === 'string') {
    auth = { type: request.auth ?? 'none', allowGroups: request.allowGroups ?? [] };
  } else {
    if (request.allowGroups !== undefined && request.auth.allowGroups !== undefined) {
      throw new RegistryError(
        'REG_ERR_VALIDATION',
        'give allowGroups either inside auth or next to it, not both',
        {
          details: [{ path: 'allowGroups', message: 'also given as auth.allowGroups' }],
        },
      );
    }
    auth = {
      type: request.auth.type,
      allowGroups: request.auth.allowGroups ?? request.allowGroups ?? [],
    };
  }
  auth = { type: auth.type, allowGroups: [...new Set(auth.allowGroups)].sort() };
  const prefix = request.prefix ?? defaultPrefix(service);
  const extraPrefixes = request.extraPrefixes ?? [];
  const overlap = prefixSetProblem([prefix, ...extraPrefixes]);
  if (overlap)
    throw new RegistryError('REG_ERR_VALIDATION', `invalid registration: ${overlap}`, {
      details: [{ path: 'extraPrefixes', message: overlap }],
    });
  // Stored only when the registration sets some, with Kong's default in the rest: a definition
  // without them keeps its stored form, and reads as Kong's defaults (`upstreamSettings`).
  const upstream =
    request.upstream && Object.values(request.upstream).some((v) => v !== undefined)
      ? resolveUpstream(request.upstream)
      : undefined;
  return {
    route: true,
    prefix,
    // Stored only when there are some: definitions without them keep their stored form.
    ...(extraPrefixes.length > 0 && { extraPrefixes }),
    stripPrefix: request.stripPrefix ?? !grpc,
    protocol,
    auth,
    healthCheck: { ...DEFAULT_HEALTH_CHECK, ...request.healthCheck },
    ...(upstream && { upstream }),
  };
}

/** True when `prefix` is a reserved path or lies under one. */
export function reservedBy(prefix: string, reserved: readonly string[]): string | undefined {
  return reserved.find((r) => prefix === r || prefix.startsWith(r.endsWith('/') ? r : `${r}/`));
}

/** Whether a token's prefix allow-list permits `prefix` (exact, or nested under an allowed one). */
export function prefixAllowed(prefix: string, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  return allowed.some((a) => prefix === a || prefix.startsWith(`${a}/`));
}

/** Body of `PUT .../gateway-health`: Kong's health of one target, reported by the controller. */
export const gatewayHealthSchema = z.strictObject({
  status: z
    .enum(['HEALTHY', 'UNHEALTHY', 'HEALTHCHECKS_OFF', 'DNS_ERROR', 'UNKNOWN'])
    .describe("Kong's health of the target (GET /upstreams/{u}/health)"),
});
