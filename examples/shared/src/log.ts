import type { SdkLogger } from '@kong-registry/sdk';

/** One log record: a level, a message and fields. */
export type Log = (level: string, msg: string, fields?: Record<string, unknown>) => void;

const LEVELS = ['debug', 'info', 'warn', 'error'];

/**
 * One JSON line on stderr per log record at `minimum` or above; stdout carries only the "ready"
 * line. Kong's health probes and heartbeats are debug: a line a second per instance would hide
 * the ones that matter.
 */
export function stderrLog(service: string, minimum = process.env.LOG_LEVEL ?? 'info'): Log {
  const floor = Math.max(0, LEVELS.indexOf(minimum));
  return (level, msg, fields = {}) => {
    if (LEVELS.indexOf(level) < floor) return;
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, service, msg, ...fields })}\n`,
    );
  };
}

/** The SDK's logger interface, onto the same stderr lines. */
export function sdkLoggerFor(log: Log): SdkLogger {
  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}
