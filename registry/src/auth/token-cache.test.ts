import type { VerifiedToken } from './jwt';
import { VerifiedTokenCache } from './token-cache';

const EXP = 2_000_000_000; // seconds since the epoch
const token = (service: string, expiresAt = EXP): VerifiedToken => ({
  role: 'service',
  service,
  subject: `service:${service}`,
  expiresAt,
});

describe('VerifiedTokenCache', () => {
  it('serves a stored token until its exp, then never again', () => {
    const cache = new VerifiedTokenCache(8);
    cache.set('raw-a', token('a'));
    expect(cache.get('raw-a', EXP * 1000 - 1)).toMatchObject({ service: 'a' });
    // jsonwebtoken refuses a token from the second of its exp on; so does the cache.
    expect(cache.get('raw-a', EXP * 1000)).toBeUndefined();
    expect(cache.get('raw-a', EXP * 1000 - 1)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never serves one token for another string', () => {
    const cache = new VerifiedTokenCache(8);
    cache.set('raw-a', token('a'));
    expect(cache.get('raw-b', 0)).toBeUndefined();
    expect(cache.get('raw-a ', 0)).toBeUndefined();
    expect(cache.get('raw-a', 0)).toMatchObject({ service: 'a' });
  });

  it('holds at most maxEntries, forgetting the least recently used', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('raw-a', token('a'));
    cache.set('raw-b', token('b'));
    expect(cache.get('raw-a', 0)).toBeDefined(); // a is now more recent than b
    cache.set('raw-c', token('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('raw-b', 0)).toBeUndefined();
    expect(cache.get('raw-a', 0)).toMatchObject({ service: 'a' });
    expect(cache.get('raw-c', 0)).toMatchObject({ service: 'c' });
  });

  it('stores nothing when sized 0', () => {
    const cache = new VerifiedTokenCache(0);
    cache.set('raw-a', token('a'));
    expect(cache.get('raw-a', 0)).toBeUndefined();
  });

  it('hands out a frozen token, so no request can change what the next one sees', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('raw-a', token('a'));
    expect(Object.isFrozen(cache.get('raw-a', 0))).toBe(true);
  });
});
