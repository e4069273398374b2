/**
 * Shared plumbing of the CLI commands: flag parsing (node:util parseArgs), `--help` text with
 * every environment variable, config loading with flag overrides, and loggers that keep stdout
 * clean for `--json`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pino from 'pino';
import { ENV_HELP, loadConfig, type ControllerConfig, type EnvHelpName } from '../config';
import { DEMO_ENV_KEYS } from './demo-env';
import { errorCode, ErrorCodes } from '../errors';
import { createLogger, type Logger } from '../logger';

/** Flags every command understands; each overrides the environment variable in brackets. */
export const COMMON_FLAGS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  'registry-url': { type: 'string' },
  'kong-admin-url': { type: 'string' },
  'kong-mode': { type: 'string' },
  'ownership-tag': { type: 'string' },
  'log-level': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const FLAG_HELP: [string, string][] = [
  ['-h, --help', 'show this help'],
  ['--json', 'machine-readable output on stdout'],
  ['--registry-url URL', 'overrides REGISTRY_URL'],
  ['--kong-admin-url URL[,URL]', 'overrides KONG_ADMIN_URL'],
  ['--kong-mode db|dbless|auto', 'overrides KONG_MODE'],
  ['--ownership-tag TAG', 'overrides OWNERSHIP_TAG'],
  ['--log-level LEVEL', 'overrides LOG_LEVEL'],
];

/** One variable a command reads, and whether that command needs it. */
export type CommandVariable = EnvHelpName | [EnvHelpName, string];

/** How a command reaches Kong's Admin API: every command but the registry's own needs these. */
const KONG_CONNECTION: CommandVariable[] = [
  ['KONG_ADMIN_URL', 'required'],
  'KONG_ADMIN_TOKEN(_FILE)',
  'KONG_ADMIN_HEADERS',
  'KONG_ADMIN_CA_FILE',
  'KONG_ADMIN_CLIENT_CERT_FILE / _KEY_FILE',
  'KONG_ADMIN_TLS_SKIP_VERIFY',
  'KONG_ADMIN_TIMEOUT',
];

/** Kong's own telemetry plugins: part of the desired state, so sync and diff read them too. */
const TELEMETRY: CommandVariable[] = [
  'KONG_PROMETHEUS_PLUGIN',
  'KONG_LOG_PLUGIN',
  'KONG_LOG_PLUGIN_SCOPE',
];

/** The variables each command reads, with what each is for that command. */
export const COMMAND_VARIABLES = {
  controller: Object.keys(ENV_HELP).map((name): CommandVariable =>
    name === 'REGISTRY_URL' || name === 'REGISTRY_TOKEN(_FILE)' || name === 'KONG_ADMIN_URL'
      ? [name, 'required']
      : (name as EnvHelpName),
  ),
  sync: [
    ['REGISTRY_URL', 'required'],
    ['REGISTRY_TOKEN(_FILE)', 'required'],
    ['REDIS_URL', 'optional: take the leader lock before writing'],
    ['REDIS_SENTINELS / REDIS_SENTINEL_NAME', 'optional: the same, through Sentinel'],
    ...KONG_CONNECTION,
    'KONG_MODE',
    'OWNERSHIP_TAG',
    'APPLY_CONCURRENCY',
    'LEADER_LOCK_KEY / LEADER_LOCK_TTL',
    'MASS_EXPIRY_THRESHOLD',
    'MASS_EXPIRY_MIN_TARGETS',
    'DBLESS_BASE_FILE',
    ...TELEMETRY,
    'LOG_LEVEL',
  ],
  diff: [
    ['REGISTRY_URL', 'required'],
    ['REGISTRY_TOKEN(_FILE)', 'required'],
    ...KONG_CONNECTION,
    'KONG_MODE',
    'OWNERSHIP_TAG',
    'APPLY_CONCURRENCY',
    'MASS_EXPIRY_THRESHOLD',
    'MASS_EXPIRY_MIN_TARGETS',
    'DBLESS_BASE_FILE',
    ...TELEMETRY,
    'LOG_LEVEL',
  ],
  routes: [
    ...KONG_CONNECTION,
    ['REGISTRY_URL', 'optional: adds the registry columns'],
    ['REGISTRY_TOKEN(_FILE)', 'required with REGISTRY_URL'],
    'OWNERSHIP_TAG',
  ],
  explain: [...KONG_CONNECTION],
} satisfies Record<string, CommandVariable[]>;

