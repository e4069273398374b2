/** Options of {@link sleep}. */
export interface SleepOptions {
  /** Ends the wait early (resolves, never rejects: the caller checks `signal.aborted`). */
  signal?: AbortSignal | undefined;
  /** Keep the process alive while waiting. The SDK only does so when someone awaits it. @default false */
  ref?: boolean;
}

/** Waits `ms`, ending early when `signal` aborts. Unref'd by default: the SDK never holds a process open. */
export function sleep(ms: number, { signal, ref = false }: SleepOptions = {}): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    if (!ref) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}
