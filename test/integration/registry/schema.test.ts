/**
 * The stored-data format stamp ({p}schema, registry/src/instances/schema.ts): data from before
 * it is read as it is and stamped by the first write; a registry that meets a newer stamp refuses
 * every write (503 REG_ERR_SCHEMA_TOO_NEW, nothing written), says why once in its log and in
 * /readyz, and keeps serving reads. The index watermark lets the prefix check notice a registry
 * from before the stamp changing prefixes behind the index's back, even when the sizes agree.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { SCHEMA_VERSION } from '@kong-registry/registry';
import { createHarness, registration, type Harness } from './harness';

let h: Harness;
let lines: { level: number; msg: string; component?: string }[];

beforeEach(async () => {
  lines = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as (typeof lines)[number]);
      }
      done();
    },
  });
  h = await createHarness({}, { label: 'schema', logger: pino({ level: 'info' }, stream) });
});

afterEach(async () => {
  await h.close();
});

const register = (service: string, id: string, extra: Record<string, unknown> = {}) =>
  request(h.app)
    .put(`/v1/services/${service}/instances/${id}`)
    .set('Authorization', `Bearer ${h.tokenFor(service)}`)
    .send(registration(extra));

const schemaHash = () => h.redis.hgetall(h.repository.keys.schema);
const revision = async () => (await h.redis.get(h.repository.keys.revision)) ?? '0';

/**
 * Writes as a registry from before the index (and the stamp) did: the owners hash, the service's
 * keys and the revision, but neither the index nor the watermark.
 */
async function legacyRelease(service: string, prefix: string): Promise<void> {
  const k = h.repository.keys;
  await h.redis
    .multi()
    .hdel(k.prefixes, prefix)
    .del(k.definition(service), k.instances(service))
    .zrem(k.leases, k.leaseMember(service, 'i-1'))
    .srem(k.services, service)
    .incr(k.revision)
    .exec();
}
async function legacyClaim(service: string, prefix: string): Promise<void> {
  const k = h.repository.keys;
  const now = new Date(h.clock.now).toISOString();
  const instance = {
    ...{ service, instanceId: 'i-1', host: '10.0.0.9', port: 8080, protocol: 'http' },
    ...{ version: null, weight: 100, metadata: {}, ttlSeconds: 15, registeredAt: now },
    ...{ lastHeartbeatAt: now, leaseExpiresAt: now, draining: false, drainUntil: null },
    gatewayHealth: null,
  };
  const definition = { prefix, stripPrefix: true, auth: 'none', protocol: 'http' };
  await h.redis
    .multi()
    .hset(k.prefixes, prefix, service)
    .set(k.definition(service), JSON.stringify(definition))
    .hset(k.instances(service), 'i-1', JSON.stringify(instance))
    .zadd(k.leases, h.clock.now + 15_000, k.leaseMember(service, 'i-1'))
    .sadd(k.services, service)
    .incr(k.revision)
    .exec();
}

