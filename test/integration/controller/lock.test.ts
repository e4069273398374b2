/**
 * The leader lock on a real Redis: one holder at a time, fencing tokens that grow with every
 * takeover, release on stop, and takeover after a crashed holder's TTL.
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

  it('admits one holder, fences each tenure, and hands over on stop or expiry', async () => {
    const key = `${uniquePrefix('lock')}leader`;
    const a = new LeaderLock(redis, { key, ttlMs: 1000, holderId: 'a' }, logger);
    const b = new LeaderLock(redis, { key, ttlMs: 1000, holderId: 'b' }, logger);
    expect(await a.tick()).toBe(true);
    expect(await b.tick()).toBe(false);
    const firstFence = a.fence!;
    expect(await a.tick()).toBe(true); // renewal keeps the tenure
    expect(a.fence).toBe(firstFence);
    await expect(b.assertLeader()).rejects.toMatchObject({ code: 'KCP_ERR_NOT_LEADER' });

    await a.stop(); // releases at once
    expect(await b.tick()).toBe(true);
    expect(b.fence).toBeGreaterThan(firstFence);
    await expect(a.assertLeader()).rejects.toMatchObject({ code: 'KCP_ERR_NOT_LEADER' });

    // b "crashes" (stops renewing without releasing): a takes over once the TTL runs out.
    await waitFor(() => a.tick(), {
      what: 'takeover after the TTL',
      timeoutMs: 5000,
      intervalMs: 100,
    });
    expect(a.fence).toBeGreaterThan(b.fence!);
    await a.stop();
    await redis.del(key, `${key}:fence`);
  });
});
