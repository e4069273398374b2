import {
  DEFAULT_RETRY_POLICY,
  computeBackoffMs,
  heartbeatDelayMs,
  leaseWindowMs,
  parseRetryAfterMs,
} from './backoff';

describe('computeBackoffMs', () => {
  const noJitter = { ...DEFAULT_RETRY_POLICY, jitter: 0 };

  it.each([
    [0, 500],
    [1, 1000],
    [2, 2000],
    [5, 16_000],
    [6, 30_000],
    [50, 30_000],
  ])(
    'attempt %i waits %i ms without jitter (500 ms doubling, capped at 30 s)',
    (attempt, expected) => {
      expect(computeBackoffMs(attempt, noJitter, () => 0.7)).toBe(expected);
    },
  );

  it('draws the jittered delay from [base × (1 − jitter), base]', () => {
    expect(computeBackoffMs(1, DEFAULT_RETRY_POLICY, () => 0)).toBe(1000);
    expect(computeBackoffMs(1, DEFAULT_RETRY_POLICY, () => 1)).toBe(500);
    expect(computeBackoffMs(1, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(750);
  });

  it('uses Retry-After instead, capped at maxDelayMs', () => {
    expect(computeBackoffMs(0, DEFAULT_RETRY_POLICY, () => 0, 7000)).toBe(7000);
    expect(computeBackoffMs(0, DEFAULT_RETRY_POLICY, () => 0, 120_000)).toBe(30_000);
    expect(computeBackoffMs(3, noJitter, () => 0, Number.NaN)).toBe(4000);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['3', 3000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10_000],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
  ])('reads %j as %i ms', (value, expected) => {
    expect(parseRetryAfterMs(value, now)).toBe(expected);
  });

  it.each([null, undefined, '', 'soon', '-1'])('ignores %j', (value) => {
    expect(parseRetryAfterMs(value, now)).toBeUndefined();
  });
});

describe('heartbeatDelayMs', () => {
  it('never waits longer than the interval the registry asked for', () => {
    expect(heartbeatDelayMs(5, () => 0)).toBe(5000);
    expect(heartbeatDelayMs(5, () => 1)).toBe(4500);
    expect(heartbeatDelayMs(0.05, () => 0)).toBe(50);
  });
});

describe('guards against a broken reply', () => {
  it('falls back to 5 s heartbeats and a 3-interval lease when the reply lacks numbers', () => {
    expect(heartbeatDelayMs(Number.NaN, () => 0)).toBe(5000);
    expect(heartbeatDelayMs(0, () => 0)).toBe(5000);
    expect(heartbeatDelayMs(0.001, () => 0)).toBe(50);
    expect(leaseWindowMs({ heartbeatIntervalSeconds: 2, instance: { ttlSeconds: 9 } })).toBe(9000);
    expect(
      leaseWindowMs({ heartbeatIntervalSeconds: 2, instance: {} as { ttlSeconds: number } }),
    ).toBe(6000);
  });
});
