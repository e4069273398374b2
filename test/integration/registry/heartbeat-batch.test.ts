/**
 * Heartbeats of one event-loop turn go to Redis as one heartbeat.lua call (the repository's
 * Coalescer, REGISTRY_REDIS_BATCH_MAX), and each caller still gets exactly its own answer. Run
 * against a private redis-server, so the script calls can be counted (INFO commandstats) and the
 * server stopped, without disturbing the shared one.
 */
import Redis from 'ioredis';
import request from 'supertest';
import { RedisInstanceRepository, type Renewal } from '@kong-registry/registry';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { createHarness, registration, type Harness } from './harness';

const TTL_MS = 15_000;

let server: RedisServerHandle;
let h: Harness;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  h = await createHarness({}, { redisUrl: server.url, label: 'hb-batch' });
  admin = new Redis(server.url);
  for (const service of ['orders', 'users']) {
    for (const id of ['i-1', 'i-2', 'i-3']) {
      const res = await request(h.app)
        .put(`/v1/services/${service}/instances/${id}`)
        .set('Authorization', `Bearer ${h.admin}`)
        .send(registration({ port: 9000 + Number(id.slice(2)) }));
      expect(res.status).toBe(201);
    }
  }
  // Loads heartbeat.lua into this Redis, so every later call is one EVALSHA.
  expect(await h.repository.heartbeat('orders', 'i-1', h.clock.now)).not.toBeNull();
});

afterAll(async () => {
  admin.disconnect();
  await h.close();
  await server.stop();
});

/** Script calls Redis has executed so far (EVALSHA and EVAL). */
async function scriptCalls(): Promise<number> {
  const info = await admin.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) {
    calls += Number(match[1]);
  }
  return calls;
}

/** Settles every promise; the outcome of each, for per-request assertions. */
function settle<T>(promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(promises);
}

function renewed(result: PromiseSettledResult<Renewal | null>): Renewal {
  if (result.status !== 'fulfilled' || result.value === null) {
    throw new Error(`expected a renewal, got ${JSON.stringify(result)}`);
  }
  return result.value;
}

it('sends the heartbeats of one turn as one script call and answers each with its own result', async () => {
  const now = h.clock.now + 1000;
  const before = await scriptCalls();
  // All issued in the same turn: known instances of two services, an unknown instance, an
  // unknown service, and a known instance id under the wrong service.
  const results = await settle([
    h.repository.heartbeat('orders', 'i-1', now),
    h.repository.heartbeat('orders', 'nope', now),
    h.repository.heartbeat('users', 'i-2', now + 1),
    h.repository.heartbeat('ghost', 'i-1', now),
    h.repository.heartbeat('orders', 'i-3', now + 2),
    h.repository.heartbeat('users', 'i-9', now),
  ]);
  expect((await scriptCalls()) - before).toBe(1);

  const expectRenewal = (
    result: PromiseSettledResult<Renewal | null>,
    service: string,
    id: string,
    at: number,
  ): void => {
    const { instance, definition } = renewed(result);
    expect(instance).toMatchObject({
      service,
      instanceId: id,
      port: 9000 + Number(id.slice(2)),
      lastHeartbeatAt: new Date(at).toISOString(),
      leaseExpiresAt: new Date(at + TTL_MS).toISOString(),
    });
    expect(definition.prefix).toBe(`/${service}`);
  };
  expectRenewal(results[0]!, 'orders', 'i-1', now);
  expect(results[1]).toEqual({ status: 'fulfilled', value: null });
  expectRenewal(results[2]!, 'users', 'i-2', now + 1);
  expect(results[3]).toEqual({ status: 'fulfilled', value: null });
  expectRenewal(results[4]!, 'orders', 'i-3', now + 2);
  expect(results[5]).toEqual({ status: 'fulfilled', value: null });

  // Each lease moved to its own heartbeat's deadline; nothing was created for the unknown ones.
  const k = h.repository.keys;
  expect(Number(await admin.zscore(k.leases, 'orders/i-1'))).toBe(now + TTL_MS);
  expect(Number(await admin.zscore(k.leases, 'users/i-2'))).toBe(now + 1 + TTL_MS);
  expect(Number(await admin.zscore(k.leases, 'orders/i-3'))).toBe(now + 2 + TTL_MS);
  expect(await admin.zscore(k.leases, 'orders/nope')).toBeNull();
  expect(await admin.hget(k.instances('orders'), 'nope')).toBeNull();
  expect(await admin.exists(k.instances('ghost'))).toBe(0);
});

