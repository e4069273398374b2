import { RegistryError } from '../errors';
import { takeOrThrow, TokenBuckets } from './rate-limit';

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

describe('takeOrThrow', () => {
  it('keys the bucket by the token subject and refuses with 429 and Retry-After', () => {
    const buckets = new TokenBuckets(1, 1, () => 0);
    expect(() => takeOrThrow(buckets, 'service:orders')).not.toThrow();
    // Another token of the same service (a fresh one, minted later) has the same subject.
    let refused: unknown;
    try {
      takeOrThrow(buckets, 'service:orders');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(RegistryError);
    expect(refused).toMatchObject({
      code: 'REG_ERR_RATE_LIMITED',
      statusCode: 429,
      headers: { 'Retry-After': '1' },
    });
    expect(() => takeOrThrow(buckets, 'service:billing')).not.toThrow();
    expect(() => takeOrThrow(buckets, 'admin:ops')).not.toThrow();
  });
});