describe('data from before the stamp (format 1)', () => {
  it('is read as it is, stamped by the first write, and its index rebuilt', async () => {
    expect((await register('orders', 'i-1')).status).toBe(201);
    // As a release from before the stamp and the index leaves it.
    await h.redis.del(h.repository.keys.schema, h.repository.keys.prefixIndex);
    const ready = await request(h.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      redis: 'up',
      schema: { stored: 1, supported: SCHEMA_VERSION },
    });
    const listed = await request(h.app)
      .get('/v1/services')
      .set('Authorization', `Bearer ${h.admin}`);
    expect(listed.body.services.map((s: { name: string }) => s.name)).toEqual(['orders']);

    // A refused registration writes nothing, the stamp included.
    const before = await h.dumpKeys();
    expect((await register('shop', 'i-1', { prefix: '/orders/shop' })).status).toBe(409);
    expect(await h.dumpKeys()).toEqual(before);

    expect((await register('users', 'i-1')).status).toBe(201);
    expect(await schemaHash()).toEqual({
      version: String(SCHEMA_VERSION),
      'index-revision': await revision(),
    });
    expect(await h.redis.zrange(h.repository.keys.prefixIndex, 0, -1)).toEqual([
      '/orders',
      '/users',
    ]);
    expect((await request(h.app).get('/readyz')).body.schema).toEqual({
      stored: SCHEMA_VERSION,
      supported: SCHEMA_VERSION,
    });
  });

  it('every kind of write stamps it (a heartbeat too)', async () => {
    expect((await register('orders', 'i-1')).status).toBe(201);
    await h.redis.del(h.repository.keys.schema);
    const beat = await request(h.app)
      .put('/v1/services/orders/instances/i-1/heartbeat')
      .set('Authorization', `Bearer ${h.tokenFor('orders')}`);
    expect(beat.status).toBe(200);
    expect(await h.redis.hget(h.repository.keys.schema, 'version')).toBe(String(SCHEMA_VERSION));
  });

  it('a pre-stamp registry releasing one prefix and claiming another (same sizes) misses no conflict', async () => {
    expect((await register('orders', 'i-1')).status).toBe(201);
    expect((await register('billing', 'i-1')).status).toBe(201);
    expect(await schemaHash()).toEqual({ version: '2', 'index-revision': await revision() });

    // Beside this one, a registry from before the index removes billing and registers legacy
    // under /legacy/api: the owners hash and the index still hold two prefixes each, but the
    // index lacks /legacy/api. Only the revision has moved past the watermark.
    await legacyRelease('billing', '/billing');
    await legacyClaim('legacy', '/legacy/api');
    const k = h.repository.keys;
    expect(await h.redis.hlen(k.prefixes)).toBe(await h.redis.zcard(k.prefixIndex));

    const before = await h.dumpKeys();
    const res = await register('newcomer', 'i-1', { prefix: '/legacy' });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain("service 'legacy'");
    expect(await h.dumpKeys()).toEqual(before);

    // The next success rebuilds the index and brings the watermark up to date.
    expect((await register('newcomer', 'i-1', { prefix: '/new' })).status).toBe(201);
    expect(await h.redis.zrange(k.prefixIndex, 0, -1)).toEqual(['/legacy/api', '/new', '/orders']);
    expect((await schemaHash())['index-revision']).toBe(await revision());
    expect((await register('other', 'i-1', { prefix: '/legacy' })).status).toBe(409);
  });

  it('changes made by this release keep the watermark current through every kind of write', async () => {
    const k = h.repository.keys;
    const admin = { Authorization: `Bearer ${h.admin}` };
    expect((await register('orders', 'i-1', { ttlSeconds: 5 })).status).toBe(201);
    expect((await register('users', 'i-1')).status).toBe(201);
    const steps = [
      () => request(h.app).post('/v1/consumers').set(admin).send({ username: 'alice' }),
      () =>
        request(h.app)
          .put('/v1/services/users/instances/i-1/gateway-health')
          .set(admin)
          .send({ status: 'UNHEALTHY' }),
      () => request(h.app).delete('/v1/services/users/instances/i-1?drain=true').set(admin),
      () => request(h.app).delete('/v1/services/users/instances/i-1').set(admin),
    ];
    for (const step of steps) {
      expect((await step()).status).toBeLessThan(300);
      expect((await schemaHash())['index-revision']).toBe(await revision());
    }
    h.clock.advance(6_000);
    expect(await h.reaper().reapOnce()).toEqual(['orders/i-1/expired']);
    expect((await schemaHash())['index-revision']).toBe(await revision());
    expect(await h.redis.zcard(k.prefixIndex)).toBe(0);
  });
});

