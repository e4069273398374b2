/**
 * The controller's configuration: read from the environment once, each variable checked with
 * zod on its own and the rules between them after (every problem reported at once), then frozen.
 * Nothing else reads process.env.
 */
import { hostname } from 'node:os';
import {
  deepFreeze,
  parseFields,
  readSecretSetting,
  readSettingFile,
  withoutEmptyValues,
} from '@kong-registry/sdk';
import * as z from 'zod';
import { demoEnvFor } from './cli/demo-env';
import { parseTelemetry, redactTelemetry } from './config-telemetry';
import type { TelemetrySettings } from './desired/telemetry';
import { ConfigError } from './errors';
import { DEFAULT_OWNERSHIP_TAG } from './naming';

/** How to talk to Kong's Admin API. */
export interface KongAdminConfig {
  /** One URL in DB mode; DB-less may list several nodes, each converged on its own. */
  urls: string[];
  token: string | undefined;
  headers: Record<string, string>;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  timeoutMs: number;
  /** `auto` reads `GET /` `configuration.database` (off means DB-less). */
  mode: 'db' | 'dbless' | 'auto';
}

/** Sentinels that know the current master of the lock's Redis (ioredis's own Sentinel support). */
export interface RedisSentinelConfig {
  sentinels: { host: string; port: number }[];
  name: string;
  password: string | undefined;
  sentinelPassword: string | undefined;
}

/** The controller's validated, frozen configuration. */
export interface ControllerConfig {
  /** Set when a running demo's settings filled unset variables (cli/demo-env.ts). */
  fromDemo?: { path: string; variables: string[] };
  /** Empty only for Kong-only commands (`explain`, `routes`) run without a registry. */
  registryUrl: string;
  registryToken: string;
  /** Leader lock (and nothing else) lives here; without it the controller assumes it is alone. */
  redisUrl: string | undefined;
  /** The same Redis found through Sentinel (REDIS_SENTINELS, wins over REDIS_URL as in the registry). */
  redisSentinel: RedisSentinelConfig | undefined;
  kong: KongAdminConfig;
  ownershipTag: string;
  /** Full resync period (drift correction), jittered by +-10%. */
  resyncIntervalMs: number;
  /** Quiet time after a registry event before reconciling, so bursts become one reconcile. */
  debounceMs: number;
  /** Most Admin API reads/s of a whole resync's target lists after the first; 0 = no ceiling. */
  resyncReadRate: number;
  /** Longest wait between retries after failed reconciles (backoff doubles from 1 s). */
  retryMaxMs: number;
  applyConcurrency: number;
  lock: { key: string; ttlMs: number; holderId: string };
  massExpiry: { threshold: number; holdMs: number; minTargets: number };
  /** Period of the reads of Kong's upstream health for the registry; 0 turns feedback off. */
  healthFeedbackIntervalMs: number;
  /** Every upstream's health is read at least once in this time (health/rounds.ts). */
  healthFeedbackFullMs: number;
  /** DB-less only: declarative document with config we do not own, merged into every push. */
  dblessBaseFile: string | undefined;
  /** DB-less only: period of the `GET /status` look at each node (apply/node-watch.ts); 0 = off. */
  dblessWatchIntervalMs: number;
  metrics: { port: number | undefined; host: string };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Kong's own prometheus and log plugins, programmed like the rest (off by default). */
  telemetry: TelemetrySettings;
}

