import { setImmediate as nextTurn } from 'node:timers/promises';
import { Coalescer, type BatchSender } from './coalescer';

/** A sender that records its batches and answers each item with `item * 10`. */
function recorder(): { batches: number[][]; send: BatchSender<number, number> } {
  const batches: number[][] = [];
  return {
    batches,
    send: (items) => {
      batches.push([...items]);
      return Promise.resolve(items.map((i) => i * 10));
    },
  };
}

describe('Coalescer', () => {
  it('sends the calls of one event-loop turn as one batch, and the next turn as another', async () => {
    const { batches, send } = recorder();
    const coalescer = new Coalescer(send, 64);
    const first = [1, 2, 3].map((i) => coalescer.add(i));
    expect(batches).toEqual([]); // nothing leaves before the turn ends
    await nextTurn();
    const second = [4, 5].map((i) => coalescer.add(i));
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('sends a batch as soon as maxBatch calls wait; 1 sends each call at once', async () => {
    const { batches, send } = recorder();
    const coalescer = new Coalescer(send, 2);
    const results = [1, 2, 3, 4, 5].map((i) => coalescer.add(i));
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);

    const single = recorder();
    const unbatched = new Coalescer(single.send, 1);
    const one = unbatched.add(7);
    expect(single.batches).toEqual([[7]]);
    expect(await one).toBe(70);
  });

  it('serial: one batch out at a time; what arrives meanwhile goes out together after it', async () => {
    const batches: number[][] = [];
    const replies: Array<() => void> = [];
    const coalescer = new Coalescer<number, number>(
      (items) => {
        batches.push([...items]);
        return new Promise((resolve) => replies.push(() => resolve(items.map((i) => i * 10))));
      },
      3,
      true,
    );
    const first = coalescer.add(1);
    await nextTurn();
    expect(batches).toEqual([[1]]);
    // Four turns while the first batch is out, more than maxBatch in all: nothing leaves.
    const later: Promise<number>[] = [];
    for (const i of [2, 3, 4, 5]) {
      later.push(coalescer.add(i));
      await nextTurn();
    }
    expect(batches).toEqual([[1]]);
    replies.shift()!();
    expect(await first).toBe(10);
    await nextTurn();
    expect(batches).toEqual([[1], [2, 3, 4]]); // at most maxBatch, the rest after it
    replies.shift()!();
    await nextTurn();
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    replies.shift()!();
    expect(await Promise.all(later)).toEqual([20, 30, 40, 50]);
  });

  it('serial: a failed batch lets the next one go', async () => {
    let calls = 0;
    const coalescer = new Coalescer<number, number>(
      (items) => (++calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(items)),
      8,
      true,
    );
    // 1 and 2 share the failed batch; 3 comes in a later turn and still goes out.
    const first = Promise.allSettled([coalescer.add(1), coalescer.add(2)]);
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await coalescer.add(3)).toBe(3);
  });

  it('fails only the item whose outcome is an Error', async () => {
    const boom = new Error('boom');
    const coalescer = new Coalescer<number, number | null>(
      (items) => Promise.resolve(items.map((i) => (i === 2 ? boom : i === 3 ? null : i))),
      8,
    );
    const results = await Promise.allSettled([1, 2, 3].map((i) => coalescer.add(i)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: boom },
      { status: 'fulfilled', value: null },
    ]);
  });

  it('fails every item of a batch that failed as a whole, whether it threw or rejected', async () => {
    const down = new Error('connection closed');
    for (const send of [
      () => Promise.reject(down),
      () => {
        throw down;
      },
    ] as BatchSender<number, number>[]) {
      const coalescer = new Coalescer(send, 8);
      const results = await Promise.allSettled([1, 2, 3].map((i) => coalescer.add(i)));
      expect(results).toEqual([1, 2, 3].map(() => ({ status: 'rejected', reason: down })));
    }
  });

  it('fails every item when the replies do not match the batch, rather than guessing', async () => {
    const coalescer = new Coalescer<number, number>(() => Promise.resolve([1]), 8);
    const results = await Promise.allSettled([1, 2].map((i) => coalescer.add(i)));
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'rejected',
        reason: { code: 'REG_ERR_INTERNAL', statusCode: 500 },
      });
    }
  });

  it('refuses a maxBatch that is not a positive integer', () => {
    const { send } = recorder();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new Coalescer(send, bad)).toThrow(RangeError);
    }
  });
});
