import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  INSTANCE_ID,
  INSTANCE_ID_RULE,
  LEASE_TTL_RANGE_SECONDS,
  prefixProblem,
  SERVICE_NAME,
  SERVICE_NAME_RULE,
  ConfigError,
  DEFAULT_DRAIN_HOLD_SECONDS,
  labelsProblems,
  parseFields,
  routeOnlyFieldsGiven,
  isUpstreamValue,
  upstreamFieldRule,
  type AgentErrorCodeShape,
  type UpstreamSettings,
} from '@kong-registry/sdk';
import { AGENT_OPTIONS, CONFIG_KEY } from './options';

/** How the agent gets its service token. */
export type TokenSource = { kind: 'file'; path: string } | { kind: 'value'; value: string };

/** What the agent probes, and how strictly. */
export interface HealthSettings {
  url: string;
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive failures before the instance is marked draining. */
  unhealthyThreshold: number;
  /** Consecutive successes before it is registered (again). */
  healthyThreshold: number;
}

/** The agent's validated, frozen settings. */
export interface AgentConfig {
  readonly registryUrl: string;
  readonly token: TokenSource;
  readonly service: string;
  readonly port: number;
  /** Undefined: the SDK picks the first non-internal IPv4. */
  readonly host: string | undefined;
  readonly instanceId: string | undefined;
  readonly prefix: string | undefined;
  readonly extraPrefixes: readonly string[] | undefined;
  readonly auth: 'none' | 'key-auth' | 'jwt' | undefined;
  readonly allowGroups: readonly string[] | undefined;
  readonly protocol: 'http' | 'https' | 'grpc' | 'grpcs' | undefined;
  readonly stripPrefix: boolean | undefined;
  readonly version: string | undefined;
  readonly weight: number | undefined;
  readonly metadata: Readonly<Record<string, string>> | undefined;
  readonly ttlSeconds: number | undefined;
  /** False: a route-less worker (nothing in Kong; its health goes with each heartbeat). */
  readonly route: boolean;
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** Route-less only: shell command whose exit status is the instance's own health. */
  readonly healthCommand: Readonly<{ command: string; timeoutMs: number }> | undefined;
  /** Path of Kong's active health check; undefined leaves the registry's default. */
  readonly kongHealthPath: string | undefined;
  /** Kong's timeouts (ms) and retries towards the instances; undefined leaves Kong's defaults. */
  readonly upstream: Readonly<Partial<UpstreamSettings>> | undefined;
  /** Undefined: no health URL, the instance stays registered while the agent runs. */
  readonly health: Readonly<HealthSettings> | undefined;
  readonly drainMs: number;
  readonly logLevel: string;
}

/** Bad settings; `problems` lists every one of them, so a single run shows them all. */
export class AgentConfigError extends ConfigError<'AGENT_ERR_CONFIG'> {
  constructor(problems: readonly string[]) {
    super('AGENT_ERR_CONFIG' satisfies AgentErrorCodeShape, 'agent', problems);
  }
}

/** Raw values: strings from flags and env, anything JSON/YAML can hold from the file. */
type RawConfig = Record<string, unknown>;

