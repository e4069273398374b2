/**
 * Error model of the control plane. Callers branch on `code`, never on `instanceof`, because two
 * copies of this package in one process would make `instanceof` lie.
 */
import type { ControllerErrorCodeShape } from '@kong-registry/sdk';

/** Every code this package throws. A code is never reused once retired. */
export const ErrorCodes = {
  CONFIG: 'KCP_ERR_CONFIG',
  ADMIN_API: 'KCP_ERR_ADMIN_API',
  ADMIN_API_NETWORK: 'KCP_ERR_ADMIN_API_NETWORK',
  REGISTRY: 'KCP_ERR_REGISTRY',
  APPLY: 'KCP_ERR_APPLY',
  NOT_LEADER: 'KCP_ERR_NOT_LEADER',
  USAGE: 'KCP_ERR_USAGE',
} as const satisfies Record<string, ControllerErrorCodeShape>;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error thrown by the control plane. */
export class KongPluginError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; statusCode?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KongPluginError';
    this.code = code;
    this.statusCode = options?.statusCode;
  }
}

/** Thrown when the environment or flags are invalid; lists every problem at once. */
export class ConfigError extends KongPluginError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(ErrorCodes.CONFIG, `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The registry answered with an error or could not be reached. */
export class RegistryError extends KongPluginError {
  constructor(message: string, options?: { cause?: unknown; statusCode?: number }) {
    super(ErrorCodes.REGISTRY, message, options);
    this.name = 'RegistryError';
  }
}

/** Returns `err.code` when err looks like one of ours (or any coded error), else undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** A one-line description of any thrown value, for logs and CLI output. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
