/**
 * Shared plumbing of the CLI commands: flag parsing (node:util parseArgs), `--help` text with
 * every environment variable, config loading with flag overrides, and loggers that keep stdout
 * clean for `--json`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pino from 'pino';
import { ENV_HELP, loadConfig, type ControllerConfig } from '../config';
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

/** Formats a help text: usage, description, flags, environment. */
export function helpText(
  usage: string,
  description: string,
  extraFlags: [string, string][] = [],
  withJson = true,
): string {
  const flags = [...extraFlags, ...FLAG_HELP.filter(([f]) => withJson || f !== '--json')];
  const width = Math.max(...flags.map(([f]) => f.length), ...ENV_HELP.map(([e]) => e.length));
  return [
    `Usage: ${usage}`,
    '',
    description,
    '',
    'Options:',
    ...flags.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`),
    '',
    'Environment:',
    ...ENV_HELP.map(([e, d]) => `  ${e.padEnd(width)}  ${d}`),
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

/** Loads the config with flag overrides; prints every problem and returns undefined when invalid. */
export function configFromFlags(
  flags: Flags,
  { registryOptional = false } = {},
): Readonly<ControllerConfig> | undefined {
  const str = (name: string): string | undefined =>
    typeof flags[name] === 'string' ? (flags[name] as string) : undefined;
  try {
    return loadConfig(
      {
        REGISTRY_URL: str('registry-url'),
        KONG_ADMIN_URL: str('kong-admin-url'),
        KONG_MODE: str('kong-mode'),
        OWNERSHIP_TAG: str('ownership-tag'),
        LOG_LEVEL: str('log-level'),
      },
      undefined,
      { registryOptional },
    );
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
