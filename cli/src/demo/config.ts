/**
 * The demo's configuration: flags (which win) over a few environment variables over embedded
 * defaults, validated once and frozen. `npm run demo` needs no environment at all. This is the
 * only demo module that reads process.env.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError } from '@kong-registry/sdk';

/** Lease, probe and reconcile timings handed to the children. Short, so the demo reacts fast. */
export interface DemoTimings {
  /** Lease TTL the examples ask for. */
  leaseTtlSeconds: number;
  /** Smallest TTL the registry accepts (tests go below the registry's default 5). */
  minLeaseTtlSeconds: number;
  /** Kong's active health check interval for the TypeScript examples. */
  healthIntervalSeconds: number;
  /** How often the registry reaps expired leases. */
  reaperIntervalMs: number;
  /** How long a draining instance stays at weight 0 in the registry. */
  drainSeconds: number;
  /**
   * Services: how long a draining instance keeps serving at weight 0. The demo's Kong is one
   * kong-sim node, where a weight reaches the balancer at once, so the controller's reaction
   * (the debounce below) is all it must cover.
   */
  drainHoldSeconds: number;
  /**
   * kong-sim: `worker_state_update_frequency`, the period of Kong's router rebuilds; 1 s, as
   * docker-compose.yml sets it for Kong (docs/deploy.md#how-fast-kong-takes-a-change).
   */
  kongWorkerStateUpdateFrequency: number;
  /** Controller: quiet time after a registry event before reconciling. */
  debounce: string;
  /** Controller: full resync period. */
  resync: string;
  /** Controller: Kong health reports to the registry. */
  healthFeedback: string;
  /** Controller: how long a mass lease expiry is held before targets go. */
  massExpiryHold: string;
}

/** Everything the demo stack needs, frozen. */
export interface DemoConfig {
  tour: boolean;
  /** Only warnings and errors of the children are shown (default with --tour). */
  quiet: boolean;
  /** Instances started per example service. */
  instances: number;
  /** Start the Python example (when python3 is on PATH). */
  python: boolean;
  /** A real Kong when both URLs are set; otherwise kong-sim is started. */
  kong: { adminUrl: string; proxyUrl: string; adminToken: string | undefined } | undefined;
  /** An existing Redis; otherwise a throwaway redis-server is started. */
  redisUrl: string | undefined;
  ports: { registry: number; proxy: number; admin: number };
  /** Address the services bind to, and the one they give Kong. */
  bindHost: string;
  advertiseHost: string;
  /** Level of the children's logs. */
  logLevel: string;
  /** Prefix of every Redis key (and of the controller's leader lock). */
  keyPrefix: string;
  timings: DemoTimings;
  /** Environment every child starts from (PATH, HOME, ...; never the parent's service settings). */
  baseEnv: Record<string, string>;
}

/** Bad flags or variables, all listed at once. */
export class DemoConfigError extends ConfigError<'DEMO_ERR_CONFIG'> {
  constructor(problems: readonly string[]) {
    super('DEMO_ERR_CONFIG', 'demo', problems);
  }
}

/** Timings of the demo; the e2e suite shortens them further. */
export const DEMO_TIMINGS: DemoTimings = Object.freeze({
  leaseTtlSeconds: 6,
  minLeaseTtlSeconds: 5,
  healthIntervalSeconds: 1,
  reaperIntervalMs: 500,
  drainSeconds: 2,
  drainHoldSeconds: 1,
  kongWorkerStateUpdateFrequency: 1,
  debounce: '100ms',
  resync: '15s',
  healthFeedback: '2s',
  massExpiryHold: '5s',
});

const FLAGS = {
  help: { type: 'boolean', short: 'h' },
  tour: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  instances: { type: 'string' },
  'no-python': { type: 'boolean' },
  'kong-admin-url': { type: 'string' },
  'kong-proxy-url': { type: 'string' },
  'kong-admin-token': { type: 'string' },
  'redis-url': { type: 'string' },
  'registry-port': { type: 'string' },
  'proxy-port': { type: 'string' },
  'admin-port': { type: 'string' },
  'advertise-host': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

/** Variables passed through to children so they find node, python3 and a temp dir. */
// XDG_CONFIG_HOME: where the demo leaves its settings for other shells (kong-plugin demo-env.ts).
const PASS_THROUGH = [
  'PATH',
  'HOME',
  'XDG_CONFIG_HOME',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'TZ',
  'NODE_OPTIONS',
];
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function port(value: string | undefined, name: string, problems: string[]): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) problems.push(`${name} must be 0..65535, not '${value}'`);
  return n;
}

