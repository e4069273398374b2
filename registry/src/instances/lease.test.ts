import {
  drainDeadline,
  effectiveTtl,
  heartbeatIntervalSeconds,
  isExpired,
  leaseDeadline,
} from './lease';

describe('lease math (fake clock)', () => {
  const t0 = Date.parse('2030-01-01T00:00:00Z');

  it('a lease lasts exactly the TTL after the last renewal, not twice that', () => {
    const deadline = leaseDeadline(t0, 15);
    expect(deadline - t0).toBe(15_000);
    expect(isExpired(deadline, t0 + 14_999)).toBe(false);
    expect(isExpired(deadline, t0 + 15_000)).toBe(true);
    // Renewing at t0+10s moves the deadline to t0+25s, not t0+40s.
    expect(leaseDeadline(t0 + 10_000, 15)).toBe(t0 + 25_000);
  });

  it.each([
    [15, 5],
    [30, 10],
    [5, 1],
    [3, 1],
    [1, 1],
    [300, 100],
  ])('TTL %i s heartbeats every %i s (a third, at least 1)', (ttl, interval) => {
    expect(heartbeatIntervalSeconds(ttl)).toBe(interval);
  });

  it('uses the default TTL unless one is requested', () => {
    expect(effectiveTtl(undefined, 15)).toBe(15);
    expect(effectiveTtl(60, 15)).toBe(60);
  });

  it('a drain ends drainSeconds from now', () => {
    expect(drainDeadline(t0, 10)).toBe(t0 + 10_000);
    expect(drainDeadline(t0, 0)).toBe(t0);
  });
});