/** Parses `250ms`, `30s`, `2m` or a bare number of seconds. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Math.round(Number(match[1]) * factor);
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `'${v}' is not a duration (e.g. 500ms, 30s, 2m)` });
        return z.NEVER;
      }
      return ms;
    });
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));
const url = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');

const envSchema = z.object({
  REGISTRY_URL: url.optional(),
  REGISTRY_TOKEN: z.string().min(1).optional(),
  REGISTRY_TOKEN_FILE: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  REDIS_SENTINELS: z
    .string()
    .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'must be a comma-separated host:port list')
    .optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  KONG_ADMIN_URL: z.string({ error: 'required' }).min(1, 'required'),
  KONG_ADMIN_TOKEN: z.string().min(1).optional(),
  KONG_ADMIN_TOKEN_FILE: z.string().min(1).optional(),
  KONG_ADMIN_HEADERS: z.string().optional(),
  KONG_ADMIN_CA_FILE: z.string().min(1).optional(),
  KONG_ADMIN_CLIENT_CERT_FILE: z.string().min(1).optional(),
  KONG_ADMIN_CLIENT_KEY_FILE: z.string().min(1).optional(),
  KONG_ADMIN_TLS_SKIP_VERIFY: bool.default(false),
  KONG_ADMIN_TIMEOUT: duration('10s'),
  KONG_MODE: z.enum(['db', 'dbless', 'auto']).default('auto'),
  OWNERSHIP_TAG: z
    .string()
    .regex(/^[\x20-\x7e]+$/, 'printable ASCII only')
    .refine((v) => !v.includes(',') && !v.includes('/'), "must not contain ',' or '/'")
    .default(DEFAULT_OWNERSHIP_TAG),
  RESYNC_INTERVAL: duration('30s'),
  EVENT_DEBOUNCE: duration('50ms'),
  RESYNC_READ_RATE: z.coerce.number().min(0).default(200),
  RETRY_MAX_INTERVAL: duration('30s'),
  APPLY_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  LEADER_LOCK_KEY: z.string().min(1).default('kong-registry:controller:leader'),
  LEADER_LOCK_TTL: duration('15s'),
  CONTROLLER_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  MASS_EXPIRY_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
  MASS_EXPIRY_HOLD: duration('60s'),
  MASS_EXPIRY_MIN_TARGETS: z.coerce.number().int().min(1).default(2),
  HEALTH_FEEDBACK_INTERVAL: duration('10s'),
  HEALTH_FEEDBACK_FULL_INTERVAL: duration('60s'),
  DBLESS_BASE_FILE: z.string().min(1).optional(),
  DBLESS_WATCH_INTERVAL: duration('5s'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Every variable the controller's commands read, for `--help` (each command lists its own). */
export const ENV_HELP = {
  REGISTRY_URL: 'registry base URL, e.g. http://127.0.0.1:4000',
  'REGISTRY_TOKEN(_FILE)': 'admin token for GET /v1/state and gateway-health reports',
  REDIS_URL: 'Redis for the leader lock; without it the controller assumes it is the only replica',
  'REDIS_SENTINELS / REDIS_SENTINEL_NAME':
    'the lock Redis through Sentinel instead: host:port,host:port and the master group name (+ REDIS_PASSWORD(_FILE), REDIS_SENTINEL_PASSWORD(_FILE))',
  KONG_ADMIN_URL: 'Admin API URL; DB-less may list several nodes, comma-separated',
  'KONG_ADMIN_TOKEN(_FILE)': 'sent as Kong-Admin-Token (RBAC)',
  KONG_ADMIN_HEADERS: "extra headers: 'name=value,name2=value2' or a JSON object (e.g. apikey)",
  KONG_ADMIN_CA_FILE: 'CA bundle (PEM) to verify the Admin API certificate',
  'KONG_ADMIN_CLIENT_CERT_FILE / _KEY_FILE':
    'client certificate and key for mTLS (both or neither)',
  KONG_ADMIN_TLS_SKIP_VERIFY: 'true to skip certificate verification (default false)',
  KONG_ADMIN_TIMEOUT: 'per-request timeout (default 10s)',
  KONG_MODE: 'db | dbless | auto (default auto: GET / configuration.database)',
  OWNERSHIP_TAG: `tag on every managed entity (default ${DEFAULT_OWNERSHIP_TAG})`,
  RESYNC_INTERVAL: 'full resync period, jittered +-10% (default 30s)',
  EVENT_DEBOUNCE:
    'an event after this much quiet reconciles its service at once; the rest of a burst, together, once events pause this long (at most 4 times it after the first) (default 50ms)',
  RESYNC_READ_RATE:
    'DB mode: most Admin API reads per second of a periodic resync (one per service), so the drift scan is spread out; events are not held up by it; 0 = no ceiling (default 200)',
  RETRY_MAX_INTERVAL: 'cap of the retry backoff after a failed reconcile (default 30s)',
  APPLY_CONCURRENCY:
    'Admin API requests in flight: writes of one level, target list reads (default 10)',
  'LEADER_LOCK_KEY / LEADER_LOCK_TTL':
    'Redis lock key and TTL (default kong-registry:controller:leader, 15s)',
  CONTROLLER_ID: 'identity in the lock (default hostname-pid)',
  MASS_EXPIRY_THRESHOLD: 'share of a service targets whose lease expiry is held (default 0.5)',
  MASS_EXPIRY_HOLD: 'how long such removals are held (default 60s)',
  MASS_EXPIRY_MIN_TARGETS: 'services with fewer targets are never held (default 2)',
  HEALTH_FEEDBACK_INTERVAL:
    'period of Kong health reports to the registry, for services that changed or are not all HEALTHY; 0 = off (default 10s)',
  HEALTH_FEEDBACK_FULL_INTERVAL:
    'every upstream health is read once in this time, a slice per report (default 60s)',
  DBLESS_BASE_FILE: 'DB-less: YAML/JSON declarative file with config we do not own',
  DBLESS_WATCH_INTERVAL:
    'DB-less: how often each node is asked for its configuration hash (GET /status), so a node restarted empty is pushed its configuration at once instead of at the next resync; 0 = off (default 5s)',
  KONG_PROMETHEUS_PLUGIN:
    "on: a global prometheus plugin in Kong, whose /metrics then has each service's requests, latencies and targets' health (default off)",
  KONG_LOG_PLUGIN:
    'http-log:<url> (e.g. a Logstash http input) or file-log:<absolute path on the Kong nodes>: a Kong log plugin, one JSON entry per request (default off)',
  KONG_LOG_PLUGIN_SCOPE:
    'global (every request, unrouted ones too) or per-service (each routed service) (default global)',
  'METRICS_PORT / METRICS_HOST': '/metrics, /healthz, /readyz listener (default off, 127.0.0.1)',
  LOG_LEVEL: 'fatal|error|warn|info|debug|trace|silent (default info)',
} as const;

