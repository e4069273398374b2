/**
 * Lease arithmetic, pure and clock-free: callers pass `now` (ms since epoch) from an injected
 * clock. A lease expires exactly `ttlSeconds` after the last renewal, never 2x (see Eureka's
 * Lease.java for the bug this guards against). The arithmetic itself is the contract's, defined
 * once in the SDK (sdk/src/rules.ts) and re-exported here under the registry's names.
 */
export {
  drainDeadline,
  effectiveTtl,
  heartbeatIntervalSeconds,
  isLeaseExpired as isExpired,
  leaseDeadline,
} from '@kong-registry/sdk';

/** Milliseconds since the epoch; injected so tests can move time. */
export type Clock = () => number;

/** The real clock. */
export const systemClock: Clock = () => Date.now();