function httpUrl(value: string | undefined, name: string, problems: string[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^https?:\/\/\S+$/.test(value))
    problems.push(`${name} must be an http(s) URL, not '${value}'`);
  return value.replace(/\/+$/, '');
}

/** `--help` was asked for. */
export const HELP_REQUESTED = 'help';

/**
 * Parses flags and environment into a frozen config, 'help' for --help, or throws
 * DemoConfigError listing every problem.
 */
export function loadDemoConfig(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  timings: DemoTimings = DEMO_TIMINGS,
): DemoConfig | typeof HELP_REQUESTED {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new DemoConfigError([(err as Error).message]);
  }
  if (values.help) return HELP_REQUESTED;
  const str = (name: string): string | undefined =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  const problems: string[] = [];

  const instancesText = str('instances') ?? '2';
  const instances = Number(instancesText);
  if (!/^\d+$/.test(instancesText) || instances < 1 || instances > 9)
    problems.push(`--instances must be 1..9, not '${instancesText}'`);

  const adminUrl = httpUrl(str('kong-admin-url') ?? env.KONG_ADMIN_URL, 'KONG_ADMIN_URL', problems);
  const proxyUrl = httpUrl(str('kong-proxy-url') ?? env.KONG_PROXY_URL, 'KONG_PROXY_URL', problems);
  if ((adminUrl === undefined) !== (proxyUrl === undefined))
    problems.push(
      'KONG_ADMIN_URL and KONG_PROXY_URL (or the flags) go together: set both or neither',
    );

  const redisUrl = str('redis-url') ?? (env.REDIS_URL || undefined);
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    problems.push(`REDIS_URL must start with redis:// or rediss://, not '${redisUrl}'`);

  // --verbose shows everything, Kong's health probes and heartbeats included (debug).
  const logLevel =
    str('log-level') ?? env.LOG_LEVEL ?? (values.verbose === true ? 'debug' : 'info');
  if (!LEVELS.includes(logLevel)) problems.push(`--log-level must be one of ${LEVELS.join(', ')}`);

  const advertiseHost = str('advertise-host') ?? env.DEMO_ADVERTISE_HOST ?? '127.0.0.1';
  const ports = {
    registry: port(str('registry-port'), '--registry-port', problems),
    proxy: port(str('proxy-port'), '--proxy-port', problems),
    admin: port(str('admin-port'), '--admin-port', problems),
  };
  if (problems.length > 0) throw new DemoConfigError(problems);

  const baseEnv: Record<string, string> = {};
  for (const name of PASS_THROUGH) {
    const value = env[name];
    if (value !== undefined) baseEnv[name] = value;
  }
  const adminToken = str('kong-admin-token') ?? env.KONG_ADMIN_TOKEN;
  return Object.freeze({
    tour: values.tour === true,
    // The tour's ✓/✗ lines would drown in the full log: it shows warnings unless --verbose.
    quiet: values.quiet === true || (values.tour === true && values.verbose !== true),
    instances,
    python: values['no-python'] !== true,
    kong:
      adminUrl && proxyUrl
        ? Object.freeze({ adminUrl, proxyUrl, adminToken: adminToken || undefined })
        : undefined,
    redisUrl,
    ports: Object.freeze(ports),
    // A Kong in a container cannot reach 127.0.0.1 of this host: then listen everywhere.
    bindHost:
      advertiseHost === '127.0.0.1' || advertiseHost === 'localhost' ? '127.0.0.1' : '0.0.0.0',
    advertiseHost,
    logLevel,
    keyPrefix: `kong-registry-demo:${Date.now().toString(36)}${randomBytes(2).toString('hex')}:`,
    timings: Object.freeze({ ...timings }),
    baseEnv: Object.freeze(baseEnv),
  });
}
