import { CodedError, errorCode, type RegistryErrorCodeShape } from '@kong-registry/sdk';

/**
 * Every error the registry sends, in one table: stable code, HTTP status and a default message.
 * Callers (SDK, control plane, other languages) branch on `code`, so a code is never renamed or
 * reused once published; retire it instead.
 */
export const ERRORS = {
  REG_ERR_VALIDATION: { status: 400, message: 'the request is invalid' },
  REG_ERR_MALFORMED_JSON: { status: 400, message: 'the request body is not valid JSON' },
  REG_ERR_UNAUTHORIZED: { status: 401, message: 'a valid bearer token is required' },
  REG_ERR_TOKEN_EXPIRED: { status: 401, message: 'the bearer token has expired' },
  REG_ERR_FORBIDDEN: { status: 403, message: 'the token does not allow this' },
  REG_ERR_NOT_FOUND: { status: 404, message: 'no such resource' },
  REG_ERR_INSTANCE_NOT_FOUND: { status: 404, message: 'no such instance' },
  REG_ERR_LEASE_NOT_FOUND: { status: 404, message: 'the lease is gone: register again' },
  REG_ERR_SERVICE_NOT_FOUND: { status: 404, message: 'no such service' },
  REG_ERR_CONSUMER_NOT_FOUND: { status: 404, message: 'no such consumer' },
  REG_ERR_CREDENTIAL_NOT_FOUND: { status: 404, message: 'no such credential' },
  REG_ERR_PREFIX_CONFLICT: { status: 409, message: 'the prefix belongs to another service' },
  REG_ERR_CONSUMER_EXISTS: { status: 409, message: 'a consumer with this username exists' },
  REG_ERR_CREDENTIAL_EXISTS: { status: 409, message: 'a credential with this key exists' },
  REG_ERR_PREFIX_RESERVED: { status: 400, message: 'the prefix is reserved on the gateway' },
  REG_ERR_TARGET_DENIED: {
    status: 400,
    message: 'the instance address is not allowed as a target',
  },
  REG_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  REG_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'send the body as application/json' },
  REG_ERR_RATE_LIMITED: { status: 429, message: 'too many requests: retry later' },
  REG_ERR_INTERNAL: { status: 500, message: 'internal error' },
  REG_ERR_REDIS_UNAVAILABLE: { status: 503, message: 'Redis is unavailable: retry later' },
  REG_ERR_SHUTTING_DOWN: { status: 503, message: 'the registry is shutting down' },
  REG_ERR_SCHEMA_TOO_NEW: {
    status: 503,
    message: 'the stored data is of a newer format than this registry understands',
  },
  // REGISTRY_REDIS_MIN_REPLICAS_ACK only: the write is on the master, which a failover may lose.
  REG_ERR_NOT_REPLICATED: {
    status: 503,
    message: 'stored on the Redis master, but too few replicas confirmed it in time: retry',
  },
} as const satisfies Record<RegistryErrorCodeShape, { status: number; message: string }>;

/** Startup fails with this code when the environment is invalid; it never reaches HTTP. */
export const CONFIG_ERROR_CODE = 'REG_ERR_CONFIG' satisfies RegistryErrorCodeShape;

/** A stable error code from {@link ERRORS}. */
export type RegistryErrorCode = keyof typeof ERRORS;

/** One problem with one field of a request, as listed in `details`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * The registry's only error class (the project's CodedError shape, with the status always set).
 * The Express error handler turns it into `{code, message, details?}` with the status from
 * {@link ERRORS}; anything else becomes REG_ERR_INTERNAL.
 */
export class RegistryError extends CodedError<RegistryErrorCode> {
  declare readonly statusCode: number;
  readonly details: ErrorDetail[] | undefined;
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: RegistryErrorCode,
    message?: string,
    options: { details?: ErrorDetail[]; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(code, message ?? ERRORS[code].message, {
      statusCode: ERRORS[code].status,
      cause: options.cause,
    });
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** Branches on the code, not on instanceof, so two copies of this package still agree. */
export function isRegistryError(err: unknown): err is RegistryError {
  const code = errorCode(err);
  return (
    code !== undefined &&
    code in ERRORS &&
    typeof (err as { statusCode?: unknown }).statusCode === 'number'
  );
}

/**
 * The kind of an error reply from Redis: the first word of the reply, which the protocol defines
 * as the error's code (`NOSCRIPT`, `READONLY`, `ERR`...). Undefined for anything that is not a
 * reply from Redis (ioredis gives replies the class name ReplyError, from redis-errors).
 */
export function redisReplyKind(err: unknown): string | undefined {
  if (!(err instanceof Error) || err.name !== 'ReplyError') return undefined;
  return /^[A-Z]+/.exec(err.message)?.[0];
}

/** Replies with which Redis says "not now" rather than "your script is wrong". */
const REDIS_NOT_NOW_KINDS = new Set([
  'LOADING',
  'MASTERDOWN',
  'READONLY',
  'BUSY',
  'TRYAGAIN',
  'NOREPLICAS',
]);

/**
 * A failed Redis command as what the registry answers. A rejection that is not a reply from
 * Redis (connection closed, command timeout, offline queue refused, retries exhausted) means the
 * command never completed, and so does a "not now" reply: both become 503
 * REG_ERR_REDIS_UNAVAILABLE so clients retry. Any other reply is a bug and is passed on (500).
 * Called where the registry talks to Redis, so the decision reads the error's kind, not its text.
 */
export function fromRedisFailure(err: unknown): unknown {
  const kind = redisReplyKind(err);
  if (kind !== undefined && !REDIS_NOT_NOW_KINDS.has(kind)) return err;
  return new RegistryError('REG_ERR_REDIS_UNAVAILABLE', undefined, { cause: err });
}

/** `.catch(rejectAsRedisFailure)` on a Redis command: it fails as a script call does. */
export function rejectAsRedisFailure(err: unknown): never {
  throw fromRedisFailure(err);
}
