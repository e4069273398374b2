import { networkInterfaces } from 'node:os';
import type {
  AuthType,
  HealthCheckDefinition,
  InstanceProtocol,
  RegisterRequest,
  UpstreamSettings,
} from './contract';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff';
import { SdkError } from './errors';
import type { HealthHandlerOptions } from './health';
import {
  DEFAULT_DRAIN_HOLD_SECONDS,
  INSTANCE_ID_MAX_LENGTH,
  instanceIdProblem,
  isLeaseTtl,
  labelsProblems,
  prefixProblem,
  prefixSetProblem,
  defaultPrefix,
  EXTRA_PREFIXES_MAX,
  routeOnlyFieldsGiven,
  serviceNameProblem,
} from './rules';
import { upstreamProblems } from './upstream-settings';

/** Where the SDK writes what it does. Any console-like or pino-like logger fits. */
export interface SdkLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What `handleSignals` does on SIGTERM/SIGINT. */
export interface SignalHandlingOptions {
  /** Signals to handle. @default ["SIGTERM", "SIGINT"] */
  signals?: NodeJS.Signals[];
  /** Call `process.exit()` (with `process.exitCode`, else 0) once drained. @default true */
  exit?: boolean;
}

/** Options of `register()`. Only `registryUrl`, `token`, `service` and `port` are required. */
export interface RegisterOptions {
  /**
   * Base URL of the registry, e.g. `http://registry:4000` (the SDK adds `/v1/...`), or a list of
   * replicas sharing one Redis. With a list, requests go to the current URL; a network error,
   * timeout or 5xx moves the client to the next one (round-robin) for the retry. A 4xx is the
   * registry's verdict and is not tried elsewhere. Every URL must be http(s).
   * @default (required; no default)
   */
  registryUrl: string | URL | readonly (string | URL)[];
  /**
   * Bearer token (a service token minted by `npx kong-registry token --service <name>`), or a
   * function returning one, called before every request so tokens can rotate.
   */
  token: string | (() => string | Promise<string>);
  /** Service name, the same for every instance of the service. */
  service: string;
  /** Port Kong connects to on this instance. */
  port: number;
  /**
   * Host or IP that Kong connects to.
   * @default the first non-internal IPv4 address of this machine (127.0.0.1 if there is none)
   */
  host?: string;
  /**
   * Stable id of this instance: registering again with the same id refreshes, never duplicates.
   * @default `${host}-${port}`, lower-cased, with characters other than `a-z 0-9 . _ -` replaced by `-`
   */
  instanceId?: string;
  /** @default "http" */
  protocol?: InstanceProtocol;
  /** Free-form version string shown in the registry. @default undefined */
  version?: string;
  /** Load-balancing weight 0..1000. @default 100 (chosen by the registry) */
  weight?: number;
  /** Small string map stored with the instance. @default {} */
  metadata?: Record<string, string>;
  /** URL prefix clients use at the gateway. @default "/{service}" (chosen by the registry) */
  prefix?: string;
  /**
   * More prefixes the service also answers under, each claimed like `prefix`: for a gRPC server,
   * one `/<package>.<Service>` per gRPC service it hosts beyond the first. At most 16, none
   * nested in another. @default []
   */
  extraPrefixes?: readonly string[];
  /** Strip the prefix before proxying. @default true (chosen by the registry; false for grpc) */
  stripPrefix?: boolean;
  /** Gateway authentication: a type, or `{ type, allowGroups }`. @default "none" (chosen by the registry) */
  auth?: AuthType | { type: AuthType; allowGroups?: string[] };
  /** Kong's active health check of this service. @default { path: "/health", ... } (chosen by the registry) */
  healthCheck?: Partial<HealthCheckDefinition>;
  /**
   * Kong's timeouts and retries towards this service's instances: `connectTimeoutMs`,
   * `readTimeoutMs`, `writeTimeoutMs` (integers 1..2147483646) and `retries` (0..32767).
   * @default Kong's: 60000 ms each, 5 retries (chosen by the registry)
   */
  upstream?: Partial<UpstreamSettings>;
  /** Lease length asked for; the registry bounds it. @default 15 (chosen by the registry) */
  ttlSeconds?: number;
  /**
   * `false`: a route-less service (queue consumer, worker, GPU job) that serves no HTTP to
   * clients: no prefix, nothing in Kong, and then none of `prefix`, `stripPrefix`, `auth`,
   * `healthCheck`, `upstream`. It still holds a lease, and reports its own health with `selfHealth`.
   * @default true
   */
  route?: boolean;
  /** Labels of this instance (`{ gpu: 'true' }`), Kubernetes-style, at most 32. @default {} */
  labels?: Record<string, string>;
  /**
   * Checks run before every heartbeat; the result goes with it as the instance's own health
   * (`healthy`, or `unhealthy` naming the failing checks), shown in the registry and its
   * metrics. Same shape as `healthHandler()`'s options. @default undefined (none sent)
   */
  selfHealth?: HealthHandlerOptions;
  /** Where the SDK logs. @default silent */
  logger?: SdkLogger;
  /** Aborting it closes the handle (deregisters), like calling `close()`. @default undefined */
  signal?: AbortSignal;
  /**
   * Resolve `register()` only after the first successful registration (it rejects on 401/403 or
   * another 4xx). With `false` it resolves at once and keeps trying in the background.
   * @default true
   */
  waitForRegistration?: boolean;
  /**
   * Drain and exit on SIGTERM/SIGINT (see README "Shutdown"). `true` means
   * `{ signals: ["SIGTERM","SIGINT"], exit: true }`.
   * @default false
   */
  handleSignals?: boolean | SignalHandlingOptions;
  /** How long `drain()` (and the signal handler) waits for in-flight requests, in ms. @default 30000 */
  drainTimeoutMs?: number;
  /**
   * How long `drain()` (and the signal handler) keeps the instance at weight 0 before it leaves,
   * even with nothing in flight, so that every Kong node has stopped sending it traffic.
   * @default 6000 ({@link DEFAULT_DRAIN_HOLD_SECONDS}: Kong's default db_update_frequency, 5 s, and 1 s for the controller)
   */
  drainHoldMs?: number;
  /** Timeout of each request to the registry, in ms. @default 5000 */
  requestTimeoutMs?: number;
  /** Backoff between attempts (exponential with jitter, capped). @default see {@link DEFAULT_RETRY_POLICY} */
  retry?: Partial<RetryPolicy>;
}

