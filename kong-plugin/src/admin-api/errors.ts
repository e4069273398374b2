/**
 * Kong Admin API failures. Kong's error body `{code, name, message, fields}` (Kong 3.9.3:
 * kong/db/errors.lua) is kept whole: `kongCode`/`kongName` are Kong's numeric code and name,
 * `code` stays our stable string code so callers can branch on it like on every other error of
 * this package.
 */
import { errorCode, errorStatus } from '@kong-registry/sdk';
import { ErrorCodes, KongPluginError } from '../errors';

/** Kong answered with a status >= 400. */
export class KongApiError extends KongPluginError {
  /** HTTP status Kong answered with. */
  declare readonly statusCode: number;
  /** Kong's numeric error code (2 = schema violation, 5 = unique violation...), when present. */
  readonly kongCode: number | undefined;
  /** Kong's error name ("schema violation"), when present. */
  readonly kongName: string | undefined;
  /** Per-field details (or `options` for code 11), when present. */
  readonly fields: unknown;
  readonly method: string;
  readonly path: string;
  /** Kong's `Retry-After` in ms (429 from a rate-limited Admin API), when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(method: string, path: string, status: number, body: unknown, retryAfterMs?: number) {
    const parsed =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${status}`;
    super(ErrorCodes.ADMIN_API, `${method} ${path} -> ${status}: ${message}`, {
      statusCode: status,
    });
    this.kongCode = typeof parsed.code === 'number' ? parsed.code : undefined;
    this.kongName = typeof parsed.name === 'string' ? parsed.name : undefined;
    this.fields = parsed.fields ?? parsed.options;
    this.method = method;
    this.path = path;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The Admin API could not be reached (connection refused, reset, timeout). */
export class KongNetworkError extends KongPluginError {
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCodes.ADMIN_API_NETWORK, `${method} ${path}: ${why}`, { cause });
    this.method = method;
    this.path = path;
  }
}

/** True for a KongApiError with the given status (works across package copies). */
export function isKongStatus(err: unknown, status: number): boolean {
  return errorCode(err) === ErrorCodes.ADMIN_API && errorStatus(err) === status;
}
