/**
 * Pure decisions behind `pause()`, `resume()` and `drain()`: what a call does given where the
 * handle is. The handle (handle.ts) does the I/O; keeping the choices here lets them be tested
 * without a registry or a clock.
 *
 *   registering ─┐                      pause()               resume()
 *   registered  ─┼─ pause() ─────────▶  paused  ─────────────▶ registering / reregistering
 *   reregistering┘                        │                    (PUT clears the draining mark)
 *                                         │ drain() / close()
 *                                         ▼
 *                                  draining ─▶ closed        (failed: nothing more is sent)
 */

/**
 * Life of a handle:
 * `registering` → `registered` ⇄ `reregistering` (lease lost) → `draining` → `closed`;
 * `paused` after `pause()` (no heartbeats, still registered) until `resume()`, `drain()` or `close()`;
 * `failed` when the registry refuses us for good (401, 403, or a 4xx on register).
 */
export type RegistrationState =
  'registering' | 'registered' | 'reregistering' | 'paused' | 'draining' | 'closed' | 'failed';

/**
 * What became of a request to mark the instance draining (`DELETE ...?drain=true`):
 * `marked` (weight 0 in Kong), `gone` (404: the registry no longer has it), `skipped` (no
 * registration ever left, so there is nothing to mark), `failed` (retries used up; the error is
 * logged and returned).
 */
export type DrainMarkOutcome = 'marked' | 'gone' | 'skipped' | 'failed';

/** Why `reregistered` fired: the lease was lost (`lost` came first), or `resume()` was called. */
export type ReregistrationCause = 'lease-lost' | 'resumed';

/** What a `pause()` call does. */
export type PauseDecision =
  /** Draining, closed or failed: nothing to pause. */
  | { action: 'ignore' }
  /** Stop the lease loop; then mark draining if `markDraining`. */
  | { action: 'pause'; markDraining: boolean }
  /** Already paused; only the draining mark is still to be sent (`pause()` then `pause({ drain: true })`). */
  | { action: 'mark' }
  /** Already paused as asked: nothing to do. */
  | { action: 'already-paused' };

/**
 * Decides a `pause({ drain })` call. A pause never undoes a draining mark (only `resume()` does),
 * so `pause({ drain: true })` then `pause()` leaves the instance draining. `stopping`: `close()`
 * has begun, which wins over anything queued behind it.
 */
export function decidePause(
  state: RegistrationState,
  drain: boolean,
  alreadyMarked: boolean,
  stopping = false,
): PauseDecision {
  if (stopping) return { action: 'ignore' };
  switch (state) {
    case 'registering':
    case 'registered':
    case 'reregistering':
      return { action: 'pause', markDraining: drain };
    case 'paused':
      return drain && !alreadyMarked ? { action: 'mark' } : { action: 'already-paused' };
    default:
      return { action: 'ignore' };
  }
}

/** What a `resume()` call does. */
export type ResumeDecision = 'resume' | 'already-running' | 'ignore';

/** Decides a `resume()` call: only a paused handle starts its lease loop again, never once `close()` has begun. */
export function decideResume(state: RegistrationState, stopping = false): ResumeDecision {
  if (stopping) return 'ignore';
  if (state === 'paused') return 'resume';
  if (state === 'registering' || state === 'registered' || state === 'reregistering')
    return 'already-running';
  return 'ignore';
}

/** The state while `resume()` registers again: `registering` until the first registration ever. */
export function stateWhileResuming(everRegistered: boolean): RegistrationState {
  return everRegistered ? 'reregistering' : 'registering';
}

/**
 * Whether a draining mark is worth sending: only if a registration may have reached the registry
 * (else there is nothing to mark) and the token still works (401/403 would only repeat).
 */
export function shouldSendDrainMark(mayBeRegistered: boolean, tokenRefused: boolean): boolean {
  return mayBeRegistered && !tokenRefused;
}

/**
 * How much longer `drain()` must keep the instance at weight 0 before deregistering: Kong needs
 * time to stop sending new traffic even when nothing is in flight. Counted from when the
 * registry confirmed the mark (`markedAt`, possibly by an earlier `pause({ drain: true })`);
 * no confirmed mark means no weight-0 period to hold.
 */
export function holdRemainingMs(markedAt: number | undefined, holdMs: number, now: number): number {
  if (markedAt === undefined) return 0;
  return Math.max(0, markedAt + holdMs - now);
}
