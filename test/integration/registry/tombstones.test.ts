/**
 * Every removal leaves a tombstone {service, instanceId, reason, revision, at}, written by the same
 * script as the removal and its event, returned by GET /v1/state from the same read as the
 * instances, and kept REGISTRY_TOMBSTONE_SECONDS.
 */
import request from 'supertest';
import {
  STATE_SCOPE_MAX_SERVICES,
  type RegistryEvent,
  type StateSnapshot,
} from '@kong-registry/sdk';
import { createHarness, registration, type Harness } from './harness';

const RETENTION_SECONDS = 60;

describe('registry: tombstones', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({
      REGISTRY_DRAIN_SECONDS: '10',
      REGISTRY_TOMBSTONE_SECONDS: String(RETENTION_SECONDS),
    });
  });
  afterEach(async () => {
    await h.close();
  });

  const register = (service: string, id: string, extra: Record<string, unknown> = {}) =>
    request(h.app)
      .put(`/v1/services/${service}/instances/${id}`)
      .set('Authorization', `Bearer ${h.admin}`)
      .send(registration({ port: 9000 + Number(id.replace(/\D/g, '')), ...extra }));
  const remove = (service: string, id: string, token: string, query = '') =>
    request(h.app)
      .delete(`/v1/services/${service}/instances/${id}${query}`)
      .set('Authorization', `Bearer ${token}`);
  const state = async (): Promise<StateSnapshot> =>
    (await request(h.app).get('/v1/state').set('Authorization', `Bearer ${h.admin}`))
      .body as StateSnapshot;
  const removalEvents = async (): Promise<Partial<RegistryEvent>[]> => {
    const entries = (await h.redis.xrange(h.repository.keys.events, '-', '+')) as [
      string,
      string[],
    ][];
    return entries
      .map(([, fields]) => JSON.parse(fields[1] ?? '{}') as RegistryEvent)
      .filter((e) => e.reason !== undefined)
      .map(({ instanceId, reason, revision, at }) => ({ instanceId, reason, revision, at }));
  };

  it('records why and when each instance left, with the revision and reason of its event', async () => {
    for (const id of ['i-1', 'i-2', 'i-3', 'i-4', 'i-5'])
      await register('orders', id, { ttlSeconds: id === 'i-3' ? 5 : 300 });
    const start = h.clock.now;
    expect((await remove('orders', 'i-1', h.tokenFor('orders'))).status).toBe(204);
    h.clock.advance(1000);
    expect((await remove('orders', 'i-2', h.admin)).status).toBe(204);
    expect((await remove('orders', 'i-4', h.admin, '?drain=true')).status).toBe(202);
    h.clock.advance(10_000);
    expect((await h.reaper().reapOnce()).sort()).toEqual([
      'orders/i-3/expired',
      'orders/i-4/drained',
    ]);

    const snapshot = await state();
    expect(snapshot.services[0]?.instances.map((i) => i.instanceId)).toEqual(['i-5']);
    const iso = (ms: number): string => new Date(ms).toISOString();
    const tombstone = (instanceId: string, reason: string, at: number) => ({
      service: 'orders',
      instanceId,
      reason,
      revision: expect.any(Number),
      at: iso(at),
    });
    // Oldest first: i-3's lease ran out before i-4's drain ended.
    expect(snapshot.tombstones).toEqual([
      tombstone('i-1', 'deregistered', start),
      tombstone('i-2', 'deleted', start + 1000),
      tombstone('i-3', 'expired', start + 11_000),
      tombstone('i-4', 'drained', start + 11_000),
    ]);
    // Each tombstone is its removal event's record: same reason, revision and time.
    expect(
      snapshot.tombstones.map(({ instanceId, reason, revision, at }) => ({
        instanceId,
        reason,
        revision,
        at,
      })),
    ).toEqual(await removalEvents());
  });

  it('a removal that removes nothing leaves no tombstone', async () => {
    expect((await remove('orders', 'i-9', h.admin)).status).toBe(404);
    expect((await state()).tombstones).toEqual([]);
    expect(await h.redis.exists(h.repository.keys.tombstones)).toBe(0);
  });

  it('keeps a tombstone for the retention, then leaves it out and prunes it', async () => {
    await register('orders', 'i-1');
    await register('orders', 'i-2', { ttlSeconds: 300 });
    await remove('orders', 'i-1', h.admin);
    h.clock.advance(RETENTION_SECONDS * 1000 - 1);
    expect((await state()).tombstones.map((t) => t.instanceId)).toEqual(['i-1']);
    h.clock.advance(1);
    expect((await state()).tombstones.map((t) => t.instanceId)).toEqual(['i-1']);
    h.clock.advance(1);
    // Past the retention: no longer in the state, even before anything pruned it...
    expect((await state()).tombstones).toEqual([]);
    expect(await h.redis.hlen(h.repository.keys.tombstones)).toBe(1);
    // ...and gone from Redis after the next reaper pass, which prunes even with nothing to reap.
    expect(await h.reaper().reapOnce()).toEqual([]);
    expect(await h.redis.hlen(h.repository.keys.tombstones)).toBe(0);
    expect(await h.redis.zcard(h.repository.keys.tombstoneTimes)).toBe(0);
  });

  it('a removal prunes tombstones past the retention too', async () => {
    await register('orders', 'i-1');
    await register('orders', 'i-2');
    await remove('orders', 'i-1', h.admin);
    h.clock.advance(RETENTION_SECONDS * 1000 + 1);
    await remove('orders', 'i-2', h.admin);
    expect(await h.redis.hkeys(h.repository.keys.tombstones)).toEqual(['orders/i-2']);
    expect((await state()).tombstones.map((t) => t.instanceId)).toEqual(['i-2']);
  });

  it('an instance registered again keeps its last tombstone until its next removal', async () => {
    await register('orders', 'i-1', { ttlSeconds: 5 });
    h.clock.advance(5000);
    await h.reaper().reapOnce();
    await register('orders', 'i-1', { ttlSeconds: 300 });
    let snapshot = await state();
    expect(snapshot.services[0]?.instances.map((i) => i.instanceId)).toEqual(['i-1']);
    expect(snapshot.tombstones).toEqual([expect.objectContaining({ reason: 'expired' })]);
    h.clock.advance(1000);
    await remove('orders', 'i-1', h.tokenFor('orders'));
    snapshot = await state();
    expect(snapshot.tombstones).toEqual([
      expect.objectContaining({ instanceId: 'i-1', reason: 'deregistered' }),
    ]);
  });

  it('only GET /v1/state carries tombstones', async () => {
    await register('orders', 'i-1');
    await register('orders', 'i-2');
    await remove('orders', 'i-1', h.admin);
    const list = await request(h.app).get('/v1/services').set('Authorization', `Bearer ${h.admin}`);
    expect(list.body).not.toHaveProperty('tombstones');
    expect((await state()).tombstones).toHaveLength(1);
  });
  it('?service= reads only the named services, their tombstones, and no consumers', async () => {
    await register('orders', 'i-1');
    await register('orders', 'i-2');
    await register('users', 'i-3', { prefix: '/users' });
    await register('stock', 'i-4', { prefix: '/stock' });
    expect((await remove('orders', 'i-2', h.admin)).status).toBe(204);
    expect((await remove('users', 'i-3', h.admin)).status).toBe(204);
    await request(h.app)
      .post('/v1/consumers')
      .set('Authorization', `Bearer ${h.admin}`)
      .send({ username: 'alice' });
    const whole = await state();

    const scoped = (query: string) =>
      request(h.app).get(`/v1/state${query}`).set('Authorization', `Bearer ${h.admin}`);
    const res = await scoped('?service=users&service=orders,stock&service=orders');
    expect(res.status).toBe(200);
    const snapshot = res.body as StateSnapshot;
    expect(snapshot.scope).toEqual(['orders', 'stock', 'users']);
    expect(snapshot.revision).toBe(whole.revision);
    // users has no live instance left: absent, as in the whole state.
    expect(snapshot.services.map((s) => s.name)).toEqual(['orders', 'stock']);
    expect(snapshot.services).toEqual(whole.services.filter((s) => s.name !== 'users'));
    expect(snapshot.consumers).toEqual([]);
    expect(whole.consumers.map((c) => c.username)).toEqual(['alice']);
    expect(snapshot.tombstones.map((t) => `${t.service}/${t.instanceId}`)).toEqual([
      'orders/i-2',
      'users/i-3',
    ]);
    const onlyStock = (await scoped('?service=stock')).body as StateSnapshot;
    expect(onlyStock.tombstones).toEqual([]);
    expect(whole.scope).toBeUndefined();

    const bad = await scoped('?service=Not_A_Name');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'REG_ERR_VALIDATION' });
    const many = Array.from({ length: STATE_SCOPE_MAX_SERVICES + 1 }, (_, i) => `s${i}`).join(',');
    const tooMany = await scoped(`?service=${many}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain(`at most ${STATE_SCOPE_MAX_SERVICES} services`);
  });
});