/** Where the admin commands find a running demo's settings, for the help text. */
function fromDemoNote(variables: readonly (readonly [string, unknown])[]): string[] {
  const names = DEMO_ENV_KEYS.filter((key) =>
    variables.some(([name]) => name.replace('(_FILE)', '') === key),
  );
  return [
    '',
    `Unset ${names.join(', ')}: taken from a running \`npm run demo\` (it leaves them in`,
    '~/.config/kong-registry/demo.env until it stops).',
  ];
}

/**
 * Formats a help text: usage, description, flags, and the environment variables this command
 * reads, each with whether the command needs it.
 */
export function helpText(
  usage: string,
  description: string,
  variables: readonly CommandVariable[],
  {
    extraFlags = [],
    withJson = true,
    fromDemo = false,
  }: {
    extraFlags?: [string, string][];
    withJson?: boolean;
    fromDemo?: boolean;
  } = {},
): string {
  const flags = [...extraFlags, ...FLAG_HELP.filter(([f]) => withJson || f !== '--json')];
  const env = variables.map((v) => (Array.isArray(v) ? v : ([v, undefined] as const)));
  const width = Math.max(...flags.map(([f]) => f.length), ...env.map(([e]) => e.length));
  return [
    `Usage: ${usage}`,
    '',
    description,
    '',
    'Options:',
    ...flags.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`),
    '',
    'Environment:',
    ...env.map(
      ([name, need]) => `  ${name.padEnd(width)}  ${ENV_HELP[name]}${need ? ` (${need})` : ''}`,
    ),
    ...(fromDemo ? fromDemoNote(env) : []),
  ].join('\n');
}

/** Parsed flags of a command. */
export type Flags = Record<string, string | boolean | undefined>;

/** Parses argv; returns undefined (after printing the problem) on bad usage. */
export function parseFlags(
  argv: string[],
  extra: ParseArgsConfig['options'] = {},
  allowPositionals = false,
): { flags: Flags; positionals: string[] } | undefined {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON_FLAGS, ...extra },
      allowPositionals,
      strict: true,
    });
    return { flags: values as Flags, positionals };
  } catch (err) {
    console.error(
      `kong-registry: ${err instanceof Error ? err.message : String(err)} (see --help)`,
    );
    return undefined;
  }
}

/**
 * Loads the config with flag overrides; prints every problem and returns undefined when invalid.
 * With `fromDemo`, a running demo's settings fill the variables that are unset (demo-env.ts).
 */
export function configFromFlags(
  flags: Flags,
  { registryOptional = false, fromDemo = false } = {},
): Readonly<ControllerConfig> | undefined {
  const str = (name: string): string | undefined =>
    typeof flags[name] === 'string' ? (flags[name] as string) : undefined;
  try {
    const config = loadConfig(
      {
        REGISTRY_URL: str('registry-url'),
        KONG_ADMIN_URL: str('kong-admin-url'),
        KONG_MODE: str('kong-mode'),
        OWNERSHIP_TAG: str('ownership-tag'),
        LOG_LEVEL: str('log-level'),
      },
      undefined,
      { registryOptional, fromDemo },
    );
    if (config.fromDemo) {
      const { variables, path } = config.fromDemo;
      console.error(`kong-registry: ${variables.join(', ')} from the running demo (${path})`);
    }
    return config;
  } catch (err) {
    if (errorCode(err) === ErrorCodes.CONFIG) {
      console.error(`kong-registry: ${(err as Error).message}\n(see --help for every variable)`);
      return undefined;
    }
    throw err;
  }
}

/** A logger for one-shot commands: stderr, so stdout stays for results. */
export function cliLogger(level: string): Logger {
  return createLogger(level, pino.destination({ fd: 2, sync: true }));
}