/** A variable's name as `--help` lists it. */
export type EnvHelpName = keyof typeof ENV_HELP;

function parseHeaders(raw: string | undefined, problems: string[]): Record<string, string> {
  if (!raw || raw.trim() === '') return {};
  if (raw.trim().startsWith('{')) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (
        parsed &&
        typeof parsed === 'object' &&
        Object.values(parsed).every((v) => typeof v === 'string')
      ) {
        return parsed as Record<string, string>;
      }
    } catch {
      // reported below
    }
    problems.push('KONG_ADMIN_HEADERS: not a JSON object of strings');
    return {};
  }
  const headers: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    if (at <= 0 || !/^[A-Za-z0-9-]+$/.test(name)) {
      problems.push(`KONG_ADMIN_HEADERS: '${pair}' is not name=value`);
      continue;
    }
    headers[name.toLowerCase()] = pair.slice(at + 1).trim();
  }
  return headers;
}

/** The overrides that are set (a flag not given arrives as undefined and must not hide the env). */
function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) set[key] = value;
  return set;
}

/**
 * Validates the environment (plus CLI overrides, which win) and returns the frozen config.
 * With `fromDemo`, a running demo's settings fill the variables the environment leaves unset
 * (cli/demo-env.ts); `fromDemo` in the result says which. Throws ConfigError listing every problem.
 */
