/**
 * Retry timing, kept pure (the random source is injected) so it can be tested without clocks.
 * Defaults follow undici's retry handler: 500 ms doubling up to 30 s.
 */
import {
  DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
  leaseDurationFromIntervalMs,
  leaseDurationMs,
} from './rules';

/** How the SDK waits between attempts. Every field is optional in `register()` options. */
export interface RetryPolicy {
  /** Delay before the first retry, in ms. @default 500 */
  initialDelayMs: number;
  /** Upper bound of any delay, in ms (also caps `Retry-After`). @default 30000 */
  maxDelayMs: number;
  /** Growth factor per attempt. @default 2 */
  factor: number;
  /**
   * Share of the delay that is random, 0..1: the delay is drawn from
   * `[base × (1 − jitter), base]`, so replicas restarted together spread out. @default 0.5
   */
  jitter: number;
  /**
   * Retries of one-shot calls (deregister, drain). Registration and heartbeats never give up on
   * retryable errors while the handle is open: they keep backing off up to `maxDelayMs`. @default 3
   */
  retries: number;
}

/** The defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.5,
  retries: 3,
});

/**
 * Delay before retry number `attempt` (0 for the first retry). A `Retry-After` from the server
 * replaces the computed delay (bounded by `maxDelayMs`), because the server knows best when it
 * will be back.
 */
export function computeBackoffMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.min(retryAfterMs, policy.maxDelayMs);
  }
  const exponent = Math.max(0, Math.min(attempt, 64));
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** exponent);
  return Math.round(base * (1 - policy.jitter * random()));
}

/**
 * Parses `Retry-After` (delay-seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined when absent or unreadable.
 */
export function parseRetryAfterMs(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date always names a weekday and a month; this also keeps "-1" (a year to Date.parse) out.
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait before the next heartbeat: the interval the registry asked for, shortened by up to
 * `jitterRatio` so that heartbeats of many instances don't line up and are never late.
 */
export function heartbeatDelayMs(
  intervalSeconds: number,
  random: () => number = Math.random,
  jitterRatio = 0.1,
): number {
  const intervalMs = Math.max(MIN_HEARTBEAT_MS, intervalSecondsOrDefault(intervalSeconds) * 1000);
  return Math.round(intervalMs * (1 - jitterRatio * random()));
}

/** Floor of any heartbeat wait, so a broken reply can never make the SDK spin. */
const MIN_HEARTBEAT_MS = 50;
/** Used when a reply has no usable interval: the contract's default TTL (15 s) / 3. */
const DEFAULT_HEARTBEAT_SECONDS = DEFAULT_HEARTBEAT_INTERVAL_SECONDS;

function intervalSecondsOrDefault(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
    ? value
    : DEFAULT_HEARTBEAT_SECONDS;
}

/**
 * How long a lease lasts after the request that renewed it was sent: the instance's TTL, or
 * three heartbeat intervals when the reply lacks it. Measured on the local clock from the send
 * time, so clock skew with the registry does not matter and the estimate errs on the short side.
 */
export function leaseWindowMs(reply: {
  heartbeatIntervalSeconds: number;
  instance: { ttlSeconds: number };
}): number {
  const ttl = reply.instance.ttlSeconds;
  if (typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0) return leaseDurationMs(ttl);
  return leaseDurationFromIntervalMs(intervalSecondsOrDefault(reply.heartbeatIntervalSeconds));
}