it('renews in the order of arrival: a later heartbeat of the same instance wins, an expired lease stays gone', async () => {
  const k = h.repository.keys;
  const deadline = Number(await admin.zscore(k.leases, 'users/i-3'));
  const first = deadline - 5000;
  const second = deadline - 1000;
  const before = await scriptCalls();
  const results = await settle([
    h.repository.heartbeat('users', 'i-3', first),
    h.repository.heartbeat('users', 'i-3', second),
    // users/i-1 is past its deadline at this time (not reaped yet): 404, even in a batch whose
    // other heartbeats renew.
    h.repository.heartbeat('users', 'i-1', deadline + 1),
  ]);
  expect((await scriptCalls()) - before).toBe(1);
  expect(renewed(results[0]!).instance.leaseExpiresAt).toBe(new Date(first + TTL_MS).toISOString());
  expect(renewed(results[1]!).instance).toMatchObject({
    lastHeartbeatAt: new Date(second).toISOString(),
    leaseExpiresAt: new Date(second + TTL_MS).toISOString(),
  });
  expect(results[2]).toEqual({ status: 'fulfilled', value: null });
  expect(Number(await admin.zscore(k.leases, 'users/i-3'))).toBe(second + TTL_MS);
  const stored = JSON.parse((await admin.hget(k.instances('users'), 'i-3'))!) as {
    lastHeartbeatAt: string;
  };
  expect(stored.lastHeartbeatAt).toBe(new Date(second).toISOString());
});

it('keeps a draining instance on its drain deadline within a batch', async () => {
  const drainUntil = h.clock.now + 4000;
  expect(await h.repository.drain('orders', 'i-2', h.clock.now, drainUntil)).not.toBeNull();
  const now = h.clock.now + 2000;
  const [draining, live] = await settle([
    h.repository.heartbeat('orders', 'i-2', now),
    h.repository.heartbeat('orders', 'i-3', now),
  ]);
  expect(renewed(draining!).instance).toMatchObject({
    draining: true,
    lastHeartbeatAt: new Date(now).toISOString(),
  });
  expect(Number(await admin.zscore(h.repository.keys.leases, 'orders/i-2'))).toBe(drainUntil);
  expect(renewed(live!).instance.leaseExpiresAt).toBe(new Date(now + TTL_MS).toISOString());
});

it('fails only the heartbeat whose stored row is broken; the rest of its batch is renewed', async () => {
  const k = h.repository.keys;
  await admin.hset(k.instances('broken'), 'i-1', 'not json');
  await admin.zadd(k.leases, h.clock.now + TTL_MS, 'broken/i-1');
  const now = h.clock.now + 3000;
  const results = await settle([
    h.repository.heartbeat('orders', 'i-1', now),
    h.repository.heartbeat('broken', 'i-1', now),
    h.repository.heartbeat('orders', 'i-3', now),
  ]);
  expect(renewed(results[0]!).instance.instanceId).toBe('i-1');
  expect(results[1]!.status).toBe('rejected');
  // A script bug, not an outage: passed on as Redis's ERR reply (500), not as 503.
  expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
    name: 'ReplyError',
    message: expect.stringMatching(/^ERR heartbeat: /) as unknown,
  });
  expect(renewed(results[2]!).instance.instanceId).toBe('i-3');
  expect(await admin.hget(k.instances('broken'), 'i-1')).toBe('not json');
  await admin.del(k.instances('broken'));
  await admin.zrem(k.leases, 'broken/i-1');
});

