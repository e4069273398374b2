/**
 * The controller's one retry loop, used by the Admin API client, the registry client and the
 * event stream's reconnects. The timing is the SDK's (computeBackoffMs): exponential with
 * jitter, and a server's `Retry-After` replaces the computed wait. A server that asks for a
 * longer wait than `maxDelayMs` is not retried sooner than it asked: the call fails at once and
 * the caller's own schedule (the reconcile loop's) takes over.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { computeBackoffMs, parseRetryAfterMs, type RetryPolicy } from '@kong-registry/sdk';

/** How many times to try again, and how long to wait between tries. */
export interface RetrySettings {
  /** Retries after the first attempt. */
  retries: number;
  /** First wait; doubles on each retry. */
  baseDelayMs: number;
  /** Longest wait, computed or asked for by `Retry-After`. */
  maxDelayMs: number;
}

/** What a failed attempt says about trying again. */
export interface RetryVerdict {
  retry: boolean;
  /** The server's `Retry-After`, in ms, when it sent one. */
  retryAfterMs?: number | undefined;
}

/** A reply's `Retry-After`, in ms, when it has a readable one. */
export function retryAfterMsOf(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['retry-after'];
  return parseRetryAfterMs(Array.isArray(value) ? value[0] : value);
}

/** The wait before retry number `attempt` (0-based), or undefined when the server asks too much. */
export function retryDelayMs(
  attempt: number,
  settings: RetrySettings,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs > settings.maxDelayMs) return undefined;
  const policy: RetryPolicy = {
    initialDelayMs: settings.baseDelayMs,
    maxDelayMs: settings.maxDelayMs,
    factor: 2,
    jitter: 0.2,
    retries: settings.retries,
  };
  return computeBackoffMs(attempt, policy, random, retryAfterMs);
}

/** Runs attempts with waits between them; `close()` ends every wait and stops further tries. */
export class Retrier {
  private closed = false;
  private readonly wakers = new Set<() => void>();

  constructor(private readonly settings: RetrySettings) {}

  /** Calls `attempt` until it succeeds, `verdict` says stop, the retries run out, or close(). */
  async run<T>(attempt: () => Promise<T>, verdict: (err: unknown) => RetryVerdict): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (err) {
        if (this.closed || tries >= this.settings.retries) throw err;
        const { retry, retryAfterMs } = verdict(err);
        if (!retry) throw err;
        const delay = retryDelayMs(tries, this.settings, retryAfterMs);
        if (delay === undefined) throw err;
        await this.sleep(delay);
        if (this.closed) throw err;
      }
    }
  }

  /** Waits `ms`, or less if close() is called meanwhile. */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** No retry starts after this, and every wait in progress ends now. */
  close(): void {
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
  }
}
