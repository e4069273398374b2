/**
 * Lease arithmetic, pure and clock-free: callers pass `now` (ms since epoch) from an injected
 * clock. A lease expires exactly `ttlSeconds` after the last renewal, never 2x (see Eureka's
 * Lease.java for the bug this guards against).
 */

/** Milliseconds since the epoch; injected so tests can move time. */
export type Clock = () => number;

/** The real clock. */
export const systemClock: Clock = () => Date.now();

/** Deadline of a lease renewed at `now`. */
export function leaseDeadline(now: number, ttlSeconds: number): number {
  return now + ttlSeconds * 1000;
}

/** A lease is gone once its deadline is reached (deadline == now counts as expired). */
export function isExpired(deadline: number, now: number): boolean {
  return deadline <= now;
}

/** How often a client must heartbeat: a third of the TTL, so two heartbeats may be lost. */
export function heartbeatIntervalSeconds(ttlSeconds: number): number {
  return Math.max(1, Math.floor(ttlSeconds / 3));
}

/** The TTL to use: the requested one, else the default; bounds are checked by validation. */
export function effectiveTtl(requested: number | undefined, defaultTtlSeconds: number): number {
  return requested ?? defaultTtlSeconds;
}

/** When a draining instance is removed. */
export function drainDeadline(now: number, drainSeconds: number): number {
  return now + drainSeconds * 1000;
}
