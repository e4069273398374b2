import { HealthRounds, MOST_WATCHED } from './rounds';

describe('HealthRounds', () => {
  const all = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, '0')}`);
  // Ticks of 10 s, every service once a minute: a slice of 2 of the 12 per tick.
  const make = () => new HealthRounds({ tickMs: 10_000, fullMs: 60_000, settleMs: 30_000 });

  it('reads every service once per full interval, a slice per tick', () => {
    const rounds = make();
    const seen: string[] = [];
    for (let tick = 0; tick < 6; tick++) {
      const due = rounds.next(all, tick * 10_000);
      expect(due).toHaveLength(2);
      seen.push(...due);
    }
    expect(seen.sort()).toEqual(all);
    // The next round starts over.
    expect(rounds.next(all, 60_000)).toEqual(['s00', 's01']);
  });

  it('reads a changed service on every tick until it has settled for settleMs', () => {
    const rounds = make();
    rounds.changed(['s09'], 0);
    expect(rounds.next(all, 0)).toEqual(['s00', 's01', 's09']);
    expect(rounds.next(all, 10_000)).toEqual(['s02', 's03', 's09']);
    expect(rounds.next(all, 30_000)).toEqual(['s04', 's05', 's09']);
    expect(rounds.next(all, 40_000)).toEqual(['s06', 's07']);
  });

  it('leaves a mass write (a first sync) to the round robin', () => {
    const rounds = make();
    const many = Array.from({ length: MOST_WATCHED + 1 }, (_, i) => `m${i}`);
    rounds.changed(many, 0);
    expect(rounds.next(all, 0)).toEqual(['s00', 's01']);
  });

  it('keeps reading a service while any of its targets is not HEALTHY, or its upstream is missing', () => {
    const rounds = make();
    rounds.observed(
      new Map([
        ['s10', ['HEALTHY', 'UNHEALTHY']],
        ['s11', undefined],
        ['s05', ['HEALTHY', 'HEALTHCHECKS_OFF']],
      ]),
    );
    expect(rounds.next(all, 0)).toEqual(['s00', 's01', 's10', 's11']);
    rounds.observed(new Map([['s10', ['HEALTHY', 'HEALTHY']]]));
    expect(rounds.next(all, 10_000)).toEqual(['s02', 's03', 's11']);
    // A service that is gone is dropped.
    expect(rounds.next(all.slice(0, 11), 20_000)).toEqual(['s04', 's05']);
  });

  it('reads nothing when there are no services', () => {
    expect(make().next([], 0)).toEqual([]);
  });
});
