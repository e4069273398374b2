/**
 * Registrations of one event-loop turn go to Redis as one register.lua call (the repository's
 * Coalescer, REGISTRY_REDIS_BATCH_MAX), applied one after the other as if each were alone: each
 * gets its own revision, events, conflict or error. Private redis-server, so script calls can be
 * counted (INFO commandstats) and the server stopped.
 */
import Redis from 'ioredis';
import request from 'supertest';
import type { Instance, ServiceDefinition } from '@kong-registry/sdk';
import type { RegisterResult } from '@kong-registry/registry';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { createHarness, registration, type Harness } from './harness';

const TTL_MS = 15_000;

let server: RedisServerHandle;
let h: Harness;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  h = await createHarness({}, { redisUrl: server.url, label: 'reg-batch' });
  admin = new Redis(server.url);
  // Loads register.lua into this Redis, so every later call is one EVALSHA.
  const res = await request(h.app)
    .put('/v1/services/warmup/instances/i-1')
    .set('Authorization', `Bearer ${h.admin}`)
    .send(registration());
  expect(res.status).toBe(201);
});

afterAll(async () => {
  admin.disconnect();
  await h.close();
  await server.stop();
});

async function scriptCalls(): Promise<number> {
  const info = await admin.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) {
    calls += Number(match[1]);
  }
  return calls;
}

/** A registration as InstanceService builds it (defaults filled in). */
function call(
  service: string,
  instanceId: string,
  prefix: string,
  now: number,
): [Instance, ServiceDefinition, number, number] {
  const at = new Date(now).toISOString();
  const instance: Instance = {
    service,
    instanceId,
    host: '10.0.0.1',
    port: 9001,
    protocol: 'http',
    version: null,
    weight: 100,
    metadata: {},
    ttlSeconds: TTL_MS / 1000,
    registeredAt: at,
    lastHeartbeatAt: at,
    leaseExpiresAt: new Date(now + TTL_MS).toISOString(),
    draining: false,
    drainUntil: null,
    gatewayHealth: null,
    labels: {},
    selfHealth: null,
  };
  // Only the prefix and the JSON's identity matter to the script.
  const definition = { prefix, protocol: 'http' } as unknown as ServiceDefinition;
  return [instance, definition, now + TTL_MS, now];
}

/** The events appended since `from` (exclusive), as [type, service, instanceId?, revision]. */
async function eventsAfter(from: string): Promise<string[]> {
  const rows = await admin.xrange(h.repository.keys.events, `(${from}`, '+');
  return rows.map(([, fields]) => {
    const event = JSON.parse(fields[1]!) as {
      type: string;
      service: string;
      instanceId?: string;
      revision: number;
    };
    return [event.type, event.service, event.instanceId ?? '-', event.revision].join(' ');
  });
}

async function lastEventId(): Promise<string> {
  const [last] = await admin.xrevrange(h.repository.keys.events, '+', '-', 'COUNT', 1);
  return last?.[0] ?? '0-0';
}

function ok(result: RegisterResult): Extract<RegisterResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result;
}

it('applies the registrations of one turn in order, in one script call, each with its own result', async () => {
  // A real definition as the API stores it, so the second registration of "pay" is a refresh.
  const first = await request(h.app)
    .put('/v1/services/pay/instances/i-1')
    .set('Authorization', `Bearer ${h.admin}`)
    .send(registration());
  expect(first.status).toBe(201);
  const stored = JSON.parse(
    (await admin.get(h.repository.keys.definition('pay')))!,
  ) as ServiceDefinition;
  const revision = Number(await admin.get(h.repository.keys.revision));
  const from = await lastEventId();
  const now = h.clock.now + 1000;
  const [payInstance, , payDeadline] = call('pay', 'i-1', '/pay', now);
  const before = await scriptCalls();
  const results = await Promise.all([
    // a refresh of a live instance: instance.updated, registeredAt kept
    h.repository.register(payInstance, stored, payDeadline, now, false),
    // a new service: service.updated + instance.registered
    h.repository.register(...call('ship', 'i-1', '/ship', now), false),
    // the same prefix, claimed just before in this batch by "ship": conflict, nothing written
    h.repository.register(...call('ship2', 'i-1', '/ship', now), true),
    // a prefix inside "ship"'s, from a service token: conflict (overlap)
    h.repository.register(...call('ship3', 'i-1', '/ship/x', now), false),
    // a second instance of "ship", same definition: instance.registered only
    h.repository.register(...call('ship', 'i-2', '/ship', now), false),
  ]);
  expect((await scriptCalls()) - before).toBe(1);

  const refresh = ok(results[0]!);
  expect(refresh).toMatchObject({ eventType: 'instance.updated', revision: revision + 1 });
  expect(refresh.instance.registeredAt).toBe(first.body.instance.registeredAt);
  expect(refresh.instance.lastHeartbeatAt).toBe(new Date(now).toISOString());
  expect(ok(results[1]!)).toMatchObject({
    eventType: 'instance.registered',
    revision: revision + 2,
    instance: { service: 'ship', instanceId: 'i-1' },
  });
  expect(results[2]).toEqual({ ok: false, owner: 'ship', ownedPrefix: '/ship', wanted: '/ship' });
  expect(results[3]).toEqual({ ok: false, owner: 'ship', ownedPrefix: '/ship', wanted: '/ship/x' });
  expect(ok(results[4]!)).toMatchObject({
    eventType: 'instance.registered',
    revision: revision + 3,
    instance: { service: 'ship', instanceId: 'i-2' },
  });

  expect(await eventsAfter(from)).toEqual([
    `instance.updated pay i-1 ${revision + 1}`,
    `service.updated ship - ${revision + 2}`,
    `instance.registered ship i-1 ${revision + 2}`,
    `instance.registered ship i-2 ${revision + 3}`,
  ]);
  expect(Number(await admin.get(h.repository.keys.revision))).toBe(revision + 3);
  // The refused ones wrote nothing.
  const k = h.repository.keys;
  expect(await admin.exists(k.instances('ship2'), k.definition('ship2'))).toBe(0);
  expect(await admin.exists(k.instances('ship3'), k.definition('ship3'))).toBe(0);
  expect(await admin.hget(k.prefixes, '/ship/x')).toBeNull();
  expect(await admin.sismember(k.services, 'ship3')).toBe(0);
  expect(Number(await admin.zscore(k.leases, 'ship/i-2'))).toBe(now + TTL_MS);
});