it('sends at most REGISTRY_REDIS_BATCH_MAX heartbeats per call; 1 sends each on its own', async () => {
  for (const [batchMax, calls] of [
    [2, 3],
    [1, 5],
  ] as const) {
    const repository = new RedisInstanceRepository(
      h.redis,
      h.prefix,
      h.config.eventsMaxLen,
      h.config.tombstoneSeconds,
      batchMax,
    );
    const now = h.clock.now + 4000;
    const ids = ['i-1', 'i-3', 'nope', 'i-1', 'i-3'];
    const before = await scriptCalls();
    const results = await settle(ids.map((id) => repository.heartbeat('orders', id, now)));
    expect((await scriptCalls()) - before).toBe(calls);
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value?.instance.instanceId : r)),
    ).toEqual(['i-1', 'i-3', undefined, 'i-1', 'i-3']);
  }
});

it('answers each concurrent HTTP heartbeat on its own: 200 with its lease, or 404', async () => {
  const token = h.tokenFor('orders');
  const paths = ['i-1', 'nope', 'i-3', 'i-404', 'i-1'].map(
    (id) => `/v1/services/orders/instances/${id}/heartbeat`,
  );
  const replies = await Promise.all(
    paths.map((path) => request(h.app).put(path).set('Authorization', `Bearer ${token}`)),
  );
  expect(replies.map((r) => r.status)).toEqual([200, 404, 200, 404, 200]);
  expect(replies[0]!.body.instance.instanceId).toBe('i-1');
  expect(replies[2]!.body.instance.instanceId).toBe('i-3');
  expect(replies[0]!.body.heartbeatIntervalSeconds).toBe(5);
  expect(replies[1]!.body.code).toBe('REG_ERR_LEASE_NOT_FOUND');
  expect(replies[3]!.body.code).toBe('REG_ERR_LEASE_NOT_FOUND');
});

describe('when Redis fails under a batch', () => {
  let doomed: RedisServerHandle;
  let d: Harness;
  beforeAll(async () => {
    doomed = await startRedisServer();
    d = await createHarness({}, { redisUrl: doomed.url, label: 'hb-batch-down' });
    for (const id of ['i-1', 'i-2']) {
      const res = await request(d.app)
        .put(`/v1/services/orders/instances/${id}`)
        .set('Authorization', `Bearer ${d.admin}`)
        .send(registration());
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    // Back up first, so the client closes from "ready" rather than mid-reconnect.
    await doomed.restart();
    await waitFor(() => d.redis.status === 'ready', { what: 'the client to reconnect' });
    await d.close();
    await doomed.stop();
  });

  it('fails every heartbeat of a batch in flight with REG_ERR_REDIS_UNAVAILABLE (503)', async () => {
    // Hold the batch inside Redis, then kill Redis while it waits: the call never completes.
    const pauser = new Redis(doomed.url);
    await pauser.client('PAUSE', 10_000, 'ALL');
    pauser.disconnect();
    const pending = settle(
      ['i-1', 'i-2', 'nope'].map((id) => d.repository.heartbeat('orders', id, d.clock.now)),
    );
    await doomed.kill();
    const results = await pending;
    expect(results).toHaveLength(3);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({
        code: 'REG_ERR_REDIS_UNAVAILABLE',
        statusCode: 503,
      });
    }
  });

  it('answers every concurrent HTTP heartbeat 503 REG_ERR_REDIS_UNAVAILABLE while Redis is down', async () => {
    await waitFor(() => d.redis.status !== 'ready', { what: 'the client to notice' });
    const token = d.tokenFor('orders');
    const replies = await Promise.all(
      ['i-1', 'i-2', 'nope'].map((id) =>
        request(d.app)
          .put(`/v1/services/orders/instances/${id}/heartbeat`)
          .set('Authorization', `Bearer ${token}`),
      ),
    );
    for (const reply of replies) {
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ code: 'REG_ERR_REDIS_UNAVAILABLE' });
      expect(reply.headers['retry-after']).toBe('1');
    }
  });
});
