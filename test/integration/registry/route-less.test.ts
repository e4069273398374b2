/**
 * Route-less services (`route: false`: queue consumers, workers, GPU jobs) on the real registry
 * and Redis: they hold leases and report their own health with heartbeats, carry labels, and
 * claim no prefix; switching a service between routed and route-less releases and claims its
 * prefix. Also the `?label=` filter of `GET /v1/services`.
 */
import request from 'supertest';
import type { Instance, ServiceList } from '@kong-registry/sdk';
import { createHarness, registration, type Harness } from './harness';

let h: Harness;

beforeEach(async () => {
  h = await createHarness({}, { label: 'routeless' });
});

afterEach(async () => {
  await h.close();
});

const register = (service: string, id: string, extra: Record<string, unknown> = {}) =>
  request(h.app)
    .put(`/v1/services/${service}/instances/${id}`)
    .set('Authorization', `Bearer ${h.tokenFor(service)}`)
    .send(registration(extra));

const heartbeat = (service: string, id: string, body?: unknown) => {
  const req = request(h.app)
    .put(`/v1/services/${service}/instances/${id}/heartbeat`)
    .set('Authorization', `Bearer ${h.tokenFor(service)}`);
  return body === undefined ? req : req.send(body as object);
};

const services = async (query = ''): Promise<ServiceList> => {
  const res = await request(h.app)
    .get(`/v1/services${query}`)
    .set('Authorization', `Bearer ${h.admin}`);
  expect(res.status).toBe(200);
  return res.body as ServiceList;
};

/** The prefix owners hash and its index, as sorted lists. */
async function prefixes(): Promise<{ owners: Record<string, string>; index: string[] }> {
  const k = h.repository.keys;
  return {
    owners: await h.redis.hgetall(k.prefixes),
    index: await h.redis.zrange(k.prefixIndex, 0, -1),
  };
}

it('registers with no prefix, claims none, and is listed with its labels but not routed', async () => {
  const res = await register('gpu-worker', 'box-2-1', {
    route: false,
    labels: { gpu: 'true', version: '1.4.2', host: 'box-2' },
  });
  expect(res.status).toBe(201);
  expect(res.body.definition).toMatchObject({ route: false, prefix: null });
  expect(res.body.instance).toMatchObject({
    labels: { gpu: 'true', version: '1.4.2', host: 'box-2' },
    selfHealth: null,
  });
  expect(await prefixes()).toEqual({ owners: {}, index: [] });

  const list = await services();
  expect(list.services.map((s) => [s.name, s.definition.route])).toEqual([['gpu-worker', false]]);
  const routes = await request(h.app).get('/v1/routes').set('Authorization', `Bearer ${h.admin}`);
  expect(routes.body.routes).toEqual([]);
});

it('refuses routing fields with route: false, naming them', async () => {
  const res = await register('worker', 'w-1', { route: false, prefix: '/worker', auth: 'jwt' });
  expect(res.status).toBe(400);
  expect(res.body.code).toBe('REG_ERR_VALIDATION');
  expect(res.body.message).toMatch(/route-less.*leave out prefix, auth/);
  expect(await h.redis.exists(h.repository.keys.definition('worker'))).toBe(0);
});

it('refuses bad labels with a clear error and stores nothing', async () => {
  const res = await register('worker', 'w-1', { route: false, labels: { 'gpu model': 'a100' } });
  expect(res.status).toBe(400);
  expect(res.body.code).toBe('REG_ERR_VALIDATION');
  expect(res.body.details).toEqual([
    { path: 'labels.gpu model', message: expect.stringMatching(/^label keys are/) },
  ]);
  expect(await h.redis.exists(h.repository.keys.definition('worker'))).toBe(0);
});

