import type { RegistryErrorCodeShape } from '@kong-registry/sdk';

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
} as const satisfies Record<RegistryErrorCodeShape, { status: number; message: string }>;

/** A stable error code from {@link ERRORS}. */
export type RegistryErrorCode = keyof typeof ERRORS;

/** One problem with one field of a request, as listed in `details`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * The registry's only error class. The Express error handler turns it into `{code, message,
 * details?}` with the status from {@link ERRORS}; anything else becomes REG_ERR_INTERNAL.
 */
export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly statusCode: number;
  readonly details: ErrorDetail[] | undefined;
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: RegistryErrorCode,
    message?: string,
    options: { details?: ErrorDetail[]; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message ?? ERRORS[code].message, { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** Branches on the code, not on instanceof, so two copies of this package still agree. */
export function isRegistryError(err: unknown): err is RegistryError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (err as { code: string }).code in ERRORS &&
    typeof (err as { statusCode?: unknown }).statusCode === 'number'
  );
}

const REDIS_DOWN_PATTERNS = [
  /enableOfflineQueue/i,
  /Connection is closed/i,
  /Command timed out/i,
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH/,
  /Stream isn't writeable/i,
  /max retries per request/i,
  /LOADING|MASTERDOWN|READONLY/,
  /All sentinels are unreachable/i,
];

/**
 * True for errors that mean "Redis is not reachable right now" (as opposed to a bug in a script):
 * those become 503 REG_ERR_REDIS_UNAVAILABLE so clients retry.
 */
export function isRedisUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return REDIS_DOWN_PATTERNS.some((pattern) => pattern.test(err.message));
}
