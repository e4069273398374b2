/**
 * Two small tools for spacing out work: `Pacer` lets at most `perSecond` calls through per
 * second, evenly spaced (the drift scan's Admin API reads), and `Serial` runs tasks one after
 * another (the reconciler's locks).
 */

/** Hands out evenly spaced turns: at most `perSecond` per second. */
export class Pacer {
  private readonly gapMs: number;
  private nextAt = 0;

  constructor(
    perSecond: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(perSecond > 0)) throw new RangeError(`Pacer: perSecond must be > 0, got ${perSecond}`);
    this.gapMs = 1000 / perSecond;
  }

  /** Resolves when the caller's turn comes. */
  async turn(): Promise<void> {
    const now = this.clock();
    // A pacer left idle does not save up turns for a burst.
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.gapMs;
    const wait = at - now;
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Runs the tasks given to `run` one at a time, in order; a failure does not stop the next. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
