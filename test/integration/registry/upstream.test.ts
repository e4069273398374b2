/**
 * Kong's timeouts and retries per service (`upstream` in a registration) on the real registry and
 * Redis: stored in the service definition with Kong's default in every field left out, part of
 * the definition like `stripPrefix` (the latest registration wins, a change is `service.updated`,
 * the same settings again are not), refused past Kong's bounds and with `route: false`.
 */
import request from 'supertest';
import type { ErrorBody, RegistryEvent, StateSnapshot } from '@kong-registry/sdk';
import { createHarness, registration, type Harness } from './harness';

let h: Harness;

beforeEach(async () => {
  h = await createHarness({}, { label: 'upstream' });
});

afterEach(async () => {
  await h.close();
});

const register = (id: string, extra: Record<string, unknown> = {}) =>
  request(h.app)
    .put(`/v1/services/reports/instances/${id}`)
    .set('Authorization', `Bearer ${h.tokenFor('reports')}`)
    .send(registration(extra));

/** Every event in the stream so far, as `type:instanceId` (`type:` for service events). */
async function events(): Promise<string[]> {
  const entries = (await h.redis.xrange(h.repository.keys.events, '-', '+')) as [
    string,
    string[],
  ][];
  return entries.map(([, fields]) => {
    const event = JSON.parse(fields[1] ?? '{}') as RegistryEvent;
    return `${event.type}:${event.instanceId ?? ''}`;
  });
}

async function storedDefinition(): Promise<Record<string, unknown>> {
  return JSON.parse(
    (await h.redis.get(h.repository.keys.definition('reports'))) ?? 'null',
  ) as Record<string, unknown>;
}

const slow = { readTimeoutMs: 300_000, connectTimeoutMs: 2000 };
const slowResolved = {
  connectTimeoutMs: 2000,
  readTimeoutMs: 300_000,
  writeTimeoutMs: 60_000,
  retries: 5,
};

it("stores the settings with Kong's defaults filled in and serves them in /v1/state", async () => {
  const res = await register('r-1', { upstream: slow });
  expect(res.status).toBe(201);
  expect(res.body.definition.upstream).toEqual(slowResolved);
  expect((await storedDefinition()).upstream).toEqual(slowResolved);
  const state = (await request(h.app).get('/v1/state').set('Authorization', `Bearer ${h.admin}`))
    .body as StateSnapshot;
  expect(state.services.find((s) => s.name === 'reports')?.definition.upstream).toEqual(
    slowResolved,
  );
});

it('is part of the definition like stripPrefix: a change is service.updated, the same again is not', async () => {
  expect((await register('r-1', { upstream: slow })).status).toBe(201);
  // The same settings from another instance, keys in another order: no definition change.
  const same = await register('r-2', {
    upstream: { connectTimeoutMs: 2000, readTimeoutMs: 300_000 },
  });
  expect(same.status).toBe(201);
  expect(await events()).toEqual([
    'service.updated:',
    'instance.registered:r-1',
    'instance.registered:r-2',
  ]);

  // A rolling deploy changes them: the latest registration defines the service.
  const changed = await register('r-1', { upstream: { ...slow, retries: 1 } });
  expect(changed.status).toBe(200);
  expect(changed.body.definition.upstream).toEqual({ ...slowResolved, retries: 1 });
  expect((await events()).slice(3)).toEqual(['service.updated:', 'instance.updated:r-1']);

  // Left out again: the service is back to Kong's defaults, stored without the field.
  const dropped = await register('r-2');
  expect(dropped.status).toBe(200);
  expect(dropped.body.definition).not.toHaveProperty('upstream');
  expect(await storedDefinition()).not.toHaveProperty('upstream');
  expect((await events()).slice(5)).toEqual(['service.updated:', 'instance.updated:r-2']);

  // Refreshed without it: no change.
  expect((await register('r-2')).status).toBe(200);
  expect((await events()).slice(7)).toEqual(['instance.updated:r-2']);
});

it.each([
  [
    { connectTimeoutMs: 0 },
    'upstream.connectTimeoutMs',
    "an integer of milliseconds from 1 to 2147483646 (Kong's connect_timeout)",
  ],
  [
    { readTimeoutMs: 2 ** 31 },
    'upstream.readTimeoutMs',
    "an integer of milliseconds from 1 to 2147483646 (Kong's read_timeout)",
  ],
  [{ retries: 32_768 }, 'upstream.retries', "an integer from 0 to 32767 (Kong's retries)"],
])(
  'answers %j with 400 naming the field and the bound, storing nothing',
  async (upstream, path, rule) => {
    const res = await register('r-1', { upstream });
    expect(res.status).toBe(400);
    expect(res.body as ErrorBody).toEqual({
      code: 'REG_ERR_VALIDATION',
      message: `invalid registration: ${path}: ${rule}`,
      details: [{ path, message: rule }],
    });
    expect(await h.redis.get(h.repository.keys.definition('reports'))).toBeNull();
  },
);

it('refuses the settings on a route-less service (no Kong service to set them on)', async () => {
  const res = await register('r-1', { route: false, upstream: { retries: 0 } });
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({
    code: 'REG_ERR_VALIDATION',
    message: expect.stringContaining('leave out upstream'),
    details: [{ path: 'upstream', message: 'not allowed with route: false' }],
  });
});
