/** The part of a Node `ServerResponse` (or Express `res`) the tracker listens to. */
export interface TrackableResponse {
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * Counts requests in flight so that `drain()` can wait for them. A request counts from
 * `track()` until its response finishes or its connection closes, whichever comes first.
 */
export class InFlightTracker {
  #count = 0;
  readonly #idleWaiters = new Set<() => void>();

  /** Requests (or `begin()` units of work) not finished yet. */
  get count(): number {
    return this.#count;
  }

  /** Starts one unit of work; call the returned function once when it ends (extra calls are ignored). */
  begin(): () => void {
    this.#count++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#count--;
      if (this.#count === 0) for (const wake of [...this.#idleWaiters]) wake();
    };
  }

  /** Counts `res` until it finishes or closes. */
  track(res: TrackableResponse): void {
    const end = this.begin();
    res.once('finish', end);
    res.once('close', end);
  }

  /**
   * Resolves true once nothing is in flight, or false after `timeoutMs`. Aborting `cut` ends the
   * wait early (`close()` during `drain()`), resolving whether anything is still in flight.
   */
  waitForIdle(timeoutMs: number, cut?: AbortSignal): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    if (cut?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (idle: boolean): void => {
        clearTimeout(timer);
        this.#idleWaiters.delete(wake);
        cut?.removeEventListener('abort', onCut);
        resolve(idle);
      };
      const wake = (): void => finish(true);
      const onCut = (): void => finish(this.#count === 0);
      // Ref'd on purpose: a draining process must stay up until its requests are done.
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.#idleWaiters.add(wake);
      cut?.addEventListener('abort', onCut, { once: true });
    });
  }
}
