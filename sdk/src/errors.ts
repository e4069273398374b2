/**
 * Coded errors of the SDK, modelled on undici's `UND_ERR_*`: callers branch on `err.code`, never
 * on `instanceof`, because two copies of the SDK in one process make `instanceof` lie.
 * A code is never reused once retired.
 */
import { CodedError } from './coded-error';
import type { SdkErrorCodeShape } from './rules';

/** Every code an {@link SdkError} can carry, with the message used when none is given. */
export const SDK_ERROR_CODES = {
  /** A request to the registry took longer than `requestTimeoutMs`. Retried. */
  SDK_ERR_TIMEOUT: 'the registry did not answer in time',
  /** The registry refused the token (401): missing, malformed or expired. Not retried. */
  SDK_ERR_UNAUTHORIZED: 'the registry refused the token (401)',
  /** The token is valid but not for this service or prefix (403). Not retried. */
  SDK_ERR_FORBIDDEN: 'the token may not register this service (403)',
  /** Network error, 429 or 5xx: the registry is down, overloaded or cannot reach Redis. Retried. */
  SDK_ERR_REGISTRY_UNAVAILABLE: 'the registry is unavailable',
  /** Any other 4xx; `registryCode` keeps the registry's own code (e.g. `REG_ERR_PREFIX_CONFLICT`). */
  SDK_ERR_REJECTED: 'the registry rejected the request',
  /** A 2xx whose body is not the JSON the contract promises. */
  SDK_ERR_BAD_RESPONSE: 'the registry sent a response the SDK cannot read',
  /** `register()` was given options it cannot use; `message` names each bad option. */
  SDK_ERR_INVALID_OPTIONS: 'invalid options',
  /** The `signal` was aborted, or the handle was closed, before the operation finished. */
  SDK_ERR_ABORTED: 'aborted before the registration finished',
} as const satisfies Record<SdkErrorCodeShape, string>;

/** A stable error code of the SDK. */
export type SdkErrorCode = keyof typeof SDK_ERROR_CODES;

/** Extra facts about a failed registry call. */
export interface SdkErrorDetails {
  /** HTTP status of the registry's answer, when there was one. */
  statusCode?: number;
  /** The `code` field of the registry's error body (`REG_ERR_*`), when there was one. */
  registryCode?: string;
  /** Milliseconds the registry asked us to wait (`Retry-After` on 429/503). */
  retryAfterMs?: number;
  /** The underlying error (ES2022 `cause`). */
  cause?: unknown;
}

/** The one error class of the SDK (the project's {@link CodedError} shape). Branch on `code`. */
export class SdkError extends CodedError<SdkErrorCode> {
  override readonly name = 'SdkError';
  readonly registryCode: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: SdkErrorCode, message?: string, details: SdkErrorDetails = {}) {
    super(code, message ?? SDK_ERROR_CODES[code], {
      statusCode: details.statusCode,
      cause: details.cause,
    });
    this.registryCode = details.registryCode;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** True when trying again later may succeed (network errors, timeouts, 429, 5xx). */
  get retryable(): boolean {
    return this.code === 'SDK_ERR_TIMEOUT' || this.code === 'SDK_ERR_REGISTRY_UNAVAILABLE';
  }
}

/** True for an error made by any copy of this SDK (duck-typed on the code, not `instanceof`). */
export function isSdkError(err: unknown): err is SdkError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (err as { code: string }).code in SDK_ERROR_CODES
  );
}

/** Wraps anything thrown into an SdkError, keeping the original as `cause`. */
export function toSdkError(
  err: unknown,
  fallback: SdkErrorCode = 'SDK_ERR_REGISTRY_UNAVAILABLE',
): SdkError {
  if (isSdkError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SdkError(fallback, `${SDK_ERROR_CODES[fallback]}: ${message}`, { cause: err });
}
