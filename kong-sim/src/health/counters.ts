/**
 * The per-target health state machine of lua-resty-healthcheck 3.1.0 (`lib/resty/healthcheck.lua`;
 * kong-sim/KONG_BEHAVIOUR.md#health-checker), pure so it can be tested without sockets or clocks.
 * Counters are consecutive: a success clears the failure counters and a failure clears the
 * success counter. A limit of 0 disables that counter entirely
 * (the event is ignored and clears nothing, as `incr_counter` returns before touching the shm).
 */

/** What a probe or a proxied request tells the checker. */
export type HealthEvent = 'success' | 'http_failure' | 'tcp_failure' | 'timeout';

/** Health of one target plus its running counters. */
export interface TargetHealth {
  healthy: boolean;
  successes: number;
  httpFailures: number;
  tcpFailures: number;
  timeouts: number;
}

/** The thresholds of one check kind (active or passive). */
export interface HealthLimits {
  successes: number;
  httpFailures: number;
  tcpFailures: number;
  timeouts: number;
}

/** New targets start HEALTHY (Kong adds them with `is_healthy = true`). */
export function initialHealth(healthy = true): TargetHealth {
  return { healthy, successes: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0 };
}

const FAILURE_FIELD = {
  http_failure: 'httpFailures',
  tcp_failure: 'tcpFailures',
  timeout: 'timeouts',
} as const;

/** Applies one event; returns the same object when nothing changes. */
export function applyHealthEvent(
  state: TargetHealth,
  event: HealthEvent,
  limits: HealthLimits,
): TargetHealth {
  if (event === 'success') {
    if (limits.successes === 0) return state;
    if (state.healthy) {
      if (state.httpFailures + state.tcpFailures + state.timeouts === 0) return state;
      return initialHealth(true);
    }
    const successes = state.successes + 1;
    if (successes >= limits.successes) return initialHealth(true);
    return { ...initialHealth(false), successes };
  }
  const field = FAILURE_FIELD[event];
  if (limits[field] === 0) return state;
  if (!state.healthy) return state.successes === 0 ? state : initialHealth(false);
  const next: TargetHealth = { ...state, successes: 0, [field]: state[field] + 1 };
  return next[field] >= limits[field] ? initialHealth(false) : next;
}

/** How an HTTP status observed by a check counts (`report_http_status`): others are ignored. */
export function classifyStatus(
  status: number | null,
  healthyStatuses: readonly number[],
  unhealthyStatuses: readonly number[],
): HealthEvent | undefined {
  if (status === null) return 'http_failure';
  if (healthyStatuses.includes(status)) return 'success';
  if (unhealthyStatuses.includes(status)) return 'http_failure';
  return undefined;
}
