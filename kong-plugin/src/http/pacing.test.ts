import { Pacer, Serial } from './pacing';

describe('Pacer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('spaces turns evenly at the rate, and saves none up while idle', async () => {
    const pacer = new Pacer(10, () => Date.now());
    const t0 = Date.now();
    const at: number[] = [];
    const turns = Array.from({ length: 4 }, () =>
      pacer.turn().then(() => at.push(Date.now() - t0)),
    );
    await jest.advanceTimersByTimeAsync(1_000);
    await Promise.all(turns);
    expect(at).toEqual([0, 100, 200, 300]);
    await jest.advanceTimersByTimeAsync(5_000);
    const t1 = Date.now();
    const later: number[] = [];
    const next = [pacer.turn(), pacer.turn()].map((p) => p.then(() => later.push(Date.now() - t1)));
    await jest.advanceTimersByTimeAsync(1_000);
    await Promise.all(next);
    expect(later).toEqual([0, 100]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new Pacer(0)).toThrow('perSecond must be > 0');
  });
});

describe('Serial', () => {
  it('runs tasks one at a time, in order, past a failure', async () => {
    const serial = new Serial();
    const log: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      serial.run(task('a')),
      serial.run(task('b', true)),
      serial.run(task('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
