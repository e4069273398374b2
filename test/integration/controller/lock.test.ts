/**
 * The leader lock on a real Redis: one holder at a time, renewal, release on stop, and takeover
 * after a crashed holder's TTL.
 */
import Redis from 'ioredis';
import pino from 'pino';
import { LeaderLock } from '@kong-registry/kong-plugin';
import { sharedRedisUrl, uniquePrefix } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';

describe('LeaderLock', () => {
  let redis: Redis;
  const logger = pino({ level: 'silent' });
  beforeAll(() => {
    redis = new Redis(sharedRedisUrl());
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('admits one holder, renews its tenure, and hands over on stop or expiry', async () => {
    const key = `${uniquePrefix('lock')}leader`;
    const a = new LeaderLock(redis, { key, ttlMs: 1000, holderId: 'a' }, logger);
    const b = new LeaderLock(redis, { key, ttlMs: 1000, holderId: 'b' }, logger);
    expect(await a.tick()).toBe(true);
    expect(await b.tick()).toBe(false);
    expect(await a.tick()).toBe(true); // renewal keeps the tenure
    expect(await b.tick()).toBe(false);
    await expect(b.assertLeader()).rejects.toMatchObject({ code: 'KCP_ERR_NOT_LEADER' });

    await a.stop(); // releases at once
    expect(await b.tick()).toBe(true);
    await expect(a.assertLeader()).rejects.toMatchObject({ code: 'KCP_ERR_NOT_LEADER' });

    // b "crashes" (stops renewing without releasing): a takes over once the TTL runs out.
    await waitFor(() => a.tick(), {
      what: 'takeover after the TTL',
      timeoutMs: 5000,
      intervalMs: 100,
    });
    await expect(b.assertLeader()).rejects.toMatchObject({ code: 'KCP_ERR_NOT_LEADER' });
    await a.stop();
    expect(await redis.exists(key)).toBe(0);
  });

  it('holds a lease, asked before every write without Redis, until the TTL or a failed renewal', async () => {
    const key = `${uniquePrefix('lock')}leader`;
    const a = new LeaderLock(redis, { key, ttlMs: 1000, holderId: 'a' }, logger);
    expect(a.holdsLease()).toBe(false);
    expect(await a.tick()).toBe(true);
    const after = Date.now();
    expect(a.holdsLease()).toBe(true);
    // Counted from when the renewal began (before `after`): no later than the key's own expiry
    // in Redis.
    expect(a.holdsLease(after + 1000)).toBe(false);
    await a.stop();
    expect(a.holdsLease()).toBe(false);

    // A renewal that fails (Redis unreachable) ends the lease at once, whatever the TTL left.
    const own = new Redis(sharedRedisUrl());
    own.on('error', () => undefined);
    const b = new LeaderLock(own, { key, ttlMs: 60_000, holderId: 'b' }, logger);
    expect(await b.tick()).toBe(true);
    expect(b.holdsLease()).toBe(true);
    own.disconnect();
    expect(await b.tick()).toBe(false);
    expect(b.holdsLease()).toBe(false);
    await redis.del(key);
  });
});
