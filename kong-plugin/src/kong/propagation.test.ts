import { pendingRouting, workerTimingOf } from './propagation';

const node = (configuration: Record<string, unknown>) => ({ configuration });
const at = (seconds: number) => ({ updated_at: seconds, created_at: seconds - 100 });

describe('workerTimingOf', () => {
  it("reads GET /'s settings, with Kong's defaults for the ones left out", () => {
    expect(workerTimingOf(node({ database: 'postgres' }))).toEqual({
      dbless: false,
      workerConsistency: 'eventual',
      workerStateUpdateFrequency: 5,
      dbUpdateFrequency: 5,
    });
    expect(
      workerTimingOf(
        node({
          database: 'off',
          worker_consistency: 'strict',
          worker_state_update_frequency: 1,
          db_update_frequency: 2,
        }),
      ),
    ).toEqual({
      dbless: true,
      workerConsistency: 'strict',
      workerStateUpdateFrequency: 1,
      dbUpdateFrequency: 2,
    });
  });
});

describe('pendingRouting', () => {
  const eventual = workerTimingOf(node({ database: 'postgres' }));
  const written = 1_000_000;

  it('is pending, under eventual, until a rebuild period (and a poll, for other nodes) has passed', () => {
    const pending = pendingRouting(
      eventual,
      [at(written - 50), at(written)],
      written * 1000 + 2000,
    );
    expect(pending).toMatchObject({
      writtenAt: new Date(written * 1000).toISOString(),
      // Whole-second timestamps: 1 s of slack, then the 5 s rebuild period, then the 5 s poll.
      byOnThisNode: new Date(written * 1000 + 6000).toISOString(),
      byOnEveryNode: new Date(written * 1000 + 11_000).toISOString(),
    });
    expect(pending?.note).toContain('rebuild their routers every 5 s');
    expect(pendingRouting(eventual, [at(written)], written * 1000 + 11_000)).toBeUndefined();
  });

  it('is never pending in DB-less mode, where a push reaches every worker at once', () => {
    const dbless = workerTimingOf(node({ database: 'off' }));
    expect(pendingRouting(dbless, [at(written)], written * 1000)).toBeUndefined();
  });

  it('under strict, waits only for the whole-second timestamp and the other nodes', () => {
    const strict = workerTimingOf(node({ worker_consistency: 'strict', db_update_frequency: 1 }));
    expect(pendingRouting(strict, [at(written)], written * 1000)?.byOnEveryNode).toBe(
      new Date(written * 1000 + 2000).toISOString(),
    );
  });
});
