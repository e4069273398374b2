import type { LeaseReply } from './contract';
import type { SdkError } from './errors';
import type { LeaseLossReason } from './heartbeat-policy';
import type { DrainMarkOutcome, RegistrationState, ReregistrationCause } from './lifecycle';

/** Payload of the `lost` event. */
export interface LeaseLostEvent {
  reason: LeaseLossReason;
  error: SdkError;
}

/** Options of `drain()`. */
export interface DrainOptions {
  /** How long to wait for tracked in-flight requests. @default the `drainTimeoutMs` option (30000) */
  timeoutMs?: number;
  /**
   * Keep the instance at weight 0 for at least this long before deregistering, even with nothing
   * in flight: Kong needs time to stop sending new traffic. Counted from when the registry
   * confirmed the draining mark (an earlier `pause({ drain: true })` counts). `close()` cuts it
   * short. @default the `drainHoldMs` option (6000)
   */
  holdMs?: number;
}

/** Result of `drain()`. */
export interface DrainResult {
  /** True when the wait ended (`timeoutMs`, or `close()` cutting it short) with requests still in flight. */
  timedOut: boolean;
  /** Requests still in flight when the instance was deregistered. */
  inFlight: number;
}

/** Options of `pause()`. */
export interface PauseOptions {
  /**
   * Also mark the instance draining (`DELETE ...?drain=true`: weight 0 in Kong, removed by the
   * registry after its drain period unless `resume()` registers it again first). @default false
   */
  drain?: boolean;
}

/** Result of `pause()`. */
export interface PauseResult {
  /** The handle's state once the call has done its work (`paused`, or what made it a no-op). */
  state: RegistrationState;
  /** Only when `drain: true` was asked (now or by an earlier pause): what became of the mark. */
  drainMark?: DrainMarkOutcome;
  /** Why the mark failed, when `drainMark` is `failed`. */
  error?: SdkError;
}

/** Events of a `RegistrationHandle`, with their arguments. */
export interface RegistrationEvents {
  /** First successful registration. */
  registered: [reply: LeaseReply];
  /** A heartbeat renewed the lease. */
  heartbeat: [reply: LeaseReply];
  /** The lease is gone (404, or expired while the registry was unreachable); registering again now. */
  lost: [event: LeaseLostEvent];
  /** Registered again: after `lost` (`lease-lost`) or after `resume()` (`resumed`). */
  reregistered: [reply: LeaseReply, cause: ReregistrationCause];
  /** `pause()` stopped heartbeats (and, with `drain: true`, sent the draining mark). */
  paused: [result: PauseResult];
  /** `resume()` restarted the lease loop; `reregistered` (or `registered`) follows once the PUT lands. */
  resumed: [];
  /**
   * Something needs a human: 401/403 (the handle stops, state `failed`), a 4xx on register, or a
   * deregistration that failed on close. Without a listener these are only logged, never thrown.
   */
  error: [error: SdkError];
  /** `drain()` started: the health handler answers 503 from now on. */
  draining: [];
  /** Heartbeats stopped and the instance was deregistered (or deregistration was given up). */
  closed: [];
}
