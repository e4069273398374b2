import type { SdkLogger, SignalHandlingOptions } from './options';

/** The part of a handle the signal handler drives. */
export interface Drainable {
  drain(): Promise<unknown>;
}

/** The part of `process` used here, injectable for tests. */
export interface SignalProcess {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code?: number): never | void;
  exitCode?: number | string | undefined;
}

const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * On the first signal: drain, remove these listeners, then exit with `process.exitCode` (0 when
 * unset) if `exit` is true. A second signal while draining exits at once (128 + signal number).
 * Returns a function that removes the listeners. This is what `handleSignals: true` does; the
 * README shows the same by hand.
 */
export function installSignalHandlers(
  target: Drainable,
  { signals, exit }: Required<SignalHandlingOptions>,
  logger: SdkLogger,
  proc: SignalProcess = process,
): () => void {
  let draining = false;
  const remove = (): void => {
    for (const signal of signals) proc.removeListener(signal, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (draining) {
      logger.warn('sdk: second signal while draining, exiting now', { signal });
      remove();
      proc.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
      return;
    }
    draining = true;
    logger.info('sdk: signal received, draining', { signal });
    void target.drain().finally(() => {
      remove();
      if (exit) {
        const code = proc.exitCode;
        proc.exit(typeof code === 'number' ? code : Number(code ?? 0) || 0);
      }
    });
  }
  for (const signal of signals) proc.on(signal, onSignal);
  return remove;
}
