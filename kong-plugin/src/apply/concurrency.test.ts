import { allSettledOrThrow, forEachLimited, mapLimited } from './concurrency';

/** A task that records how many run at once and finishes on a later macrotask. */
function tracker() {
  let inFlight = 0;
  let peak = 0;
  const started: number[] = [];
  const task = async (item: number): Promise<number> => {
    started.push(item);
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    return item * 2;
  };
  return { task, started, peak: () => peak };
}

describe('forEachLimited', () => {
  it('never runs more than the limit at once, and starts items in order', async () => {
    const t = tracker();
    const items = Array.from({ length: 25 }, (_, i) => i);
    await forEachLimited(items, 4, async (i) => void (await t.task(i)));
    expect(t.peak()).toBe(4);
    expect(t.started).toEqual(items);
  });
});

describe('mapLimited', () => {
  it('keeps the order of the items in its results, with at most `limit` in flight', async () => {
    const t = tracker();
    const items = Array.from({ length: 30 }, (_, i) => i);
    expect(await mapLimited(items, 10, t.task)).toEqual(items.map((i) => i * 2));
    expect(t.peak()).toBe(10);
  });

  it('handles an empty list and a limit larger than the list', async () => {
    expect(await mapLimited([], 10, async (x: number) => x)).toEqual([]);
    const t = tracker();
    expect(await mapLimited([1, 2], 10, t.task)).toEqual([2, 4]);
    expect(t.peak()).toBe(2);
  });

  it('rejects with the first error and starts nothing after it', async () => {
    const started: number[] = [];
    const work = async (i: number): Promise<number> => {
      started.push(i);
      await new Promise((resolve) => setImmediate(resolve));
      if (i === 3) throw new Error('boom 3');
      return i;
    };
    await expect(mapLimited([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2, work)).rejects.toThrow('boom 3');
    expect(started).not.toContain(9);
  });
});

describe('allSettledOrThrow', () => {
  it('resolves every value in order, typed as a tuple', async () => {
    const [a, b] = await allSettledOrThrow([Promise.resolve(1), Promise.resolve('two')]);
    expect([a, b]).toEqual([1, 'two']);
  });

  it('rejects with the first failure only after every other promise has ended', async () => {
    let slowEnded = false;
    const slow = new Promise<number>((resolve) =>
      setTimeout(() => {
        slowEnded = true;
        resolve(1);
      }, 20),
    );
    await expect(
      allSettledOrThrow([
        Promise.reject(new Error('first')),
        slow,
        Promise.reject(new Error('2nd')),
      ]),
    ).rejects.toThrow('first');
    expect(slowEnded).toBe(true);
  });
});
