import { EventEmitter } from 'node:events';
import { silentLogger } from './options';
import { installSignalHandlers, type SignalProcess } from './signals';

class FakeProcess extends EventEmitter implements SignalProcess {
  exitCode: number | undefined;
  readonly exits: number[] = [];
  exit(code?: number): void {
    this.exits.push(code ?? 0);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('installSignalHandlers', () => {
  it('drains on SIGTERM, removes its listeners, then exits with exitCode or 0', async () => {
    const proc = new FakeProcess();
    const gate = deferred();
    const drain = jest.fn(() => gate.promise);
    installSignalHandlers(
      { drain },
      { signals: ['SIGTERM', 'SIGINT'], exit: true },
      silentLogger,
      proc,
    );
    proc.emit('SIGTERM', 'SIGTERM');
    expect(drain).toHaveBeenCalledTimes(1);
    expect(proc.exits).toEqual([]);
    gate.resolve();
    await gate.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(proc.exits).toEqual([0]);
    expect(proc.listenerCount('SIGTERM') + proc.listenerCount('SIGINT')).toBe(0);
  });

  it('exits at once on a second signal while draining', () => {
    const proc = new FakeProcess();
    installSignalHandlers(
      { drain: () => new Promise(() => undefined) },
      { signals: ['SIGINT'], exit: true },
      silentLogger,
      proc,
    );
    proc.emit('SIGINT', 'SIGINT');
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exits).toEqual([130]);
  });

  it('only drains with exit: false, and the returned function removes the listeners', async () => {
    const proc = new FakeProcess();
    const remove = installSignalHandlers(
      { drain: () => Promise.resolve() },
      { signals: ['SIGTERM'], exit: false },
      silentLogger,
      proc,
    );
    expect(proc.listenerCount('SIGTERM')).toBe(1);
    remove();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    installSignalHandlers(
      { drain: () => Promise.resolve() },
      { signals: ['SIGTERM'], exit: false },
      silentLogger,
      proc,
    );
    proc.emit('SIGTERM', 'SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    expect(proc.exits).toEqual([]);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });
});
