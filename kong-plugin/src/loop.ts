/**
 * The reconcile loop (consul `agent/ae/ae.go`): a whole resync every interval (+-10% jitter, so
 * replicas do not hit Kong in step), an earlier run when a registry event arrives, and after a
 * failure a whole retry with exponential backoff instead of the full interval.
 *
 * An event that names a service asks for a run of that service only (./plan/scope.ts); any other
 * trigger asks for everything. The first event after a quiet debounce period runs at once (its
 * leading edge); the rest of its burst coalesces into one more run (the union of the services it
 * named) once the events pause for a debounce period, never later than 4 periods after the first
 * of them. Two runs of one kind never overlap: what arrives
 * during a run waits for it. A run of services may start while a whole resync is reading Kong
 * (the reconciler keeps their writes apart, reconciler.ts), so a long resync never holds up
 * events. Events never postpone the whole resync, so it runs on time under constant churn; a
 * failed run is retried whole with backoff, while events go on being handled as they come (a
 * failing whole read must not hold up a change that its own reconcile can apply). A failed run is
 * logged and the loop goes on.
 */
import type { Logger } from './logger';
import { errorLogFields } from './errors';
import { WHOLE, type ReconcileScope } from './plan/scope';

/** Timing of the loop. */
export interface LoopOptions {
  resyncMs: number;
  /** Quiet that makes an event a burst's first (run at once); the pause that ends a burst. */
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
  private timerAt = Infinity;
  /** When the next whole resync (or retry after a failure) is due. */
  private wholeAt = Infinity;
  /** When the next event-driven run is due; Infinity when no event waits. */
  private eventAt = Infinity;
  /** Services named by events since the last run started. */
  private readonly dirty = new Set<string>();
  /** An event since the last run started asked for everything. */
  private wholeAsked = false;
  /** When the last trigger arrived: one later than a debounce period after it starts a burst. */
  private lastTriggerAt = -Infinity;
  /** When the first trigger not yet covered by a started run arrived. */
  private firstPendingAt: number | undefined;
  /** A leading-edge run is armed and not started: it reads the registry after any trigger. */
  private leadingArmed = false;
  /** The run in progress of each kind. */
  private readonly running: { whole?: Promise<void>; services?: Promise<void> } = {};
  private failures = 0;
  private stopped = true;

  constructor(
    private readonly run: (scope: ReconcileScope, why: { periodic: boolean }) => Promise<boolean>,
    private readonly options: LoopOptions,
    private readonly logger: Logger,
  ) {}

  /** Starts with an immediate whole run. */
  start(): void {
    this.stopped = false;
    this.wholeAt = Date.now();
    this.arm();
  }

  /** A registry change, of `service` only when given, else of anything. */
  trigger(reason: string, service?: string): void {
    if (this.stopped) return;
    if (service === undefined) this.wholeAsked = true;
    else this.dirty.add(service);
    this.logger.debug({ reason, ...(service ? { service } : {}) }, 'reconcile triggered');
    const now = Date.now();
    const quiet = now - this.lastTriggerAt >= this.options.debounceMs;
    this.lastTriggerAt = now;
    // An armed leading run has not read the registry yet, so it covers this change too.
    if (this.leadingArmed) return;
    if (this.firstPendingAt === undefined) {
      this.firstPendingAt = now;
      if (quiet) {
        this.leadingArmed = true;
        this.eventAt = now;
        this.arm();
        return;
      }
    }
    const { debounceMs } = this.options;
    this.eventAt = Math.min(this.firstPendingAt + 4 * debounceMs, now + debounceMs);
    this.arm();
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([this.running.whole, this.running.services]);
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

  /** Points the timer at the earliest run that may start. */
  private arm(): void {
    if (this.stopped) return;
    const wholeAt = this.running.whole ? Infinity : this.wholeAt;
    // Events wait for a run of services in progress; one asking for everything, for a whole one.
    const eventsWait = this.running.services || (this.wholeAsked && this.running.whole);
    const at = Math.min(wholeAt, eventsWait ? Infinity : this.eventAt);
    if (this.timer && this.timerAt === at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    const whole = !this.running.whole && (this.wholeAsked || now >= this.wholeAt);
    if (whole) {
      // A whole run covers what events asked for so far; it is the periodic drift check
      // (paced) unless an event asked for it or it retries a failure.
      const periodic = !this.wholeAsked && this.failures === 0;
      this.dirty.clear();
      this.wholeAsked = false;
      this.settleEvents();
      this.wholeAt = Infinity;
      this.launch(WHOLE, periodic);
    } else if (!this.running.services && this.dirty.size > 0 && now >= this.eventAt) {
      const services = [...this.dirty].sort();
      this.dirty.clear();
      this.settleEvents();
      this.launch({ kind: 'services', services }, false);
    }
    this.arm();
  }

  /** The pending events are taken by a run that starts now. */
  private settleEvents(): void {
    this.eventAt = Infinity;
    this.firstPendingAt = undefined;
    this.leadingArmed = false;
  }

  private launch(scope: ReconcileScope, periodic: boolean): void {
    const kind = scope.kind === 'all' ? 'whole' : 'services';
    this.running[kind] = (async () => {
      let ok = false;
      try {
        ok = await this.run(scope, { periodic });
      } catch (err) {
        this.logger.error(errorLogFields(err), 'reconcile failed');
      }
      // Only a whole success ends the backoff: it is what the retries are for.
      if (!ok) this.failures += 1;
      else if (kind === 'whole') this.failures = 0;
      this.running[kind] = undefined;
      if (this.stopped) return;
      if (!ok) {
        // A failed scoped run may have left its services half-done: the retry covers everything.
        const delay = this.retryDelay(this.failures);
        this.logger.warn(
          { failures: this.failures, retryInMs: delay },
          'reconcile failed; retrying with backoff',
        );
        this.wholeAt = Math.min(this.wholeAt, Date.now() + delay);
      } else if (kind === 'whole') {
        this.wholeAt = Date.now() + this.nextResyncDelay();
      }
      this.arm();
    })();
  }
}