describe('data stamped with a newer format', () => {
  const newer = String(SCHEMA_VERSION + 1);

  it('refuses every write with 503 and writes nothing; reads go on; /readyz and one log line say why', async () => {
    const admin = { Authorization: `Bearer ${h.admin}` };
    const orders = { Authorization: `Bearer ${h.tokenFor('orders')}` };
    expect((await register('orders', 'i-1', { ttlSeconds: 5 })).status).toBe(201);
    expect((await register('users', 'i-1')).status).toBe(201);
    expect(
      (await request(h.app).post('/v1/consumers').set(admin).send({ username: 'bob' })).status,
    ).toBe(201);
    await request(h.app).get('/readyz');
    lines.length = 0;
    await h.redis.hset(h.repository.keys.schema, 'version', newer);
    const before = await h.dumpKeys();

    const writes: [string, () => request.Test][] = [
      // The first goes through Express, the second (token now cached) through the hot lane.
      ['register (Express)', () => register('orders', 'i-2')],
      ['register (hot lane)', () => register('orders', 'i-3')],
      ['new service', () => register('billing', 'i-1')],
      [
        'heartbeat',
        () => request(h.app).put('/v1/services/orders/instances/i-1/heartbeat').set(orders),
      ],
      [
        'drain',
        () => request(h.app).delete('/v1/services/orders/instances/i-1?drain=true').set(orders),
      ],
      ['deregister', () => request(h.app).delete('/v1/services/orders/instances/i-1').set(orders)],
      [
        'gateway health',
        () =>
          request(h.app)
            .put('/v1/services/users/instances/i-1/gateway-health')
            .set(admin)
            .send({ status: 'UNHEALTHY' }),
      ],
      [
        'consumer',
        () => request(h.app).post('/v1/consumers').set(admin).send({ username: 'carol' }),
      ],
      ['consumer delete', () => request(h.app).delete('/v1/consumers/bob').set(admin)],
    ];
    for (const [what, send] of writes) {
      const res = await send();
      expect([what, res.status, res.body.code]).toEqual([what, 503, 'REG_ERR_SCHEMA_TOO_NEW']);
      expect(res.body.message).toContain(`format ${newer}, newer than this registry understands`);
    }
    h.clock.advance(6_000);
    await expect(h.reaper().reapOnce()).rejects.toMatchObject({ code: 'REG_ERR_SCHEMA_TOO_NEW' });
    expect(await h.dumpKeys()).toEqual(before);

    const state = await request(h.app).get('/v1/state').set(admin);
    expect(state.status).toBe(200);
    expect(state.body.services.map((s: { name: string }) => s.name)).toEqual(['orders', 'users']);

    for (let i = 0; i < 3; i += 1) {
      const ready = await request(h.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: 'not-ready',
        redis: 'up',
        schema: { stored: Number(newer), supported: SCHEMA_VERSION },
        reason: expect.stringContaining(`format ${newer}, newer than this registry understands`),
      });
    }
    // Each refused request still has its access line (5xx: error); besides those, one line says why.
    const said = lines.filter((l) => l.level >= 40 && !('res' in l));
    expect(said).toEqual([
      expect.objectContaining({
        level: 50,
        component: 'schema',
        storedFormat: Number(newer),
        supportedFormat: SCHEMA_VERSION,
        msg: expect.stringContaining('refuses every write'),
      }),
    ]);

    // A registry of that format gone and the stamp back: writes resume by themselves.
    await h.redis.hset(h.repository.keys.schema, 'version', String(SCHEMA_VERSION));
    expect((await request(h.app).get('/readyz')).status).toBe(200);
    expect((await register('orders', 'i-2')).status).toBe(201);
    expect(lines.map((l) => l.msg)).toContain(
      `the stored data is format ${SCHEMA_VERSION} again: writes accepted`,
    );
  });

  it('refuses an unreadable stamp the same way', async () => {
    expect((await register('orders', 'i-1')).status).toBe(201);
    await h.redis.hset(h.repository.keys.schema, 'version', 'v3-beta');
    const res = await register('orders', 'i-2');
    expect(res.status).toBe(503);
    expect(res.body.message).toContain('an unreadable format');
    expect((await request(h.app).get('/readyz')).body.schema).toEqual({
      stored: null,
      supported: SCHEMA_VERSION,
    });
  });
});