export function loadConfig(
  overrides: Record<string, string | undefined> = {},
  env: Record<string, string | undefined> = process.env,
  {
    registryOptional = false,
    fromDemo = false,
  }: { registryOptional?: boolean; fromDemo?: boolean } = {},
): Readonly<ControllerConfig> {
  const demo = fromDemo ? demoEnvFor(env) : undefined;
  const demoVariables = Object.keys(demo?.values ?? {});
  const merged = withoutEmptyValues({ ...env, ...demo?.values, ...definedOnly(overrides) });
  const problems: string[] = [];
  const { values: e } = parseFields(envSchema.shape, merged, problems);
  const registryToken = readSecretSetting(merged, 'REGISTRY_TOKEN', problems);
  if (!registryOptional || merged.REGISTRY_URL) {
    if (!merged.REGISTRY_URL) problems.push('REGISTRY_URL: required');
    if (!registryToken)
      problems.push('REGISTRY_TOKEN or REGISTRY_TOKEN_FILE: required (an admin token)');
  }
  const kongToken = readSecretSetting(merged, 'KONG_ADMIN_TOKEN', problems);
  const redisPassword = readSecretSetting(merged, 'REDIS_PASSWORD', problems);
  const sentinelPassword = readSecretSetting(merged, 'REDIS_SENTINEL_PASSWORD', problems);
  if (e.REDIS_SENTINELS && !e.REDIS_SENTINEL_NAME)
    problems.push('REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the master group name)');
  const headers = parseHeaders(merged.KONG_ADMIN_HEADERS, problems);

  const urls = (e.KONG_ADMIN_URL ?? '')
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const u of urls)
    if (!/^https?:\/\/\S+$/.test(u)) problems.push(`KONG_ADMIN_URL: '${u}' is not an http(s) URL`);
  if (urls.length > 1 && e.KONG_MODE === 'db') {
    problems.push(
      'KONG_ADMIN_URL: several nodes are only allowed in DB-less mode (DB-mode nodes share one database)',
    );
  }
  if (!!e.KONG_ADMIN_CLIENT_CERT_FILE !== !!e.KONG_ADMIN_CLIENT_KEY_FILE) {
    problems.push(
      'KONG_ADMIN_CLIENT_CERT_FILE and KONG_ADMIN_CLIENT_KEY_FILE: set both or neither',
    );
  }
  if (e.DBLESS_BASE_FILE && e.KONG_MODE === 'db')
    problems.push('DBLESS_BASE_FILE: only used with KONG_MODE=dbless');
  if (e.LEADER_LOCK_TTL < 1000) problems.push('LEADER_LOCK_TTL: must be at least 1s');
  const telemetry = parseTelemetry(
    {
      KONG_PROMETHEUS_PLUGIN: merged.KONG_PROMETHEUS_PLUGIN,
      KONG_LOG_PLUGIN: merged.KONG_LOG_PLUGIN,
      KONG_LOG_PLUGIN_SCOPE: merged.KONG_LOG_PLUGIN_SCOPE,
    },
    problems,
  );
  const tls: KongAdminConfig['tls'] = { rejectUnauthorized: !e.KONG_ADMIN_TLS_SKIP_VERIFY };
  if (e.KONG_ADMIN_CA_FILE)
    tls.ca = readSettingFile(e.KONG_ADMIN_CA_FILE, 'KONG_ADMIN_CA_FILE', problems);
  if (e.KONG_ADMIN_CLIENT_CERT_FILE)
    tls.cert = readSettingFile(
      e.KONG_ADMIN_CLIENT_CERT_FILE,
      'KONG_ADMIN_CLIENT_CERT_FILE',
      problems,
    );
  if (e.KONG_ADMIN_CLIENT_KEY_FILE)
    tls.key = readSettingFile(e.KONG_ADMIN_CLIENT_KEY_FILE, 'KONG_ADMIN_CLIENT_KEY_FILE', problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    ...(demo && demoVariables.length > 0
      ? { fromDemo: { path: demo.path, variables: demoVariables } }
      : {}),
    registryUrl: (e.REGISTRY_URL ?? '').replace(/\/+$/, ''),
    registryToken: registryToken ?? '',
    redisUrl: e.REDIS_URL,
    redisSentinel: e.REDIS_SENTINELS
      ? {
          sentinels: e.REDIS_SENTINELS.split(',').map((pair) => {
            const [host = '', port = '26379'] = pair.split(':');
            return { host, port: Number(port) };
          }),
          name: e.REDIS_SENTINEL_NAME ?? '',
          password: redisPassword,
          sentinelPassword,
        }
      : undefined,
    kong: {
      urls,
      token: kongToken,
      headers,
      tls,
      timeoutMs: e.KONG_ADMIN_TIMEOUT,
      mode: e.KONG_MODE,
    },
    ownershipTag: e.OWNERSHIP_TAG,
    resyncIntervalMs: e.RESYNC_INTERVAL,
    debounceMs: e.EVENT_DEBOUNCE,
    resyncReadRate: e.RESYNC_READ_RATE,
    retryMaxMs: Math.max(1000, e.RETRY_MAX_INTERVAL),
    applyConcurrency: e.APPLY_CONCURRENCY,
    lock: { key: e.LEADER_LOCK_KEY, ttlMs: e.LEADER_LOCK_TTL, holderId: e.CONTROLLER_ID },
    massExpiry: {
      threshold: e.MASS_EXPIRY_THRESHOLD,
      holdMs: e.MASS_EXPIRY_HOLD,
      minTargets: e.MASS_EXPIRY_MIN_TARGETS,
    },
    healthFeedbackIntervalMs: e.HEALTH_FEEDBACK_INTERVAL,
    healthFeedbackFullMs: e.HEALTH_FEEDBACK_FULL_INTERVAL,
    dblessBaseFile: e.DBLESS_BASE_FILE,
    dblessWatchIntervalMs: e.DBLESS_WATCH_INTERVAL,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    logLevel: e.LOG_LEVEL,
    telemetry,
  });
}

/** The config with secrets replaced, for the startup log line. */
export function redactConfig(config: ControllerConfig): Record<string, unknown> {
  const hidden = (v: unknown) => (v ? '[redacted]' : undefined);
  return {
    ...config,
    registryToken: hidden(config.registryToken),
    telemetry: redactTelemetry(config.telemetry),
    redisUrl: config.redisUrl?.replace(/\/\/[^@/]*@/, '//[redacted]@'),
    redisSentinel: config.redisSentinel && {
      ...config.redisSentinel,
      password: hidden(config.redisSentinel.password),
      sentinelPassword: hidden(config.redisSentinel.sentinelPassword),
    },
    kong: {
      ...config.kong,
      token: hidden(config.kong.token),
      headers: Object.fromEntries(Object.keys(config.kong.headers).map((k) => [k, '[redacted]'])),
      tls: {
        ...config.kong.tls,
        key: hidden(config.kong.tls.key),
        cert: hidden(config.kong.tls.cert),
        ca: hidden(config.kong.tls.ca),
      },
    },
  };
}
