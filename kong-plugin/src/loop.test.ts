import { silentLogger } from './logger';
import { ReconcileLoop } from './loop';
import type { ReconcileScope } from './plan/scope';

describe('ReconcileLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A loop whose runs take `runMs` and succeed unless `results` says otherwise. */
  const make = (results: boolean[] = [], runMs = 0) => {
    const calls: { at: number; scope: string }[] = [];
    const run = jest.fn(async (scope: ReconcileScope) => {
      calls.push({
        at: Date.now(),
        scope: scope.kind === 'all' ? 'all' : scope.services.join(','),
      });
      if (runMs > 0) await new Promise((resolve) => setTimeout(resolve, runMs));
      return results.shift() ?? true;
    });
    const loop = new ReconcileLoop(
      run,
      { resyncMs: 10_000, debounceMs: 100, retryMaxMs: 4_000, random: () => 0.5 },
      silentLogger(),
    );
    const since = (t0: number) => calls.filter((c) => c.at >= t0).map((c) => [c.at - t0, c.scope]);
    return { loop, run, calls, since };
  };

  it('runs everything at once, then every resync interval', async () => {
    const { loop, calls } = make();
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([{ at: expect.any(Number), scope: 'all' }]);
    await jest.advanceTimersByTimeAsync(9_999);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.scope)).toEqual(['all', 'all']);
    await loop.stop();
  });

  it('runs an event after a quiet period at once for its service, and the rest of its burst once after the debounce', async () => {
    const { loop, since } = make();
    loop.start();
    await jest.advanceTimersByTimeAsync(1_000);
    const burstAt = Date.now();
    for (const service of ['a', 'b', 'c', 'b', 'd']) {
      loop.trigger('instance.registered', service);
      await jest.advanceTimersByTimeAsync(20);
    }
    await jest.advanceTimersByTimeAsync(500);
    // The leading edge (no wait), then one run for the other services once they pause for a
    // debounce period (the last came at 80).
    expect(since(burstAt)).toEqual([
      [0, 'a'],
      [180, 'b,c,d'],
    ]);
    await loop.stop();
  });

  it('folds two events of one tick into one run', async () => {
    const { loop, since } = make();
    loop.start();
    await jest.advanceTimersByTimeAsync(1_000);
    const at = Date.now();
    // One registration emits two events back to back (service.updated, instance.registered).
    loop.trigger('service.updated', 'orders');
    loop.trigger('instance.registered', 'orders');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(since(at)).toEqual([[0, 'orders']]);
    await loop.stop();
  });

  it('runs everything when an event names no service', async () => {
    const { loop, since } = make();
    loop.start();
    await jest.advanceTimersByTimeAsync(1_000);
    const at = Date.now();
    loop.trigger('instance.registered', 'orders');
    loop.trigger('consumer.created');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(since(at)).toEqual([[0, 'all']]);
    await loop.stop();
  });

  it('holds what arrives during a run for the next one, which starts when it ends', async () => {
    const { loop, since } = make([], 250);
    loop.start();
    await jest.advanceTimersByTimeAsync(1_000);
    const at = Date.now();
    loop.trigger('instance.registered', 'a');
    await jest.advanceTimersByTimeAsync(10);
    loop.trigger('instance.registered', 'b');
    loop.trigger('instance.registered', 'c');
    await jest.advanceTimersByTimeAsync(1_000);
    const runs = since(at);
    expect(runs.map(([, scope]) => scope)).toEqual(['a', 'b,c']);
    // setTimeout waits at least 1 ms, even for 0.
    expect(runs[1]![0]).toBeGreaterThanOrEqual(250);
    expect(runs[1]![0]).toBeLessThanOrEqual(252);
    await loop.stop();
  });

  it('starts a run of services while a whole one is in progress, never two of a kind', async () => {
    const { loop, since } = make([], 2_000);
    loop.start();
    await jest.advanceTimersByTimeAsync(100);
    const at = Date.now() - 100;
    loop.trigger('instance.registered', 'a');
    await jest.advanceTimersByTimeAsync(100);
    loop.trigger('instance.registered', 'b');
    loop.trigger('consumer.created');
    await jest.advanceTimersByTimeAsync(6_000);
    const runs = since(at);
    // a runs beside the first whole run; b and the consumer change wait for both, and the whole
    // run they get covers b too.
    expect(runs.map(([, scope]) => scope)).toEqual(['all', 'a', 'all']);
    expect(runs[1]![0]).toBe(100);
    expect(runs[2]![0]).toBeGreaterThanOrEqual(2_100);
    expect(runs[2]![0]).toBeLessThanOrEqual(2_102);
    await loop.stop();
  });

  it('keeps the whole resync on time under a steady stream of events', async () => {
    const { loop, calls } = make();
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    for (let t = 0; t < 12_000; t += 40) {
      loop.trigger('instance.registered', `s${t % 7}`);
      await jest.advanceTimersByTimeAsync(40);
    }
    const wholes = calls.filter((c) => c.scope === 'all').map((c) => c.at - calls[0]!.at);
    expect(wholes).toEqual([0, 10_000]);
    const scoped = calls.filter((c) => c.scope !== 'all');
    // A steady stream never pauses: each run waits the longest, 4 debounce periods.
    for (let i = 1; i < scoped.length; i++)
      expect(scoped[i]!.at - scoped[i - 1]!.at).toBeGreaterThanOrEqual(100);
    // ...and no change waits longer (the whole resync also covers what is pending).
    const runs = calls.slice(1);
    expect(Math.max(...runs.slice(1).map((c, i) => c.at - runs[i]!.at))).toBeLessThanOrEqual(440);
    expect(scoped.length).toBeGreaterThan(20);
    await loop.stop();
  });

  it('retries a failed whole run with exponential backoff capped at retryMax, unpaced, while events go on', async () => {
    const runs: { at: number; scope: string; periodic: boolean }[] = [];
    let wholeFailures = 4;
    const loop = new ReconcileLoop(
      async (scope, { periodic }) => {
        runs.push({
          at: Date.now(),
          scope: scope.kind === 'all' ? 'all' : scope.services.join(','),
          periodic,
        });
        return scope.kind === 'all' ? wholeFailures-- <= 0 : true;
      },
      { resyncMs: 10_000, debounceMs: 100, retryMaxMs: 4_000, random: () => 0.5 },
      silentLogger(),
    );
    const t0 = Date.now();
    loop.start();
    await jest.advanceTimersByTimeAsync(500);
    loop.trigger('instance.registered', 'orders');
    await jest.advanceTimersByTimeAsync(20_000);
    const wholes = runs.filter((r) => r.scope === 'all');
    expect(wholes.slice(0, 5).map((r) => r.at - t0)).toEqual([0, 1_000, 3_000, 7_000, 11_000]);
    // Only the periodic resync is paced: not the first run's retries.
    expect(wholes.slice(1, 5).map((r) => r.periodic)).toEqual([false, false, false, false]);
    // The event did not wait for the retries.
    expect(runs.filter((r) => r.scope === 'orders').map((r) => r.at - t0)).toEqual([500]);
    await loop.stop();
  });

  it('follows a failed scoped run with a whole retry', async () => {
    const { loop, since } = make([true, false]);
    loop.start();
    await jest.advanceTimersByTimeAsync(1_000);
    const at = Date.now();
    loop.trigger('instance.registered', 'orders');
    await jest.advanceTimersByTimeAsync(1_500);
    expect(since(at)).toEqual([
      [0, 'orders'],
      [1_000, 'all'],
    ]);
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
