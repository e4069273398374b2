import request from 'supertest';
import type { RegistryEvent, ServiceView } from '@kong-registry/sdk';
import pino from 'pino';
import { Reaper, RedisInstanceRepository } from '@kong-registry/registry';
import { waitFor } from '../../helpers/wait';
import { createHarness, registration, type Harness } from './harness';

/** All events in the stream, decoded. */
async function readEvents(h: Harness): Promise<RegistryEvent[]> {
  const entries = (await h.redis.xrange(h.repository.keys.events, '-', '+')) as [
    string,
    string[],
  ][];
  return entries.map(([id, fields]) => ({
    id,
    ...(JSON.parse(fields[1] ?? '{}') as Omit<RegistryEvent, 'id'>),
  }));
}

describe('registry: expiry, drain and the reaper', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ REGISTRY_DRAIN_SECONDS: '10' });
  });
  afterEach(async () => {
    await h.close();
  });

  const register = (service: string, id: string, extra: Record<string, unknown> = {}) =>
    request(h.app)
      .put(`/v1/services/${service}/instances/${id}`)
      .set('Authorization', `Bearer ${h.admin}`)
      .send(registration(extra));

  it('removes an instance once its lease ran out, not before (fake clock)', async () => {
    await register('orders', 'i-1', { ttlSeconds: 5 });
    const reaper = h.reaper();
    h.clock.advance(4999);
    expect(await reaper.reapOnce()).toEqual([]);
    h.clock.advance(1);
    expect(await reaper.reapOnce()).toEqual(['orders/i-1/expired']);
    const view = await request(h.app)
      .get('/v1/services/orders')
      .set('Authorization', `Bearer ${h.admin}`);
    expect(view.status).toBe(404);
    const events = await readEvents(h);
    expect(events.filter((e) => e.type === 'instance.expired')).toEqual([
      expect.objectContaining({ service: 'orders', instanceId: 'i-1', reason: 'expired' }),
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'service.removed', service: 'orders' });
    // The prefix is free again.
    expect((await register('billing', 'b-1', { prefix: '/orders' })).status).toBe(201);
  });

  it('a heartbeat in time keeps the instance', async () => {
    await register('orders', 'i-1', { ttlSeconds: 5 });
    const reaper = h.reaper();
    h.clock.advance(4000);
    await request(h.app)
      .put('/v1/services/orders/instances/i-1/heartbeat')
      .set('Authorization', `Bearer ${h.admin}`);
    h.clock.advance(4000);
    expect(await reaper.reapOnce()).toEqual([]);
    h.clock.advance(1000);
    expect(await reaper.reapOnce()).toEqual(['orders/i-1/expired']);
  });

  it('keeps the service while another instance lives', async () => {
    await register('orders', 'i-1', { ttlSeconds: 5 });
    await register('orders', 'i-2', { ttlSeconds: 30 });
    h.clock.advance(6000);
    expect(await h.reaper().reapOnce()).toEqual(['orders/i-1/expired']);
    const view = await request(h.app)
      .get('/v1/services/orders')
      .set('Authorization', `Bearer ${h.admin}`);
    expect((view.body as ServiceView).instances.map((i) => i.instanceId)).toEqual(['i-2']);
  });

  it('drain: weight 0 at once, removed with reason "drained" after the drain period', async () => {
    await register('orders', 'i-1', { ttlSeconds: 300 });
    const res = await request(h.app)
      .delete('/v1/services/orders/instances/i-1?drain=true')
      .set('Authorization', `Bearer ${h.admin}`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      instance: {
        draining: true,
        weight: 0,
        drainUntil: new Date(h.clock.now + 10_000).toISOString(),
      },
    });
    const view = await request(h.app)
      .get('/v1/services/orders')
      .set('Authorization', `Bearer ${h.admin}`);
    expect((view.body as ServiceView).instances[0]).toMatchObject({ draining: true, weight: 0 });
    // Heartbeats while draining keep the drain deadline.
    await request(h.app)
      .put('/v1/services/orders/instances/i-1/heartbeat')
      .set('Authorization', `Bearer ${h.admin}`);
    const reaper = h.reaper();
    h.clock.advance(9999);
    expect(await reaper.reapOnce()).toEqual([]);
    h.clock.advance(1);
    expect(await reaper.reapOnce()).toEqual(['orders/i-1/drained']);
    const events = await readEvents(h);
    expect(events.map((e) => `${e.type}:${e.reason ?? ''}`)).toEqual([
      'service.updated:',
      'instance.registered:',
      'instance.draining:',
      'instance.deregistered:drained',
      'service.removed:',
    ]);
  });

  it('two reapers racing remove each expiry once, with one event each', async () => {
    for (let i = 0; i < 40; i += 1)
      await register('orders', `i-${i}`, { ttlSeconds: 5, port: 9000 + i });
    h.clock.advance(5000);
    // Two replicas: separate connections, small batches, so their scripts interleave in Redis.
    const connections = [h.redis.duplicate(), h.redis.duplicate()];
    try {
      await waitFor(() => connections.every((c) => c.status === 'ready'), {
        what: 'replica connections',
      });
      const [a, b] = connections.map(
        (connection) =>
          new Reaper(
            new RedisInstanceRepository(connection, h.prefix, h.config.eventsMaxLen),
            { intervalMs: 1000, batchSize: 3 },
            h.clock.read,
            pino({ level: 'silent' }),
          ),
      ) as [Reaper, Reaper];
      const [ra, rb] = await Promise.all([a.reapOnce(), b.reapOnce()]);
      const all = [...ra, ...rb];
      expect(all).toHaveLength(40);
      expect(new Set(all).size).toBe(40);
      const events = await readEvents(h);
      const expired = events.filter((e) => e.type === 'instance.expired');
      expect(expired).toHaveLength(40);
      expect(new Set(expired.map((e) => e.instanceId)).size).toBe(40);
      expect(events.filter((e) => e.type === 'service.removed')).toHaveLength(1);
      expect(await h.redis.zcard(h.repository.keys.leases)).toBe(0);
    } finally {
      for (const connection of connections) connection.disconnect();
    }
  });

  it('a prefix whose owner expired is free at once, even before the reaper ran', async () => {
    await register('orders', 'i-1', { ttlSeconds: 5 });
    h.clock.advance(5000);
    const res = await register('billing', 'b-1', { prefix: '/orders' });
    expect(res.status).toBe(201);
    const events = await readEvents(h);
    expect(events.filter((e) => e.type === 'instance.expired')).toEqual([
      expect.objectContaining({ service: 'orders', instanceId: 'i-1', reason: 'expired' }),
    ]);
  });

  it('re-registering a draining instance takes it out of draining', async () => {
    await register('orders', 'i-1');
    await request(h.app)
      .delete('/v1/services/orders/instances/i-1?drain=true')
      .set('Authorization', `Bearer ${h.admin}`);
    const again = await register('orders', 'i-1');
    expect(again.body).toMatchObject({
      instance: { draining: false, weight: 100, drainUntil: null },
    });
    h.clock.advance(10_000);
    expect(await h.reaper().reapOnce()).toEqual([]);
  });

  it('the periodic reaper removes an expired instance on its own (real clock, short TTL)', async () => {
    const live = await createHarness({
      REGISTRY_LEASE_MIN_TTL_SECONDS: '1',
      REGISTRY_REAPER_INTERVAL_MS: '50',
    });
    const reaper = live.reaper();
    try {
      live.clock.now = Date.now();
      await request(live.app)
        .put('/v1/services/orders/instances/i-1')
        .set('Authorization', `Bearer ${live.admin}`)
        .send(registration({ ttlSeconds: 1 }));
      // The harness clock is fake; let it follow real time for this test.
      const tick = setInterval(() => {
        live.clock.now = Date.now();
      }, 20);
      reaper.start();
      try {
        await waitFor(
          async () => (await live.redis.hlen(live.repository.keys.instances('orders'))) === 0,
          {
            what: 'the reaper to remove the instance',
          },
        );
      } finally {
        clearInterval(tick);
      }
      expect(await live.redis.zcard(live.repository.keys.leases)).toBe(0);
    } finally {
      await reaper.stop();
      await live.close();
    }
  });
});