it('fails only the registration whose stored row is broken; the rest of its batch is applied', async () => {
  const k = h.repository.keys;
  await admin.set(k.definition('broken'), 'not json');
  const now = h.clock.now + 2000;
  const results = await Promise.allSettled([
    h.repository.register(...call('fine', 'i-1', '/fine', now), true),
    h.repository.register(...call('broken', 'i-1', '/broken', now), true),
    h.repository.register(...call('fine', 'i-2', '/fine', now), true),
  ]);
  expect(results[0]).toMatchObject({ status: 'fulfilled', value: { ok: true } });
  expect(results[1]).toMatchObject({
    status: 'rejected',
    reason: { name: 'ReplyError', message: expect.stringMatching(/^ERR register: /) as unknown },
  });
  expect(results[2]).toMatchObject({ status: 'fulfilled', value: { ok: true } });
  expect(await admin.hlen(k.instances('fine'))).toBe(2);
  await admin.del(k.definition('broken'), k.instances('broken'));
});

it('answers concurrent HTTP registrations each on its own: 201, 200 or 409', async () => {
  const token = (service: string) => h.tokenFor(service);
  const put = (service: string, id: string, body: Record<string, unknown>) =>
    request(h.app)
      .put(`/v1/services/${service}/instances/${id}`)
      .set('Authorization', `Bearer ${token(service)}`)
      .send(registration(body));
  const replies = await Promise.all([
    put('mail', 'i-1', {}),
    put('mail', 'i-2', {}),
    // /pay belongs to the live service "pay" (whatever the order of arrival)
    put('payer', 'i-1', { prefix: '/pay' }),
    put('pay', 'i-1', {}),
  ]);
  expect(replies.map((r) => r.status)).toEqual([201, 201, 409, 200]);
  expect(replies[2]!.body.code).toBe('REG_ERR_PREFIX_CONFLICT');
  expect(replies[0]!.body.instance.instanceId).toBe('i-1');
  expect(replies[1]!.body.instance.instanceId).toBe('i-2');
});

describe('when Redis fails under a batch', () => {
  let doomed: RedisServerHandle;
  let d: Harness;
  beforeAll(async () => {
    doomed = await startRedisServer();
    d = await createHarness({}, { redisUrl: doomed.url, label: 'reg-batch-down' });
  });
  afterAll(async () => {
    await doomed.restart();
    await waitFor(() => d.redis.status === 'ready', { what: 'the client to reconnect' });
    await d.close();
    await doomed.stop();
  });

  it('fails every registration of a batch in flight with 503 REG_ERR_REDIS_UNAVAILABLE', async () => {
    const pauser = new Redis(doomed.url);
    await pauser.client('PAUSE', 10_000, 'ALL');
    pauser.disconnect();
    const pending = Promise.allSettled(
      ['a', 'b', 'c'].map((s) => d.repository.register(...call(s, 'i-1', `/${s}`, d.clock.now))),
    );
    await doomed.kill();
    const results = await pending;
    expect(results).toHaveLength(3);
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'rejected',
        reason: { code: 'REG_ERR_REDIS_UNAVAILABLE', statusCode: 503 },
      });
    }
    await waitFor(() => d.redis.status !== 'ready', { what: 'the client to notice' });
    const replies = await Promise.all(
      ['a', 'b'].map((s) =>
        request(d.app)
          .put(`/v1/services/${s}/instances/i-1`)
          .set('Authorization', `Bearer ${d.admin}`)
          .send(registration()),
      ),
    );
    for (const reply of replies) {
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ code: 'REG_ERR_REDIS_UNAVAILABLE' });
    }
  });
});
