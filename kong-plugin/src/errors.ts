/**
 * Error model of the control plane: the project's one shape (CodedError from the SDK: `code`,
 * message, `statusCode`). Callers branch on `code`, never on `instanceof`.
 */
import {
  CodedError,
  ConfigError as SharedConfigError,
  describeError,
  errorCode,
  errorStatus,
  type ControllerErrorCodeShape,
} from '@kong-registry/sdk';

export { describeError, errorCode, errorStatus };

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
export class KongPluginError extends CodedError<ErrorCode> {}

/** Thrown when the environment or flags are invalid; lists every problem at once. */
export class ConfigError extends SharedConfigError<typeof ErrorCodes.CONFIG> {
  constructor(problems: readonly string[]) {
    super(ErrorCodes.CONFIG, 'controller', problems);
  }
}

/**
 * A call to the registry failed: it answered with an error (`statusCode`, and the registry's own
 * `REG_ERR_*` code as `registryCode`), or it could not be reached (no status).
 */
export class RegistryCallError extends KongPluginError {
  readonly registryCode: string | undefined;
  /** Milliseconds the registry asked us to wait before trying again (`Retry-After`). */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: {
      cause?: unknown;
      statusCode?: number;
      registryCode?: string | undefined;
      retryAfterMs?: number | undefined;
    } = {},
  ) {
    super(ErrorCodes.REGISTRY, message, options);
    this.registryCode = options.registryCode;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The fields a log line gives a failure: its message, and its codes and status when it has them
 * (the registry's own code stays a field, so log queries can match it).
 */
export function errorLogFields(err: unknown): {
  err: string;
  code?: string;
  status?: number;
  registryCode?: string;
} {
  const fields: ReturnType<typeof errorLogFields> = { err: describeError(err) };
  const code = errorCode(err);
  if (code !== undefined) fields.code = code;
  const status = errorStatus(err);
  if (status !== undefined) fields.status = status;
  const registryCode = (err as { registryCode?: unknown } | null)?.registryCode;
  if (typeof registryCode === 'string') fields.registryCode = registryCode;
  return fields;
}
