import pino, { type Logger } from 'pino';
import type { RegistryConfig } from './config';

export type { Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'secret',
  'key',
  '*.secret',
  '*.key',
  '*.token',
];

/**
 * The registry's root logger (JSON to stdout). Components take a child with
 * `{ component: '...' }`; only fields we control go into bindings.
 */
export function createLogger(config: Pick<RegistryConfig, 'logLevel'>): Logger {
  return pino({
    name: 'kong-registry',
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}