it('stores the health a heartbeat reports, keeps it across plain heartbeats and refreshes', async () => {
  expect((await register('worker', 'w-1', { route: false })).status).toBe(201);
  h.clock.advance(1000);
  const unhealthy = await heartbeat('worker', 'w-1', {
    health: { status: 'unhealthy', detail: 'queue broker unreachable' },
  });
  expect(unhealthy.status).toBe(200);
  const reportedAt = new Date(h.clock.now).toISOString();
  expect(unhealthy.body.instance.selfHealth).toEqual({
    status: 'unhealthy',
    detail: 'queue broker unreachable',
    reportedAt,
  });

  h.clock.advance(1000);
  expect((await heartbeat('worker', 'w-1')).body.instance.selfHealth).toEqual({
    status: 'unhealthy',
    detail: 'queue broker unreachable',
    reportedAt,
  });
  expect((await register('worker', 'w-1', { route: false })).body.instance.selfHealth).toEqual({
    status: 'unhealthy',
    detail: 'queue broker unreachable',
    reportedAt,
  });
  const [instance] = (await services()).services[0]!.instances as [Instance];
  expect(instance.selfHealth?.status).toBe('unhealthy');

  const healthy = await heartbeat('worker', 'w-1', { health: { status: 'healthy' } });
  expect(healthy.body.instance.selfHealth).toEqual({
    status: 'healthy',
    detail: null,
    reportedAt: new Date(h.clock.now).toISOString(),
  });
});

it('records an instance.health event when the reported status changes, and only then', async () => {
  expect((await register('orders', 'o-1')).status).toBe(201);
  const k = h.repository.keys;
  const healthEvents = async (): Promise<{ type: string; service: string; instanceId: string }[]> =>
    (await h.redis.xrange(k.events, '-', '+'))
      .map(
        ([, fields]) =>
          JSON.parse(fields[1]!) as { type: string; service: string; instanceId: string },
      )
      .filter((event) => event.type === 'instance.health');
  const revision = Number(await h.redis.get(k.revision));

  await heartbeat('orders', 'o-1', { health: { status: 'healthy' } });
  await heartbeat('orders', 'o-1', { health: { status: 'healthy', detail: 'still fine' } });
  await heartbeat('orders', 'o-1', { health: { status: 'unhealthy', detail: 'db down' } });
  await heartbeat('orders', 'o-1', { health: { status: 'unhealthy', detail: 'db still down' } });
  await heartbeat('orders', 'o-1');

  // First report (none before), then the one change to unhealthy: two routing changes.
  expect(await healthEvents()).toEqual([
    expect.objectContaining({ service: 'orders', instanceId: 'o-1' }),
    expect.objectContaining({ service: 'orders', instanceId: 'o-1' }),
  ]);
  expect(Number(await h.redis.get(k.revision))).toBe(revision + 2);
});

