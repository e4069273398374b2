import { Retrier, retryDelayMs } from './retry';

const settings = { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000 };
const noJitter = (): number => 0;

describe('retryDelayMs', () => {
  it('doubles from the base up to the ceiling', () => {
    expect([0, 1, 2, 3, 4].map((n) => retryDelayMs(n, settings, undefined, noJitter))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
  });

  it("waits what the server's Retry-After asks, shorter or longer than the computed wait", () => {
    expect(retryDelayMs(0, settings, 700, noJitter)).toBe(700);
    expect(retryDelayMs(3, settings, 0, noJitter)).toBe(0);
  });

  it('gives up when the server asks for more than the ceiling, rather than come back early', () => {
    expect(retryDelayMs(0, settings, 1_001)).toBeUndefined();
  });
});

describe('Retrier', () => {
  const failing = (errors: unknown[]): (() => Promise<string>) => {
    let calls = 0;
    return () => {
      const err = errors[calls++];
      return err === undefined ? Promise.resolve(`ok after ${calls}`) : Promise.reject(err);
    };
  };

  it('tries again while the verdict allows and the retries last', async () => {
    const retrier = new Retrier({ retries: 2, baseDelayMs: 1, maxDelayMs: 5 });
    await expect(
      retrier.run(failing([new Error('a'), new Error('b')]), () => ({ retry: true })),
    ).resolves.toBe('ok after 3');
    await expect(
      retrier.run(failing([new Error('a'), new Error('b'), new Error('c')]), () => ({
        retry: true,
      })),
    ).rejects.toThrow('c');
  });

  it('stops at once when the verdict says so or Retry-After is beyond the ceiling', async () => {
    const retrier = new Retrier({ retries: 5, baseDelayMs: 1, maxDelayMs: 5 });
    await expect(
      retrier.run(failing([new Error('4xx')]), () => ({ retry: false })),
    ).rejects.toThrow('4xx');
    await expect(
      retrier.run(failing([new Error('slow down')]), () => ({ retry: true, retryAfterMs: 60_000 })),
    ).rejects.toThrow('slow down');
  });

  it('ends a wait in progress on close() and does not try again', async () => {
    const retrier = new Retrier({ retries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 });
    let calls = 0;
    const run = retrier.run(
      () => {
        calls += 1;
        return Promise.reject(new Error(`attempt ${calls}`));
      },
      () => ({ retry: true }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    retrier.close();
    await expect(run).rejects.toThrow('attempt 1');
    expect(calls).toBe(1);
  });
});
