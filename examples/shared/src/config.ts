import { parseArgs } from 'node:util';

/** What differs between the example services: their name and how Kong authenticates them. */
export interface ExampleIdentity {
  service: string;
  /** For the usage text, e.g. "key-auth at the gateway". */
  authSummary: string;
  /** The gateway prefix when none is given. @default `/<service>` */
  defaultPrefix?: string;
  /** What it does, for the usage text. @default "echoes who called it" */
  summary?: string;
}

/** Everything an example service needs, read once from flags and environment, then frozen. */
export interface ExampleConfig {
  /** Port to listen on; 0 picks a free one (the registry is told the real port). */
  port: number;
  /** Address to bind. */
  bindHost: string;
  /** Address Kong should connect to; undefined lets the SDK pick the machine's IPv4. */
  advertiseHost: string | undefined;
  registryUrl: string;
  /** Service token; required (npx kong-registry token --service <name>). */
  registryToken: string;
  /** Stable id for this instance; undefined lets the SDK derive one from host and port. */
  instanceId: string | undefined;
  /** URL prefix clients use at the gateway. */
  prefix: string;
  /** Lease length to ask for; undefined keeps the registry's default. */
  ttlSeconds: number | undefined;
  /** Seconds between Kong's health probes; undefined keeps the registry's default. */
  healthIntervalSeconds: number | undefined;
  /** Seconds at weight 0 on SIGTERM before leaving; undefined keeps the SDK's default (6). */
  drainHoldSeconds: number | undefined;
}

/** Shown by `--help`: every flag with its environment variable and default. */
export function exampleUsage({
  service,
  authSummary,
  defaultPrefix = `/${service}`,
  summary = 'echoes who called it',
}: ExampleIdentity): string {
  return `Usage: node examples/${service}/dist/main.js [options]

An example service behind Kong: registers itself as "${service}" (${authSummary}) and
${summary}. Flags win over environment variables.

  --port N              PORT              port to listen on, 0 = a free one      (default 0)
  --host ADDR           HOST              address to bind                        (default 0.0.0.0)
  --advertise-host H    ADVERTISE_HOST    address Kong connects to     (default: the machine's IPv4)
  --registry-url URL    REGISTRY_URL      registry base URL         (default http://127.0.0.1:4000)
  --token JWT           REGISTRY_TOKEN    service token (npx kong-registry token --service ${service})
  --instance-id ID      INSTANCE_ID       instance id              (default: derived from host:port)
  --prefix /P           PREFIX            gateway prefix               (default ${defaultPrefix})
  --ttl S               TTL_SECONDS       lease length in seconds        (default: the registry's)
  --health-interval S   HEALTH_INTERVAL_SECONDS  Kong probe interval   (default: the registry's)
  --drain-hold S        DRAIN_HOLD_SECONDS  on SIGTERM, time at weight 0 before leaving (default 6)
                        LOG_LEVEL         debug | info | warn | error (default info; health
                                          probes and heartbeats are debug)
  --help                                  this text
`;
}

/** A bad flag or variable; main prints it with the usage and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses argv and env into a frozen config, or throws ConfigError listing every problem. */
export function loadExampleConfig(
  { service, defaultPrefix = `/${service}` }: ExampleIdentity,
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): ExampleConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'advertise-host': { type: 'string' },
      'registry-url': { type: 'string' },
      token: { type: 'string' },
      'instance-id': { type: 'string' },
      prefix: { type: 'string' },
      ttl: { type: 'string' },
      'health-interval': { type: 'string' },
      'drain-hold': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';

  const problems: string[] = [];
  const portText = values.port ?? env.PORT ?? '0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    problems.push(`PORT must be 0..65535, got "${portText}"`);
  const registryUrl = values['registry-url'] ?? env.REGISTRY_URL ?? 'http://127.0.0.1:4000';
  if (!URL.canParse(registryUrl)) problems.push(`REGISTRY_URL is not a URL: "${registryUrl}"`);
  const prefix = values.prefix ?? env.PREFIX ?? defaultPrefix;
  if (!prefix.startsWith('/')) problems.push(`PREFIX must start with "/", got "${prefix}"`);
  const ttlSeconds = optionalSeconds('TTL_SECONDS', values.ttl ?? env.TTL_SECONDS, problems);
  const healthIntervalSeconds = optionalSeconds(
    'HEALTH_INTERVAL_SECONDS',
    values['health-interval'] ?? env.HEALTH_INTERVAL_SECONDS,
    problems,
  );
  const drainHoldSeconds = optionalSeconds(
    'DRAIN_HOLD_SECONDS',
    values['drain-hold'] ?? env.DRAIN_HOLD_SECONDS,
    problems,
  );
  const registryToken = values.token ?? env.REGISTRY_TOKEN ?? '';
  if (!registryToken)
    problems.push(`REGISTRY_TOKEN is required (npx kong-registry token --service ${service})`);
  if (problems.length > 0) throw new ConfigError(problems.join('; '));

  return Object.freeze({
    port,
    bindHost: values.host ?? env.HOST ?? '0.0.0.0',
    advertiseHost: values['advertise-host'] ?? env.ADVERTISE_HOST ?? undefined,
    registryUrl,
    registryToken,
    instanceId: values['instance-id'] ?? env.INSTANCE_ID ?? undefined,
    prefix,
    ttlSeconds,
    healthIntervalSeconds,
    drainHoldSeconds,
  });
}

function optionalSeconds(
  name: string,
  text: string | undefined,
  problems: string[],
): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^[1-9]\d*$/.test(text)) problems.push(`${name} must be a positive integer, got "${text}"`);
  return Number(text);
}