it('refuses a bad health report with 400 and leaves the lease as it was', async () => {
  expect((await register('worker', 'w-1', { route: false })).status).toBe(201);
  const before = await h.redis.zscore(h.repository.keys.leases, 'worker/w-1');
  h.clock.advance(1000);
  for (const body of [
    { health: { status: 'ok' } },
    { health: { status: 'unhealthy', detail: 'x'.repeat(201) } },
    { healthy: true },
  ]) {
    const res = await heartbeat('worker', 'w-1', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('REG_ERR_VALIDATION');
    expect(res.body.message).toMatch(/^invalid heartbeat body: /);
  }
  expect(await h.redis.zscore(h.repository.keys.leases, 'worker/w-1')).toBe(before);
});

it('heartbeats of a batch each keep their own health', async () => {
  expect((await register('worker', 'w-1', { route: false })).status).toBe(201);
  expect((await register('worker', 'w-2', { route: false })).status).toBe(201);
  const [a, b, c] = await Promise.all([
    h.repository.heartbeat('worker', 'w-1', h.clock.now, {
      status: 'unhealthy',
      detail: 'a',
      reportedAt: new Date(h.clock.now).toISOString(),
    }),
    h.repository.heartbeat('worker', 'w-2', h.clock.now),
    h.repository.heartbeat('worker', 'w-3', h.clock.now, {
      status: 'healthy',
      detail: null,
      reportedAt: new Date(h.clock.now).toISOString(),
    }),
  ]);
  expect(a?.instance.selfHealth?.detail).toBe('a');
  expect(b?.instance.selfHealth).toBeNull();
  expect(c).toBeNull();
});

it('switching between routed and route-less releases and claims the prefix', async () => {
  expect((await register('jobs', 'j-1')).status).toBe(201);
  expect(await prefixes()).toEqual({ owners: { '/jobs': 'jobs' }, index: ['/jobs'] });

  expect((await register('jobs', 'j-1', { route: false })).status).toBe(200);
  expect(await prefixes()).toEqual({ owners: {}, index: [] });
  // The prefix is free for another service now.
  expect((await register('other', 'o-1', { prefix: '/jobs' })).status).toBe(201);
  expect((await register('other', 'o-1', { prefix: '/other' })).status).toBe(200);

  expect((await register('jobs', 'j-1', { prefix: '/jobs/v2' })).status).toBe(200);
  expect(await prefixes()).toEqual({
    owners: { '/jobs/v2': 'jobs', '/other': 'other' },
    index: ['/jobs/v2', '/other'],
  });
});

it('a route-less service never conflicts, and leaves no prefix behind when it goes', async () => {
  expect((await register('orders', 'o-1')).status).toBe(201);
  // Its default prefix would be /orders-worker; it claims nothing at all.
  expect((await register('worker', 'w-1', { route: false, ttlSeconds: 5 })).status).toBe(201);
  const del = await request(h.app)
    .delete('/v1/services/worker/instances/w-1')
    .set('Authorization', `Bearer ${h.tokenFor('worker')}`);
  expect(del.status).toBe(204);
  expect((await register('worker', 'w-2', { route: false, ttlSeconds: 5 })).status).toBe(201);
  h.clock.advance(6_000);
  expect(await h.reaper().reapOnce()).toContain('worker/w-2/expired');
  expect(await prefixes()).toEqual({ owners: { '/orders': 'orders' }, index: ['/orders'] });
  expect((await services()).services.map((s) => s.name)).toEqual(['orders']);
});

it('filters instances by label: repeated terms must all match, empty services drop out', async () => {
  await register('gpu-worker', 'a', { route: false, labels: { gpu: 'true', host: 'box-1' } });
  await register('gpu-worker', 'b', { route: false, labels: { gpu: 'true', host: 'box-2' } });
  await register('gpu-worker', 'c', { route: false, labels: { gpu: 'false' } });
  await register('orders', 'o', { labels: { host: 'box-2' } });

  const ids = (list: ServiceList) =>
    list.services.map((s) => `${s.name}:${s.instances.map((i) => i.instanceId).join(',')}`);
  expect(ids(await services('?label=gpu%3Dtrue'))).toEqual(['gpu-worker:a,b']);
  expect(ids(await services('?label=gpu=true&label=host%3Dbox-2'))).toEqual(['gpu-worker:b']);
  expect(ids(await services('?label=host=box-2'))).toEqual(['gpu-worker:b', 'orders:o']);
  expect(ids(await services('?label=zone=a'))).toEqual([]);
  expect(ids(await services())).toEqual(['gpu-worker:a,b,c', 'orders:o']);

  for (const bad of ['?label=gpu', '?label=bad%20key=x', '?label=gpu=a%20b']) {
    const res = await request(h.app)
      .get(`/v1/services${bad}`)
      .set('Authorization', `Bearer ${h.admin}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('REG_ERR_VALIDATION');
    expect(res.body.message).toMatch(/^invalid label filter: /);
  }
});

it('/metrics carries per-service and per-instance health, read at scrape time', async () => {
  await register('orders', 'o-1');
  await register('worker', 'w-1', { route: false });
  await register('worker', 'w-2', { route: false });
  await heartbeat('worker', 'w-2', { health: { status: 'unhealthy', detail: 'stuck' } });

  const scrape = async (): Promise<string> => {
    const res = await request(h.app).get('/metrics');
    expect(res.status).toBe(200);
    return res.text;
  };
  const text = await scrape();
  expect(text).toContain('kr_service_instances{service="worker",routed="false"} 2');
  expect(text).toContain('kr_service_healthy_instances{service="worker",routed="false"} 1');
  expect(text).toContain('kr_service_healthy_instances{service="orders",routed="true"} 1');
  expect(text).toContain('kr_instance_up{service="worker",instance_id="w-1",routed="false"} 1');
  expect(text).toContain('kr_instance_up{service="worker",instance_id="w-2",routed="false"} 0');
  expect(text).toContain('kr_instance_series_dropped 0');

  // A removed instance's series is gone at the next scrape, not left at its last value.
  await request(h.app)
    .delete('/v1/services/worker/instances/w-2')
    .set('Authorization', `Bearer ${h.admin}`);
  const after = await scrape();
  expect(after).not.toContain('instance_id="w-2"');
  expect(after).toContain('kr_service_healthy_instances{service="worker",routed="false"} 1');
});
