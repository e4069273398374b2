/**
 * The reconcile loop (consul `agent/ae/ae.go`): a full resync every interval (+-10% jitter, so
 * replicas do not hit Kong in step), an earlier run when a registry event arrives, and after a
 * failure a retry with exponential backoff instead of the full interval. Events are handled on
 * the leading edge: the first one after a quiet debounce period runs at once; the rest of its
 * burst coalesces into one more run after the debounce (never delayed more than 4 debounce
 * periods). Runs never overlap: a trigger during a run schedules one more run afterwards. A
 * failed run is logged and the loop goes on.
 */
import type { Logger } from './logger';
import { errorLogFields } from './errors';

/** Timing of the loop. */
export interface LoopOptions {
  resyncMs: number;
  debounceMs: number;
  retryMaxMs: number;
  /** First retry delay after a failure; doubles up to retryMaxMs. @default 1000 */
  retryBaseMs?: number;
  /** Random source, injectable for tests. */
  random?: () => number;
}

/** Drives `run` (resolves true on success) until stopped. */
export class ReconcileLoop {
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  private firstTriggerAt: number | undefined;
  /** When the last trigger arrived: a trigger later than a debounce after it starts a burst. */
  private lastTriggerAt = -Infinity;
  /** A leading-edge run is armed and not started: it will read the registry after any trigger. */
  private leadingArmed = false;
  private running: Promise<void> | undefined;
  private pending = false;
  private failures = 0;
  private stopped = true;

  constructor(
    private readonly run: () => Promise<boolean>,
    private readonly options: LoopOptions,
    private readonly logger: Logger,
  ) {}

  /** Starts with an immediate run. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** A registry change: run at once after a quiet period, else after the debounce period. */
  trigger(reason: string): void {
    if (this.stopped) return;
    const now = Date.now();
    const quiet = now - this.lastTriggerAt >= this.options.debounceMs;
    this.lastTriggerAt = now;
    if (this.running) {
      this.pending = true;
      return;
    }
    // The armed run has not read the registry yet, so it will see this change too.
    if (this.leadingArmed) return;
    if (quiet && this.firstTriggerAt === undefined) {
      this.logger.debug({ reason }, 'reconcile triggered (leading edge)');
      this.firstTriggerAt = now;
      this.leadingArmed = true;
      this.schedule(0, true);
      return;
    }
    this.firstTriggerAt ??= now;
    const latest = this.firstTriggerAt + this.options.debounceMs * 4;
    this.logger.debug({ reason }, 'reconcile triggered');
    this.schedule(Math.max(0, Math.min(this.options.debounceMs, latest - now)), true);
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Delay before the next periodic run: the resync interval with +-10% jitter. */
  nextResyncDelay(): number {
    const random = this.options.random ?? Math.random;
    return Math.round(this.options.resyncMs * (0.9 + random() * 0.2));
  }

  /** Delay before a retry after `failures` consecutive failures. */
  retryDelay(failures: number): number {
    const base = this.options.retryBaseMs ?? 1000;
    return Math.min(this.options.retryMaxMs, base * 2 ** Math.max(0, failures - 1));
  }

  /** (Re)arms the timer; a debounced trigger replaces a later timer but never a sooner one. */
  private schedule(delayMs: number, debounced = false): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    if (!debounced && at >= this.dueAt && this.timer) return;
    if (debounced && this.timer && this.dueAt <= at && this.firstTriggerAt === undefined) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => this.fire(), delayMs);
  }

  private fire(): void {
    this.timer = undefined;
    this.dueAt = Infinity;
    this.firstTriggerAt = undefined;
    this.leadingArmed = false;
    this.pending = false;
    this.running = (async () => {
      let ok = false;
      try {
        ok = await this.run();
      } catch (err) {
        this.logger.error(errorLogFields(err), 'reconcile failed');
      }
      this.failures = ok ? 0 : this.failures + 1;
      this.running = undefined;
      if (this.stopped) return;
      if (this.pending) {
        this.pending = false;
        this.schedule(this.options.debounceMs);
      } else if (ok) {
        this.schedule(this.nextResyncDelay());
      } else {
        const delay = this.retryDelay(this.failures);
        this.logger.warn(
          { failures: this.failures, retryInMs: delay },
          'reconcile failed; retrying with backoff',
        );
        this.schedule(delay);
      }
    })();
  }
}
