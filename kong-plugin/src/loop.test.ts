import { silentLogger } from './logger';
import { ReconcileLoop } from './loop';

describe('ReconcileLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const make = (results: boolean[]) => {
    const calls: number[] = [];
    const run = jest.fn(async () => {
      calls.push(Date.now());
      return results.shift() ?? true;
    });
    const loop = new ReconcileLoop(
      run,
      { resyncMs: 10_000, debounceMs: 100, retryMaxMs: 4_000, random: () => 0.5 },
      silentLogger(),
    );
    return { loop, run, calls };
  };

  it('runs at once, then every resync interval', async () => {
    const { loop, run } = make([]);
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(9_999);
    expect(run).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    await loop.stop();
  });

  it('runs the first trigger after a quiet period at once, and the rest of its burst once after the debounce', async () => {
    const { loop, calls } = make([]);
    loop.start();
    await jest.advanceTimersByTimeAsync(1_000);
    const burstAt = Date.now();
    for (let i = 0; i < 5; i++) {
      loop.trigger('event');
      await jest.advanceTimersByTimeAsync(50);
    }
    await jest.advanceTimersByTimeAsync(500);
    // start, the burst's leading edge (no wait), and one run for the other four triggers.
    expect(calls.map((t) => t - burstAt)).toEqual([-1_000, 0, 300]);
    await loop.stop();
  });

  it('does not let a trigger that arrives before the leading run starts postpone it', async () => {
    const { loop, calls } = make([]);
    loop.start();
    await jest.advanceTimersByTimeAsync(1_000);
    const at = Date.now();
    // One registration emits two events back to back (service.updated, instance.registered).
    loop.trigger('service.updated');
    loop.trigger('instance.registered');
    await jest.advanceTimersByTimeAsync(1_000);
    // The leading run reads the registry after both: nothing is left for a trailing run.
    expect(calls.map((t) => t - at)).toEqual([-1_000, 0]);
    await loop.stop();
  });

  it('never delays the trailing run more than four debounce periods under a steady stream', async () => {
    const { loop, calls } = make([]);
    loop.start();
    await jest.advanceTimersByTimeAsync(1_000);
    const streamAt = Date.now();
    for (let i = 0; i < 20; i++) {
      loop.trigger('event');
      await jest.advanceTimersByTimeAsync(40);
    }
    const runs = calls.map((t) => t - streamAt).filter((t) => t >= 0);
    expect(runs[0]).toBe(0);
    for (let i = 1; i < runs.length; i++)
      expect(runs[i]! - runs[i - 1]!).toBeLessThanOrEqual(4 * 100 + 40);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    await loop.stop();
  });

  it('retries failures with exponential backoff capped at retryMax', async () => {
    const { loop, calls } = make([false, false, false, false, true]);
    loop.start();
    await jest.advanceTimersByTimeAsync(20_000);
    const gaps = calls.slice(1, 5).map((t, i) => t - calls[i]!);
    expect(gaps).toEqual([1_000, 2_000, 4_000, 4_000]);
    await loop.stop();
  });

  it('jitters the resync interval by at most 10%', () => {
    const low = new ReconcileLoop(
      async () => true,
      { resyncMs: 1000, debounceMs: 1, retryMaxMs: 1, random: () => 0 },
      silentLogger(),
    );
    const high = new ReconcileLoop(
      async () => true,
      { resyncMs: 1000, debounceMs: 1, retryMaxMs: 1, random: () => 0.999999 },
      silentLogger(),
    );
    expect(low.nextResyncDelay()).toBe(900);
    expect(high.nextResyncDelay()).toBe(1100);
  });
});
