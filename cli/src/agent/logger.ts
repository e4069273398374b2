import pino, { type Logger } from 'pino';
import type { SdkLogger } from '@kong-registry/sdk';

export type { Logger } from 'pino';

/**
 * The agent's root logger: JSON lines on stdout (journald / docker logs pick them up), with the
 * service and instance in every line so lines from many agents on one box can be told apart.
 */
export function createAgentLogger(level: string, bindings: Record<string, unknown>): Logger {
  return pino({
    name: 'kong-registry-agent',
    level,
    base: { pid: process.pid, ...bindings },
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
}

/** Adapts pino to the SDK's `{debug, info, warn, error}(message, fields)` logger. */
export function toSdkLogger(logger: Logger): SdkLogger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      // Already bound on every agent line; repeating them would duplicate JSON keys.
      const { service: _service, instanceId: _instanceId, ...rest } = fields;
      logger[level](rest, message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