/** Options after defaults and validation; frozen. */
export interface ResolvedOptions {
  /** The first registry URL (without trailing slash). */
  readonly baseUrl: string;
  /** Every registry URL in the order given; `baseUrls[0] === baseUrl`. */
  readonly baseUrls: readonly string[];
  readonly token: () => string | Promise<string>;
  readonly service: string;
  readonly instanceId: string;
  readonly body: Readonly<RegisterRequest>;
  readonly selfHealth: Readonly<HealthHandlerOptions> | undefined;
  readonly logger: SdkLogger;
  readonly signal: AbortSignal | undefined;
  readonly waitForRegistration: boolean;
  readonly signals: Readonly<Required<SignalHandlingOptions>> | undefined;
  readonly drainTimeoutMs: number;
  readonly drainHoldMs: number;
  readonly requestTimeoutMs: number;
  readonly retry: Readonly<RetryPolicy>;
}

const noop = (): void => undefined;
/** The default logger: says nothing. */
export const silentLogger: SdkLogger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});

const PROTOCOLS: readonly InstanceProtocol[] = ['http', 'https', 'grpc', 'grpcs'];

/** The first non-internal IPv4 address of this machine, or undefined. */
export function detectHostAddress(interfaces = networkInterfaces()): string | undefined {
  for (const list of Object.values(interfaces)) {
    for (const address of list ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}

/** A stable instance id from host and port: same machine and port, same id across restarts. */
export function defaultInstanceId(host: string, port: number): string {
  const cleaned = `${host}-${port}`
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return cleaned.slice(0, INSTANCE_ID_MAX_LENGTH);
}

/** `(got "x")`, shortened, for messages about a bad value. */
function got(value: unknown): string {
  if (typeof value !== 'string') return `(got ${value === null ? 'null' : typeof value})`;
  return `(got ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
}

function isInteger(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function checkRetry(retry: Partial<RetryPolicy> | undefined, problems: string[]): RetryPolicy {
  const merged = { ...DEFAULT_RETRY_POLICY, ...(retry ?? {}) };
  if (!(merged.initialDelayMs >= 0)) problems.push('retry.initialDelayMs must be >= 0');
  if (!(merged.maxDelayMs >= merged.initialDelayMs))
    problems.push('retry.maxDelayMs must be >= retry.initialDelayMs');
  if (!(merged.factor >= 1)) problems.push('retry.factor must be >= 1');
  if (!(merged.jitter >= 0 && merged.jitter <= 1))
    problems.push('retry.jitter must be within 0..1');
  if (!isInteger(merged.retries, 0, 100)) problems.push('retry.retries must be an integer 0..100');
  return merged;
}

function checkUrl(value: unknown, problems: string[]): string {
  try {
    const url = new URL(String(value));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url.href.replace(/\/+$/, '');
  } catch {
    problems.push(`registryUrl must be an http(s) URL (got ${JSON.stringify(String(value))})`);
    return '';
  }
}

function checkUrls(value: RegisterOptions['registryUrl'], problems: string[]): string[] {
  if (!Array.isArray(value)) return [checkUrl(value, problems)];
  if (value.length === 0) {
    problems.push('registryUrl must list at least one http(s) URL');
    return [''];
  }
  return (value as readonly unknown[]).map((url) => checkUrl(url, problems));
}

function checkSignals(value: RegisterOptions['handleSignals']): ResolvedOptions['signals'] {
  if (!value) return undefined;
  const given = value === true ? {} : value;
  const signals: NodeJS.Signals[] = given.signals ?? ['SIGTERM', 'SIGINT'];
  return Object.freeze({ signals, exit: given.exit ?? true });
}

/**
 * Validates `register()` options and fills defaults. Throws one SDK_ERR_INVALID_OPTIONS error
 * that lists every problem at once.
 */
export function resolveOptions(options: RegisterOptions): ResolvedOptions {
  const problems: string[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new SdkError(
      'SDK_ERR_INVALID_OPTIONS',
      'invalid options: register() needs an options object',
    );
  }
  const baseUrls = checkUrls(options.registryUrl, problems);
  const { token } = options;
  if (!((typeof token === 'string' && token.length > 0) || typeof token === 'function')) {
    problems.push('token must be a non-empty string or a function returning one');
  }
  // Names and prefix follow the registry's rules (./rules): a bad one fails here, not at run time.
  const badService = serviceNameProblem(options.service);
  if (badService)
    problems.push(`service must be a service name ${got(options.service)}: ${badService}`);
  if (!isInteger(options.port, 1, 65535)) problems.push('port must be an integer 1..65535');
  if (
    options.host !== undefined &&
    (typeof options.host !== 'string' || options.host.trim() === '')
  ) {
    problems.push('host must be a non-empty string');
  }
  const badInstanceId =
    options.instanceId === undefined ? undefined : instanceIdProblem(options.instanceId);
  if (badInstanceId)
    problems.push(`instanceId must be an instance id ${got(options.instanceId)}: ${badInstanceId}`);
  const badPrefix = options.prefix === undefined ? undefined : prefixProblem(options.prefix);
  if (badPrefix)
    problems.push(`prefix must be a gateway prefix ${got(options.prefix)}: ${badPrefix}`);
  if (options.extraPrefixes !== undefined) {
    const extra: unknown = options.extraPrefixes;
    if (!Array.isArray(extra) || extra.length > EXTRA_PREFIXES_MAX)
      problems.push(`extraPrefixes must be a list of at most ${EXTRA_PREFIXES_MAX} prefixes`);
    else {
      for (const prefix of extra as unknown[]) {
        const bad = prefixProblem(prefix);
        if (bad) problems.push(`extraPrefixes holds ${got(prefix)}: ${bad}`);
      }
      const overlap = prefixSetProblem([
        options.prefix ?? defaultPrefix(options.service),
        ...extra,
      ]);
      if (overlap && extra.every((p) => prefixProblem(p) === undefined)) problems.push(overlap);
    }
  }
  if (options.protocol !== undefined && !PROTOCOLS.includes(options.protocol)) {
    problems.push(`protocol must be one of ${PROTOCOLS.join(', ')}`);
  }
  if (options.weight !== undefined && !isInteger(options.weight, 0, 1000))
    problems.push('weight must be an integer 0..1000');
  if (options.ttlSeconds !== undefined && !isLeaseTtl(options.ttlSeconds)) {
    problems.push('ttlSeconds must be a positive integer');
  }
  if (
    options.metadata !== undefined &&
    Object.values(options.metadata).some((v) => typeof v !== 'string')
  ) {
    problems.push('metadata values must be strings');
  }
  if (options.route !== undefined && typeof options.route !== 'boolean')
    problems.push('route must be a boolean');
  if (options.route === false) {
    const given = routeOnlyFieldsGiven(options);
    if (given.length > 0)
      problems.push(
        `a route-less service (route: false) has no gateway route: leave out ${given.join(', ')}`,
      );
  }
  if (options.labels !== undefined)
    for (const p of labelsProblems(options.labels)) problems.push(`${p.path}: ${p.message}`);
  if (options.upstream !== undefined)
    for (const p of upstreamProblems(options.upstream)) problems.push(`${p.path}: ${p.message}`);
  if (
    options.selfHealth !== undefined &&
    Object.values(options.selfHealth.checks ?? {}).some((check) => typeof check !== 'function')
  )
    problems.push('selfHealth.checks must be functions');
  const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  if (!isInteger(requestTimeoutMs, 1, 600_000))
    problems.push('requestTimeoutMs must be an integer 1..600000');
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  if (!isInteger(drainTimeoutMs, 0, 3_600_000))
    problems.push('drainTimeoutMs must be an integer 0..3600000');
  const drainHoldMs = options.drainHoldMs ?? DEFAULT_DRAIN_HOLD_SECONDS * 1000;
  if (!isInteger(drainHoldMs, 0, 3_600_000))
    problems.push('drainHoldMs must be an integer 0..3600000');
  const retry = checkRetry(options.retry, problems);
  if (problems.length > 0) {
    throw new SdkError('SDK_ERR_INVALID_OPTIONS', `invalid options: ${problems.join('; ')}`);
  }

  const logger = options.logger ?? silentLogger;
  let host = options.host;
  if (host === undefined) {
    host = detectHostAddress() ?? '127.0.0.1';
    logger.debug('sdk: no host given, using a local address', { host });
  }
  const body: RegisterRequest = {
    host,
    port: options.port,
    protocol: options.protocol,
    version: options.version,
    weight: options.weight,
    metadata: options.metadata,
    ttlSeconds: options.ttlSeconds,
    prefix: options.prefix,
    extraPrefixes: options.extraPrefixes && [...options.extraPrefixes],
    stripPrefix: options.stripPrefix,
    auth: options.auth,
    healthCheck: options.healthCheck,
    upstream: options.upstream && { ...options.upstream },
    route: options.route,
    labels: options.labels,
  };
  // Absent fields stay absent so the registry applies its own defaults.
  for (const key of Object.keys(body) as (keyof RegisterRequest)[]) {
    if (body[key] === undefined) delete body[key];
  }
  return Object.freeze({
    baseUrl: baseUrls[0] ?? '',
    baseUrls: Object.freeze(baseUrls),
    token: typeof token === 'function' ? token : () => token,
    service: options.service,
    instanceId: options.instanceId ?? defaultInstanceId(host, options.port),
    body: Object.freeze(body),
    selfHealth: options.selfHealth && Object.freeze({ ...options.selfHealth }),
    logger,
    signal: options.signal,
    waitForRegistration: options.waitForRegistration ?? true,
    signals: checkSignals(options.handleSignals),
    drainTimeoutMs,
    drainHoldMs,
    requestTimeoutMs,
    retry: Object.freeze(retry),
  });
}
