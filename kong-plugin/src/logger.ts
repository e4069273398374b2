/**
 * The controller's pino logger. One root logger per process; components take a child with
 * `{ component }`. Tokens and admin headers are redacted wherever they could appear.
 */
import pino, { type Logger } from 'pino';

/** Root logger at `level`, writing JSON to stdout (or to `destination` in tests). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: 'kong-registry-controller',
      level,
      redact: {
        paths: [
          'token',
          '*.token',
          'headers.authorization',
          '*.headers.authorization',
          'headers["kong-admin-token"]',
          'registryToken',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** A logger that discards everything (CLI one-shots and tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export type { Logger };
