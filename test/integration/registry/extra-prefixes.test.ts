/**
 * A service that claims several prefixes (`extraPrefixes`: a gRPC server hosting several gRPC
 * services) on the real registry and Redis: every prefix is claimed, checked for conflicts and
 * released like the main one, and each has its row in the route table.
 */
import request from 'supertest';
import type { RouteTable } from '@kong-registry/sdk';
import { createHarness, registration, type Harness } from './harness';

let h: Harness;

beforeEach(async () => {
  h = await createHarness({}, { label: 'extraprefix' });
});

afterEach(async () => {
  await h.close();
});

const register = (service: string, id: string, extra: Record<string, unknown> = {}) =>
  request(h.app)
    .put(`/v1/services/${service}/instances/${id}`)
    .set('Authorization', `Bearer ${h.tokenFor(service)}`)
    .send(registration(extra));

/** The owners hash, prefix → service, and its index. */
async function claims(): Promise<{ owners: Record<string, string>; index: string[] }> {
  const k = h.repository.keys;
  return {
    owners: await h.redis.hgetall(k.prefixes),
    index: await h.redis.zrange(k.prefixIndex, 0, -1),
  };
}

const shop = { protocol: 'grpc', prefix: '/shop.Orders', extraPrefixes: ['/shop.Payments'] };

it('claims every prefix, lists a route row for each, and releases the one dropped', async () => {
  expect((await register('shop', 'i-1', shop)).status).toBe(201);
  expect(await claims()).toEqual({
    owners: { '/shop.Orders': 'shop', '/shop.Payments': 'shop' },
    index: ['/shop.Orders', '/shop.Payments'],
  });
  const routes = await request(h.app).get('/v1/routes').set('Authorization', `Bearer ${h.admin}`);
  expect((routes.body as RouteTable).routes.map((r) => [r.prefix, r.service])).toEqual([
    ['/shop.Orders', 'shop'],
    ['/shop.Payments', 'shop'],
  ]);

  // The next registration lists another extra prefix: the dropped one is released.
  const moved = await register('shop', 'i-1', { ...shop, extraPrefixes: ['/shop.Carts'] });
  expect(moved.status).toBe(200);
  expect(moved.body.definition.extraPrefixes).toEqual(['/shop.Carts']);
  expect((await claims()).owners).toEqual({ '/shop.Orders': 'shop', '/shop.Carts': 'shop' });
});

it('refuses an extra prefix another service owns or nests with, naming that prefix', async () => {
  expect((await register('payments', 'i-1', { prefix: '/shop.Payments' })).status).toBe(201);
  const taken = await register('shop', 'i-1', shop);
  expect(taken.status).toBe(409);
  expect(taken.body).toMatchObject({
    code: 'REG_ERR_PREFIX_CONFLICT',
    message: "prefix /shop.Payments belongs to service 'payments'",
  });
  const nested = await register('shop', 'i-1', { ...shop, extraPrefixes: ['/shop.Payments/v2'] });
  expect(nested.status).toBe(409);
  expect(nested.body.message).toMatch(/^prefix \/shop\.Payments\/v2 nests with \/shop\.Payments/);
  // Nothing of the refused registrations was claimed.
  expect((await claims()).owners).toEqual({ '/shop.Payments': 'payments' });
});

it('releases every prefix when the last instance goes, by deregistration or by expiry', async () => {
  expect((await register('shop', 'i-1', shop)).status).toBe(201);
  const del = await request(h.app)
    .delete('/v1/services/shop/instances/i-1')
    .set('Authorization', `Bearer ${h.admin}`);
  expect(del.status).toBe(204);
  expect(await claims()).toEqual({ owners: {}, index: [] });

  expect((await register('shop', 'i-2', { ...shop, ttlSeconds: 5 })).status).toBe(201);
  h.clock.advance(6_000);
  expect(await h.reaper().reapOnce()).toEqual(['shop/i-2/expired']);
  expect(await claims()).toEqual({ owners: {}, index: [] });
});

it('takes over a claim left by a service that no longer exists, equal or nested', async () => {
  // What a registry from before extraPrefixes leaves when it removes such a service: it
  // releases the main prefix only.
  const k = h.repository.keys;
  const ghosts = ['/shop.Payments', '/shop.Carts', '/legacy/a', '/legacy/b'];
  for (const prefix of ghosts) {
    await h.redis.hset(k.prefixes, prefix, 'ghost');
    await h.redis.zadd(k.prefixIndex, 0, prefix);
  }
  expect((await register('shop', 'i-1', shop)).status).toBe(201); // the same prefix
  expect((await register('carts', 'i-1', { prefix: '/shop.Carts/v2' })).status).toBe(201); // below
  expect((await register('legacy', 'i-1', { prefix: '/legacy' })).status).toBe(201); // above
  expect(await claims()).toEqual({
    owners: {
      '/shop.Orders': 'shop',
      '/shop.Payments': 'shop',
      '/shop.Carts/v2': 'carts',
      '/legacy': 'legacy',
    },
    index: ['/legacy', '/shop.Carts/v2', '/shop.Orders', '/shop.Payments'],
  });
});

it.each([
  [
    'a prefix listed twice',
    { prefix: '/a', extraPrefixes: ['/b', '/b'] },
    'prefix /b is listed twice',
  ],
  [
    'an extra prefix nested in the prefix',
    { prefix: '/a', extraPrefixes: ['/a/b'] },
    'prefixes /a and /a/b nest in each other: list only /a',
  ],
  ['a malformed extra prefix', { extraPrefixes: ['no-slash'] }, 'extraPrefixes.0'],
  [
    'more than 16 extra prefixes',
    { extraPrefixes: Array.from({ length: 17 }, (_, i) => `/p${i}`) },
    'extraPrefixes',
  ],
  [
    'extra prefixes on a route-less service',
    { route: false, extraPrefixes: ['/b'] },
    'extraPrefixes',
  ],
])('refuses %s with 400, claiming nothing', async (_label, extra, words) => {
  const res = await register('svc', 'i-1', extra);
  expect(res.status).toBe(400);
  expect(res.body.code).toBe('REG_ERR_VALIDATION');
  expect(JSON.stringify(res.body)).toContain(words);
  expect((await claims()).owners).toEqual({});
});
