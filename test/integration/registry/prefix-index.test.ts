/**
 * register.lua finds nested prefixes (segment by segment) through a lexicographic index ({p}prefix-index) kept
 * next to the owners hash ({p}prefixes), instead of reading every prefix on each registration.
 * The index must mirror the hash through every write, and data without it (written before it
 * existed) must get the same 409s and be indexed by the next successful registration.
 */
import request from 'supertest';
import { createHarness, registration, type Harness } from './harness';

let h: Harness;

beforeEach(async () => {
  h = await createHarness({}, { label: 'prefixidx' });
});

afterEach(async () => {
  await h.close();
});

const register = (
  service: string,
  id: string,
  extra: Record<string, unknown> = {},
  token?: string,
) =>
  request(h.app)
    .put(`/v1/services/${service}/instances/${id}`)
    .set('Authorization', `Bearer ${token ?? h.tokenFor(service)}`)
    .send(registration(extra));

/** The index and the owners hash, both as sorted lists of prefixes. */
async function indexAndHash(): Promise<{ index: string[]; hash: string[] }> {
  const k = h.repository.keys;
  return {
    index: await h.redis.zrange(k.prefixIndex, 0, -1),
    hash: (await h.redis.hkeys(k.prefixes)).sort(),
  };
}

it('mirrors the owners hash through register, prefix change, deregister and reap', async () => {
  expect((await register('orders', 'i-1')).status).toBe(201);
  expect((await register('billing', 'i-1', { ttlSeconds: 5 })).status).toBe(201);
  expect((await register('users', 'i-1')).status).toBe(201);
  expect(await indexAndHash()).toEqual({
    index: ['/billing', '/orders', '/users'],
    hash: ['/billing', '/orders', '/users'],
  });

  // A service moving to a prefix nested under its own old one is no conflict with itself.
  expect((await register('orders', 'i-1', { prefix: '/orders/v2' })).status).toBe(200);
  expect((await indexAndHash()).index).toEqual(['/billing', '/orders/v2', '/users']);

  const del = await request(h.app)
    .delete('/v1/services/users/instances/i-1')
    .set('Authorization', `Bearer ${h.admin}`);
  expect(del.status).toBe(204);
  expect((await indexAndHash()).index).toEqual(['/billing', '/orders/v2']);

  h.clock.advance(6_000);
  expect(await h.reaper().reapOnce()).toEqual(['billing/i-1/expired']);
  expect(await indexAndHash()).toEqual({ index: ['/orders/v2'], hash: ['/orders/v2'] });
});

it.each([
  ['/shop/cart/items', 'nested under another'],
  ['/shop', 'a parent of another'],
  ['/shop/cart/a/b', 'nested two segments down'],
])('refuses %s (%s) among many services, and writes nothing', async (prefix) => {
  for (let i = 0; i < 30; i += 1) {
    expect((await register(`svc-${i}`, 'i-1', { prefix: `/svc/${i}/api` })).status).toBe(201);
  }
  expect((await register('cart', 'i-1', { prefix: '/shop/cart' })).status).toBe(201);
  const before = await h.dumpKeys();
  const res = await register('other', 'i-1', { prefix });
  expect(res.status).toBe(409);
  expect(res.body).toMatchObject({ code: 'REG_ERR_PREFIX_CONFLICT' });
  expect(res.body.message).toContain("service 'cart'");
  expect(await h.dumpKeys()).toEqual(before);
});

it.each([
  ['/sho', 'a string prefix of another, not a segment one'],
  ['/shop/cartx', 'extending another as a plain string'],
  ['/shop/cart-archive', 'a sibling that shares the name'],
])('accepts %s (%s): Kong matches whole segments', async (prefix) => {
  expect((await register('cart', 'i-1', { prefix: '/shop/cart' })).status).toBe(201);
  expect((await register('other', 'i-1', { prefix })).status).toBe(201);
  expect((await indexAndHash()).index).toEqual([prefix, '/shop/cart'].sort());
});

it('checks data without an index by scanning, and indexes it on the next success', async () => {
  expect((await register('orders', 'i-1')).status).toBe(201);
  expect((await register('billing', 'i-1')).status).toBe(201);
  // As written by a registry from before the index.
  await h.redis.del(h.repository.keys.prefixIndex);

  for (const prefix of ['/orders/admin', '/orders/a/b']) {
    const before = await h.dumpKeys();
    const res = await register('users', 'i-1', { prefix });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain("service 'orders'");
    expect(await h.dumpKeys()).toEqual(before);
  }

  expect((await register('users', 'i-1')).status).toBe(201);
  expect(await indexAndHash()).toEqual({
    index: ['/billing', '/orders', '/users'],
    hash: ['/billing', '/orders', '/users'],
  });
  const res = await register('shop', 'i-1', { prefix: '/billing/x' });
  expect(res.status).toBe(409);
  expect(res.body.message).toContain("service 'billing'");
});

it('lets an admin nest prefixes, and a service token then still sees both owners', async () => {
  expect((await register('orders', 'i-1')).status).toBe(201);
  expect((await register('orders-admin', 'i-1', { prefix: '/orders/admin' }, h.admin)).status).toBe(
    201,
  );
  expect((await indexAndHash()).index).toEqual(['/orders', '/orders/admin']);
  const res = await register('orders', 'i-2', { prefix: '/orders' });
  // orders owns /orders; /orders/admin belongs to orders-admin and starts with it.
  expect(res.status).toBe(409);
  expect(res.body.message).toContain("service 'orders-admin'");
});
