import request from 'supertest';
import type { LeaseReply, ServiceView, StateSnapshot } from '@kong-registry/sdk';
import { createHarness, registration, type Harness } from './harness';

describe('registry: register, heartbeat, deregister', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const put = (path: string, body: unknown, token = h.admin) =>
    request(h.app)
      .put(path)
      .set('Authorization', `Bearer ${token}`)
      .send(body as object);

  it('registers an instance with defaults and returns the lease', async () => {
    const res = await put(
      '/v1/services/orders/instances/i-1',
      registration(),
      h.tokenFor('orders'),
    );
    expect(res.status).toBe(201);
    const reply = res.body as LeaseReply;
    expect(reply.instance).toMatchObject({
      service: 'orders',
      instanceId: 'i-1',
      host: '10.0.0.1',
      port: 8080,
      protocol: 'http',
      weight: 100,
      ttlSeconds: 15,
      draining: false,
      version: null,
      metadata: {},
      labels: {},
      selfHealth: null,
    });
    expect(reply.heartbeatIntervalSeconds).toBe(5);
    expect(reply.leaseExpiresAt).toBe(new Date(h.clock.now + 15_000).toISOString());
    expect(reply.definition).toEqual({
      route: true,
      prefix: '/orders',
      stripPrefix: true,
      protocol: 'http',
      auth: { type: 'none', allowGroups: [] },
      healthCheck: {
        path: '/health',
        intervalSeconds: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        timeoutSeconds: 2,
      },
    });
  });

  it('uses the caller address when host is absent', async () => {
    const res = await put('/v1/services/orders/instances/i-1', { port: 8080 });
    expect(res.status).toBe(201);
    expect(['127.0.0.1', '::1']).toContain((res.body as LeaseReply).instance.host);
  });

  it('re-registration is idempotent: 200, same registeredAt, one instance, new lease', async () => {
    const first = await put('/v1/services/orders/instances/i-1', registration());
    h.clock.advance(2000);
    const second = await put('/v1/services/orders/instances/i-1', registration());
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    const a = (first.body as LeaseReply).instance;
    const b = (second.body as LeaseReply).instance;
    expect(b.registeredAt).toBe(a.registeredAt);
    expect(Date.parse(b.leaseExpiresAt) - Date.parse(a.leaseExpiresAt)).toBe(2000);
    const view = await request(h.app)
      .get('/v1/services/orders')
      .set('Authorization', `Bearer ${h.admin}`);
    expect((view.body as ServiceView).instances).toHaveLength(1);
  });

  it('heartbeat renews the lease by the TTL from now', async () => {
    await put('/v1/services/orders/instances/i-1', registration({ ttlSeconds: 30 }));
    h.clock.advance(10_000);
    const res = await put(
      '/v1/services/orders/instances/i-1/heartbeat',
      undefined,
      h.tokenFor('orders'),
    );
    expect(res.status).toBe(200);
    const reply = res.body as LeaseReply;
    expect(reply.leaseExpiresAt).toBe(new Date(h.clock.now + 30_000).toISOString());
    expect(reply.instance.lastHeartbeatAt).toBe(new Date(h.clock.now).toISOString());
    expect(reply.heartbeatIntervalSeconds).toBe(10);
  });

  it('heartbeat renews each instance by its own stored TTL, in the reply, the hash and the leases set', async () => {
    // Odd milliseconds across a year boundary check the script's date formatting too.
    h.clock.now = Date.parse('2030-12-31T23:59:50.000Z');
    await put('/v1/services/orders/instances/i-1', registration({ ttlSeconds: 7 }));
    await put('/v1/services/orders/instances/i-2', registration({ port: 8081, ttlSeconds: 45 }));
    h.clock.advance(4_321);
    for (const [id, ttl] of [
      ['i-1', 7],
      ['i-2', 45],
    ] as const) {
      const res = await put(
        `/v1/services/orders/instances/${id}/heartbeat`,
        undefined,
        h.tokenFor('orders'),
      );
      expect(res.status).toBe(200);
      const deadline = h.clock.now + ttl * 1000;
      const reply = res.body as LeaseReply;
      expect(reply.leaseExpiresAt).toBe(new Date(deadline).toISOString());
      expect(reply.instance.leaseExpiresAt).toBe(reply.leaseExpiresAt);
      expect(reply.instance.ttlSeconds).toBe(ttl);
      const member = h.repository.keys.leaseMember('orders', id);
      expect(Number(await h.redis.zscore(h.repository.keys.leases, member))).toBe(deadline);
      const stored = await h.redis.hget(h.repository.keys.instances('orders'), id);
      expect(JSON.parse(stored ?? '{}')).toEqual(reply.instance);
    }
  });

  it('heartbeat after the lease ran out is 404 REG_ERR_LEASE_NOT_FOUND, even before the reaper ran', async () => {
    await put('/v1/services/orders/instances/i-1', registration());
    h.clock.advance(15_000);
    const res = await put('/v1/services/orders/instances/i-1/heartbeat', undefined);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'REG_ERR_LEASE_NOT_FOUND' });
  });

  it('heartbeat of an unknown instance is 404', async () => {
    const res = await put('/v1/services/orders/instances/nope/heartbeat', {});
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'REG_ERR_LEASE_NOT_FOUND' });
  });

  it('deregister removes the instance, the service and its prefix at once', async () => {
    await put('/v1/services/orders/instances/i-1', registration());
    const del = await request(h.app)
      .delete('/v1/services/orders/instances/i-1')
      .set('Authorization', `Bearer ${h.tokenFor('orders')}`);
    expect(del.status).toBe(204);
    const view = await request(h.app)
      .get('/v1/services/orders')
      .set('Authorization', `Bearer ${h.admin}`);
    expect(view.status).toBe(404);
    // The prefix is free again for another service.
    const other = await put(
      '/v1/services/billing/instances/b-1',
      registration({ prefix: '/orders' }),
    );
    expect(other.status).toBe(201);
    const again = await request(h.app)
      .delete('/v1/services/orders/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ code: 'REG_ERR_INSTANCE_NOT_FOUND' });
  });

  it('state carries a revision that increases with every change', async () => {
    const read = async () =>
      (await request(h.app).get('/v1/state').set('Authorization', `Bearer ${h.admin}`))
        .body as StateSnapshot;
    const r0 = (await read()).revision;
    await put('/v1/services/orders/instances/i-1', registration());
    const r1 = (await read()).revision;
    await put('/v1/services/orders/instances/i-2', registration({ port: 8081 }));
    const s2 = await read();
    expect(r1).toBeGreaterThan(r0);
    expect(s2.revision).toBeGreaterThan(r1);
    expect(s2.services[0]?.instances.map((i) => i.instanceId)).toEqual(['i-1', 'i-2']);
    // Heartbeats move no routing state: same revision.
    await put('/v1/services/orders/instances/i-1/heartbeat', undefined);
    expect((await read()).revision).toBe(s2.revision);
  });

  it('stores exactly 100 instances from 100 concurrent registrations', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        put(`/v1/services/orders/instances/i-${i}`, registration({ port: 9000 + i })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 201));
    expect(await h.redis.hlen(h.repository.keys.instances('orders'))).toBe(100);
    expect(await h.redis.zcard(h.repository.keys.leases)).toBe(100);
    const state = (await request(h.app).get('/v1/state').set('Authorization', `Bearer ${h.admin}`))
      .body as StateSnapshot;
    expect(state.services[0]?.instances).toHaveLength(100);
    expect(state.revision).toBe(100);
  });

  it('lists services and the route table for service tokens too', async () => {
    await put(
      '/v1/services/orders/instances/i-1',
      registration({ auth: { type: 'jwt', allowGroups: ['staff'] } }),
    );
    await put(
      '/v1/services/billing/instances/b-1',
      registration({ prefix: '/pay/billing', stripPrefix: false }),
    );
    const token = h.tokenFor('orders');
    const services = await request(h.app)
      .get('/v1/services')
      .set('Authorization', `Bearer ${token}`);
    expect(services.status).toBe(200);
    expect((services.body as { services: ServiceView[] }).services.map((s) => s.name)).toEqual([
      'billing',
      'orders',
    ]);
    const routes = await request(h.app).get('/v1/routes').set('Authorization', `Bearer ${token}`);
    expect(routes.body).toMatchObject({
      routes: [
        {
          prefix: '/orders',
          service: 'orders',
          auth: { type: 'jwt', allowGroups: ['staff'] },
          instances: 1,
          healthyInstances: 1,
        },
        { prefix: '/pay/billing', service: 'billing', stripPrefix: false, instances: 1 },
      ],
    });
  });
});
