import { computeBackoffMs, type RetryPolicy } from './backoff';
import type { SdkError } from './errors';
import { isLeaseExpired } from './rules';

/** Why a lease was given up and registration starts over. */
export type LeaseLossReason =
  /** The registry answered 404: the lease is gone (expired, reaped, or Redis lost its data). */
  | 'lease-not-found'
  /** Heartbeats failed for longer than the lease lasts, so it has expired by now. */
  | 'lease-expired'
  /** The registry refused the heartbeat with another 4xx; registering again sorts it out or fails clearly. */
  | 'rejected';

/** What to do after a failed heartbeat. */
export type HeartbeatDecision =
  | { action: 'stop' }
  | { action: 'reregister'; reason: LeaseLossReason }
  | { action: 'retry'; delayMs: number };

/**
 * Pure decision after a heartbeat failed.
 * - 401/403: stop: the token will not get better by asking again (no retry storm).
 * - 404: the lease is gone: register again at once.
 * - other 4xx: register again (a register 4xx then stops with a clear error).
 * - network error, timeout, 429, 5xx: retry with backoff while the lease may still be alive,
 *   never waiting past its end; once it has surely expired, register again.
 */
export function decideAfterHeartbeatFailure(
  error: SdkError,
  failures: number,
  now: number,
  leaseValidUntil: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): HeartbeatDecision {
  if (error.code === 'SDK_ERR_UNAUTHORIZED' || error.code === 'SDK_ERR_FORBIDDEN')
    return { action: 'stop' };
  if (error.statusCode === 404) return { action: 'reregister', reason: 'lease-not-found' };
  if (!error.retryable) return { action: 'reregister', reason: 'rejected' };
  if (isLeaseExpired(leaseValidUntil, now))
    return { action: 'reregister', reason: 'lease-expired' };
  const backoff = computeBackoffMs(Math.max(0, failures - 1), policy, random, error.retryAfterMs);
  return { action: 'retry', delayMs: Math.max(0, Math.min(backoff, leaseValidUntil - now)) };
}
