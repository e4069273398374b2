import { TokenBuckets } from './rate-limit';

describe('TokenBuckets', () => {
  it('allows a burst, then refills at the rate (fake clock)', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, 3, () => now);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(1);
    expect(buckets.take('b')).toBe(0);
    now += 500;
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBeGreaterThan(0);
  });

  it('never holds more than the burst', () => {
    let now = 0;
    const buckets = new TokenBuckets(1, 2, () => now);
    buckets.take('a');
    now += 60_000;
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 1]);
  });
});