/** A list: comma-separated from a flag or the environment, an array from a file. */
const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );
const list = listOf(z.string().min(1));
const bool = z.preprocess(
  (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v),
  z.boolean(),
);
const metadata = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const entries = v
      .split(',')
      .filter((pair) => pair.trim() !== '')
      .map((pair) => {
        const at = pair.indexOf('=');
        return at < 0 ? [pair.trim(), ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      });
    return Object.fromEntries(entries) as unknown;
  },
  z.record(z.string().min(1), z.string()),
);
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const seconds = (min: number, max: number) => z.coerce.number().min(min).max(max);
const nonEmpty = z.string().trim().min(1);
/** A gateway prefix, by the rule the registry checks it with. */
const prefix = z.string().superRefine((value, ctx) => {
  const problem = prefixProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * One of Kong's timeouts, given in seconds like every duration of the agent; Kong's bound is on
 * the milliseconds it makes (the contract's rule, sdk/src/upstream-settings.ts).
 */
const kongTimeout = (field: 'connectTimeoutMs' | 'readTimeoutMs' | 'writeTimeoutMs') =>
  z.coerce
    .number()
    .transform((value) => Math.round(value * 1000))
    .refine((ms) => isUpstreamValue(field, ms), {
      error: `seconds that make ${upstreamFieldRule(field)}`,
    });

const schema = z.object({
  // Names and prefixes follow the registry's rules (from the SDK), so a bad one fails at start.
  service: z.string().regex(SERVICE_NAME, SERVICE_NAME_RULE),
  port: int(1, 65535),
  host: nonEmpty.optional(),
  prefix: prefix.optional(),
  extraPrefixes: listOf(prefix).optional(),
  health: httpUrl.optional(),
  auth: z.enum(['none', 'key-auth', 'jwt']).optional(),
  allowGroups: list.optional(),
  tokenFile: nonEmpty.optional(),
  token: nonEmpty.optional(),
  registryUrl: httpUrl.default('http://127.0.0.1:4000'),
  instanceId: z.string().regex(INSTANCE_ID, INSTANCE_ID_RULE).optional(),
  protocol: z.enum(['http', 'https', 'grpc', 'grpcs']).optional(),
  stripPrefix: bool.optional(),
  version: nonEmpty.optional(),
  weight: int(0, 1000).optional(),
  metadata: metadata.optional(),
  route: bool.optional(),
  healthCmd: nonEmpty.optional(),
  // Same K=V,.. syntax as metadata; the contract's label rules (sdk/src/rules.ts) on top.
  labels: metadata
    .superRefine((labels, ctx) => {
      for (const p of labelsProblems(labels))
        ctx.addIssue({ code: 'custom', message: `${p.path}: ${p.message}` });
    })
    .optional(),
  ttlSeconds: int(LEASE_TTL_RANGE_SECONDS.min, LEASE_TTL_RANGE_SECONDS.max).optional(),
  kongHealthPath: z.string().startsWith('/').optional(),
  kongConnectTimeout: kongTimeout('connectTimeoutMs').optional(),
  kongReadTimeout: kongTimeout('readTimeoutMs').optional(),
  kongWriteTimeout: kongTimeout('writeTimeoutMs').optional(),
  kongRetries: z.coerce
    .number()
    .refine((n) => isUpstreamValue('retries', n), { error: upstreamFieldRule('retries') })
    .optional(),
  healthInterval: seconds(0.05, 3600).default(5),
  healthTimeout: seconds(0.05, 600).optional(),
  unhealthyThreshold: int(1, 100).default(3),
  healthyThreshold: int(1, 100).default(1),
  drainSeconds: seconds(0, 3600).default(DEFAULT_DRAIN_HOLD_SECONDS),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Reads a --config file (YAML, which also covers JSON) into raw values. */
function readConfigFile(path: string, read: (p: string) => string): RawConfig {
  let parsed: unknown;
  try {
    parsed = parseYaml(read(path));
  } catch (err) {
    throw new AgentConfigError([`--config ${path}: ${(err as Error).message}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AgentConfigError([`--config ${path}: expected a mapping of settings`]);
  }
  return parsed as RawConfig;
}

/** Values from the environment: for each option, the first of its variables that is set. */
function fromEnv(env: NodeJS.ProcessEnv): RawConfig {
  const raw: RawConfig = {};
  for (const option of AGENT_OPTIONS) {
    const name = option.env.find((n) => env[n] !== undefined && env[n] !== '');
    if (name !== undefined) raw[option.key] = env[name];
  }
  return raw;
}

/**
 * Token and token file are one setting: the highest layer that names either wins, and naming
 * both in one layer is an error (KIC's "token or token file, not both").
 */
function pickToken(layers: RawConfig[], problems: string[]): RawConfig {
  for (const layer of layers) {
    const hasValue = layer.token !== undefined;
    const hasFile = layer.tokenFile !== undefined;
    if (hasValue && hasFile) problems.push('give a token or a token file, not both');
    if (hasValue || hasFile) return { token: layer.token, tokenFile: layer.tokenFile };
  }
  return {};
}

function resolveToken(
  raw: RawConfig,
  read: (p: string) => string,
  problems: string[],
): TokenSource {
  const { token, tokenFile } = raw;
  if (token !== undefined) {
    if (typeof token !== 'string' || token.trim() === '') problems.push('the token is empty');
    return { kind: 'value', value: String(token).trim() };
  }
  if (typeof tokenFile !== 'string' || tokenFile.trim() === '') {
    problems.push('a service token is required: --token-file FILE (or AGENT_TOKEN_FILE)');
    return { kind: 'value', value: '' };
  }
  try {
    if (read(tokenFile).trim() === '') problems.push(`token file ${tokenFile} is empty`);
  } catch (err) {
    problems.push(`cannot read token file ${tokenFile}: ${(err as Error).message}`);
  }
  return { kind: 'file', path: tokenFile };
}

/** Kong probes the agent's health path too, when the health URL is the service's own port. */
function deriveKongHealthPath(healthUrl: string | undefined, port: number): string | undefined {
  if (healthUrl === undefined) return undefined;
  const url = new URL(healthUrl);
  const urlPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return urlPort === port ? `${url.pathname}${url.search}` : undefined;
}

/**
 * Builds the agent's settings from flags, then the environment, then a --config file (flags win
 * over env, env over the file). This is the only place the agent reads `process.env`. Throws an
 * {@link AgentConfigError} listing every problem.
 */
export function loadAgentConfig(
  flags: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv = process.env,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): AgentConfig {
  const fromFlags: RawConfig = Object.fromEntries(
    Object.entries(flags).filter(([, v]) => v !== undefined),
  );
  const fromEnvironment = fromEnv(env);
  const configPath = (fromFlags[CONFIG_KEY] ?? fromEnvironment[CONFIG_KEY]) as string | undefined;
  const fromFile = configPath === undefined ? {} : readConfigFile(configPath, read);
  delete fromFlags[CONFIG_KEY];
  delete fromEnvironment[CONFIG_KEY];

  const problems: string[] = [];
  const token = pickToken([fromFlags, fromEnvironment, fromFile], problems);
  const merged = { ...fromFile, ...fromEnvironment, ...fromFlags, ...token };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  const tokenSource = resolveToken(token, read, problems);
  const { values: v, ok } = parseFields(schema.shape, merged, problems, (key) => {
    const option = AGENT_OPTIONS.find((o) => o.key === key);
    return option ? `--${option.flag} (${option.env[0]})` : key;
  });
  for (const key of Object.keys(merged))
    if (!(key in schema.shape)) problems.push(`${key}: not a setting of the agent`);
  // A probe must end before the next one starts.
  const healthTimeout = v.healthTimeout ?? Math.min(2, v.healthInterval);
  if (ok('healthTimeout', 'healthInterval') && healthTimeout > v.healthInterval)
    problems.push('--health-timeout must not exceed --health-interval');
  const routed = v.route !== false;
  if (!routed) {
    // The SDK's rule, in the agent's flag names.
    const flagOf: Record<string, string> = {
      prefix: '--prefix',
      extraPrefixes: '--extra-prefixes',
      stripPrefix: '--strip-prefix',
      auth: '--auth',
      allowGroups: '--allow-groups',
    };
    const given = routeOnlyFieldsGiven(v).map((field) => flagOf[field] ?? field);
    if (v.kongHealthPath !== undefined) given.push('--kong-health-path');
    // Kong's timeouts and retries: the contract's `upstream`, here one flag each.
    if (v.kongConnectTimeout !== undefined) given.push('--kong-connect-timeout');
    if (v.kongReadTimeout !== undefined) given.push('--kong-read-timeout');
    if (v.kongWriteTimeout !== undefined) given.push('--kong-write-timeout');
    if (v.kongRetries !== undefined) given.push('--kong-retries');
    if (given.length > 0)
      problems.push(`--no-route has no gateway route: leave out ${given.join(', ')}`);
    if (v.health !== undefined && v.healthCmd !== undefined)
      problems.push('give --health or --health-cmd, not both');
  } else if (v.healthCmd !== undefined) {
    problems.push(
      '--health-cmd goes with --no-route: a routed service is probed over HTTP (--health URL), as Kong probes it',
    );
  }
  if (problems.length > 0) throw new AgentConfigError(problems);

  const upstream: Partial<UpstreamSettings> = {
    ...(v.kongConnectTimeout !== undefined && { connectTimeoutMs: v.kongConnectTimeout }),
    ...(v.kongReadTimeout !== undefined && { readTimeoutMs: v.kongReadTimeout }),
    ...(v.kongWriteTimeout !== undefined && { writeTimeoutMs: v.kongWriteTimeout }),
    ...(v.kongRetries !== undefined && { retries: v.kongRetries }),
  };
  return Object.freeze({
    registryUrl: v.registryUrl.replace(/\/+$/, ''),
    token: Object.freeze(tokenSource),
    service: v.service,
    port: v.port,
    host: v.host,
    instanceId: v.instanceId,
    prefix: v.prefix,
    extraPrefixes: v.extraPrefixes ? Object.freeze([...v.extraPrefixes]) : undefined,
    auth: v.auth,
    allowGroups: v.allowGroups ? Object.freeze([...v.allowGroups]) : undefined,
    protocol: v.protocol,
    stripPrefix: v.stripPrefix,
    version: v.version,
    weight: v.weight,
    metadata: v.metadata ? Object.freeze({ ...v.metadata }) : undefined,
    ttlSeconds: v.ttlSeconds,
    route: routed,
    labels: v.labels ? Object.freeze({ ...v.labels }) : undefined,
    healthCommand:
      v.healthCmd === undefined
        ? undefined
        : Object.freeze({ command: v.healthCmd, timeoutMs: Math.round(healthTimeout * 1000) }),
    kongHealthPath: routed
      ? (v.kongHealthPath ?? deriveKongHealthPath(v.health, v.port))
      : undefined,
    upstream: Object.keys(upstream).length > 0 ? Object.freeze(upstream) : undefined,
    health:
      v.health === undefined
        ? undefined
        : Object.freeze({
            url: v.health,
            intervalMs: Math.round(v.healthInterval * 1000),
            timeoutMs: Math.round(healthTimeout * 1000),
            unhealthyThreshold: v.unhealthyThreshold,
            healthyThreshold: v.healthyThreshold,
          }),
    drainMs: Math.round(v.drainSeconds * 1000),
    logLevel: v.logLevel,
  });
}

/** The settings as logged at startup: the token itself never appears. */
export function describeConfig(config: AgentConfig): Record<string, unknown> {
  const token =
    config.token.kind === 'file' ? { tokenFile: config.token.path } : { token: '[redacted]' };
  return { ...config, ...token };
}
