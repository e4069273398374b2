/**
 * The compact history (registry/src/history/, lua/history-record.lua) on real Redis: several
 * replicas sampling the same fleet write what one would (nothing counted twice), a late sample of
 * an older state does not overwrite a newer one, a service that lost its last instance goes to 0
 * and is dropped after the hour, memory stays bounded, a newer stored format is refused, and
 * GET /v1/history and GET /v1/traffic answer admins only, with 400s for bad input.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import {
  HistorySampler,
  HistoryStore,
  KongTraffic,
  RegistryMetrics,
  createApp,
  type HistoryReply,
  type TrafficReply,
} from '@kong-registry/registry';
import { createHarness, registration, type Harness } from './harness';

let h: Harness;

beforeEach(async () => {
  h = await createHarness({}, { label: 'history' });
  // Minute-aligned, so "the same minute" in a test is plain arithmetic.
  h.clock.now = Date.parse('2030-01-01T12:00:00.000Z');
});

afterEach(async () => {
  await h.close();
});

const MINUTE = 60_000;

/** A registry replica's sampler on the shared Redis, with the harness clock. */
function replica(): { sampler: HistorySampler; store: HistoryStore } {
  const store = new HistoryStore(h.redis, h.repository.keys);
  const sampler = new HistorySampler(
    {
      revision: () => store.revision(),
      snapshot: () => h.repository.snapshot(false),
      record: (sample) => store.record(sample),
    },
    1000,
    h.clock.read,
    pino({ level: 'silent' }),
  );
  return { sampler, store };
}

const register = (service: string, id: string, extra: Record<string, unknown> = {}) =>
  request(h.app)
    .put(`/v1/services/${service}/instances/${id}`)
    .set('Authorization', `Bearer ${h.tokenFor(service)}`)
    .send(registration({ port: 9000 + Number(id.replace(/\D/g, '') || 0), ...extra }));

const reportKong = (service: string, id: string, status: string) =>
  request(h.app)
    .put(`/v1/services/${service}/instances/${id}/gateway-health`)
    .set('Authorization', `Bearer ${h.admin}`)
    .send({ status });

const remove = (service: string, id: string) =>
  request(h.app)
    .delete(`/v1/services/${service}/instances/${id}`)
    .set('Authorization', `Bearer ${h.admin}`);

async function history(query = ''): Promise<HistoryReply> {
  const res = await request(h.app)
    .get(`/v1/history${query}`)
    .set('Authorization', `Bearer ${h.admin}`);
  expect(res.status).toBe(200);
  return res.body as HistoryReply;
}

/** [healthy, total, minHealthy, maxTotal] per point of one service. */
async function series(service: string, query = ''): Promise<number[][]> {
  const found = (await history(query)).services.find((s) => s.service === service);
  return (found?.points ?? []).map((p) => [p.healthy, p.total, p.minHealthy, p.maxTotal]);
}

describe('the history store', () => {
  it('holds what one replica would write when three sample the same fleet (no double counting)', async () => {
    expect((await register('orders', 'i-1')).status).toBe(201);
    expect((await register('orders', 'i-2')).status).toBe(201);
    const replicas = [replica(), replica(), replica()];
    for (let round = 0; round < 3; round++) for (const r of replicas) await r.sampler.sampleOnce();

    expect(await series('orders')).toEqual([[2, 2, 2, 2]]);
    const k = h.repository.keys;
    expect(await h.redis.hgetall(k.history('orders'))).toEqual({
      [String(h.clock.now / MINUTE)]: `${await h.redis.get(k.revision)}:2:2:2:2`,
    });

    // Kong takes one out, then the lease goes: the same minute keeps the newest counts and the dip.
    expect((await reportKong('orders', 'i-1', 'UNHEALTHY')).status).toBe(200);
    h.clock.advance(10_000);
    await replicas[1]!.sampler.sampleOnce();
    expect((await remove('orders', 'i-1')).status).toBe(204);
    h.clock.advance(10_000);
    for (const r of replicas) await r.sampler.sampleOnce();
    expect(await series('orders')).toEqual([[1, 1, 1, 2]]);

    // The next minute starts from the state as it is.
    h.clock.advance(MINUTE);
    for (const r of replicas) await r.sampler.sampleOnce();
    expect(await series('orders')).toEqual([
      [1, 1, 1, 2],
      [1, 1, 1, 1],
    ]);
  });

  it('lets a late sample of an older revision move only the extremes of its minute', async () => {
    const { store } = replica();
    const at = h.clock.now;
    await store.record({
      atMs: at,
      revision: 12,
      services: [{ service: 'a', total: 3, healthy: 3 }],
    });
    await store.record({
      atMs: at,
      revision: 11,
      services: [{ service: 'a', total: 4, healthy: 1 }],
    });
    expect(await series('a')).toEqual([[3, 3, 1, 4]]);
    // The same sample again changes nothing, and says so.
    await expect(
      store.record({ atMs: at, revision: 11, services: [{ service: 'a', total: 4, healthy: 1 }] }),
    ).resolves.toBe(0);
    expect(await series('a')).toEqual([[3, 3, 1, 4]]);
  });

  it('shows a service that lost its last instance at 0, and drops it when that falls out of the hour', async () => {
    const { store } = replica();
    const k = h.repository.keys;
    const start = h.clock.now;
    await store.record({
      atMs: start,
      revision: 1,
      services: [{ service: 'gone', total: 1, healthy: 1 }],
    });
    h.clock.now = start + MINUTE;
    await store.record({ atMs: h.clock.now, revision: 2, services: [] });
    expect(await series('gone', '?window=1h')).toEqual([
      [1, 1, 1, 1],
      [0, 0, 0, 0],
    ]);
    // Kept while its last instance's minute is in the hour shown, dropped the minute after.
    h.clock.now = start + 59 * MINUTE;
    await store.record({ atMs: h.clock.now, revision: 3, services: [] });
    expect(await h.redis.zrange(k.historyServices, 0, -1)).toEqual(['gone']);
    expect((await series('gone'))[0]).toEqual([1, 1, 1, 1]);
    h.clock.now = start + 60 * MINUTE;
    await store.record({ atMs: h.clock.now, revision: 4, services: [] });
    expect(await h.redis.zrange(k.historyServices, 0, -1)).toEqual([]);
    expect(await h.redis.exists(k.history('gone'))).toBe(0);
    expect((await history()).services).toEqual([]);
  });

  it('keeps at most 60 minutes per service, each hash expiring 62 minutes after its last write', async () => {
    const { store } = replica();
    const k = h.repository.keys;
    for (let minute = 0; minute < 150; minute++)
      await store.record({
        atMs: h.clock.now + minute * MINUTE,
        revision: minute,
        services: [{ service: 'busy', total: (minute % 3) + 1, healthy: 1 }],
      });
    expect(await h.redis.hlen(k.history('busy'))).toBeLessThanOrEqual(60);
    const ttl = await h.redis.pttl(k.history('busy'));
    expect(ttl).toBeGreaterThan(61 * MINUTE);
    expect(ttl).toBeLessThanOrEqual(62 * MINUTE);
    h.clock.now += 149 * MINUTE;
    const points = (await history('?service=busy')).services[0]!.points;
    expect(points).toHaveLength(60);
    expect(points.at(-1)!.at).toBe(new Date(h.clock.now).toISOString());
    expect(await series('busy', '?window=15m')).toHaveLength(15);
  });

  it('refuses to write over data of a newer format, like every writing script', async () => {
    const { store } = replica();
    await h.redis.hset(h.repository.keys.schema, 'version', '99');
    await expect(
      store.record({
        atMs: h.clock.now,
        revision: 1,
        services: [{ service: 'a', total: 1, healthy: 1 }],
      }),
    ).rejects.toMatchObject({ code: 'REG_ERR_SCHEMA_TOO_NEW' });
    expect(await h.redis.exists(h.repository.keys.history('a'))).toBe(0);
  });
});

describe('GET /v1/history', () => {
  it('is for admins only', async () => {
    expect((await request(h.app).get('/v1/history')).status).toBe(401);
    const asService = await request(h.app)
      .get('/v1/history')
      .set('Authorization', `Bearer ${h.tokenFor('orders')}`);
    expect(asService.status).toBe(403);
  });

  it('answers 400 naming the problem for a bad window or service', async () => {
    const bad = async (query: string) =>
      request(h.app).get(`/v1/history${query}`).set('Authorization', `Bearer ${h.admin}`);
    const tooLong = await bad('?window=2h');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({
      code: 'REG_ERR_VALIDATION',
      message: "invalid window '2h': the registry keeps 60 minutes (at most 60m or 1h)",
      details: [{ path: 'window' }],
    });
    expect((await bad('?window=soon')).body.message).toBe(
      "invalid window 'soon': use minutes or hours, e.g. 15m or 1h",
    );
    expect((await bad('?window=1h&window=2h')).status).toBe(400);
    const service = await bad('?service=Not_A_Name');
    expect(service.status).toBe(400);
    expect(service.body.message).toMatch(/^invalid service name/);
  });

  it('lists the services asked for, sorted, with no points for one without a history', async () => {
    const { store } = replica();
    await store.record({
      atMs: h.clock.now,
      revision: 5,
      services: [
        { service: 'users', total: 2, healthy: 2 },
        { service: 'orders', total: 3, healthy: 2 },
      ],
    });
    const all = await history();
    expect(all).toMatchObject({ windowSeconds: 3600, stepSeconds: 60 });
    expect(all.services.map((s) => s.service)).toEqual(['orders', 'users']);
    expect(all.services[0]!.points).toEqual([
      { at: '2030-01-01T12:00:00.000Z', total: 3, healthy: 2, minHealthy: 2, maxTotal: 3 },
    ]);
    const some = await history('?service=users,nothing');
    expect(some.services).toEqual([
      { service: 'nothing', points: [] },
      { service: 'users', points: [expect.objectContaining({ healthy: 2 })] },
    ]);
  });
});

describe('GET /v1/traffic', () => {
  let kong: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (kong ? kong.close(resolve) : resolve(undefined)));
    kong = undefined;
  });

  it('says it is not configured when the registry knows no Kong metrics URL', async () => {
    const res = await request(h.app).get('/v1/traffic').set('Authorization', `Bearer ${h.admin}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ configured: false, at: null, windowSeconds: null, services: [] });
    const asService = await request(h.app)
      .get('/v1/traffic')
      .set('Authorization', `Bearer ${h.tokenFor('orders')}`);
    expect(asService.status).toBe(403);
  });

  it("reads Kong's /metrics over HTTP and gives requests and 5xx per second", async () => {
    let served = 0;
    const tokens: (string | undefined)[] = [];
    kong = createServer((req, res) => {
      tokens.push(req.headers['kong-admin-token'] as string | undefined);
      served += 1;
      const ok = served * 90;
      const failed = served * 10;
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(
        `kong_http_requests_total{service="orders",route="orders",code="200",source="service",workspace="default",consumer=""} ${ok}\n` +
          `kong_http_requests_total{service="orders",route="orders",code="500",source="service",workspace="default",consumer=""} ${failed}\n`,
      );
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => kong!.once('listening', resolve));
    const url = `http://127.0.0.1:${(kong.address() as AddressInfo).port}/metrics`;
    const app = createApp({
      config: h.config,
      repository: h.repository,
      jwtKeys: h.keys,
      logger: pino({ level: 'silent' }),
      clock: h.clock.read,
      metrics: new RegistryMetrics({ defaultMetrics: false }),
      sse: h.sse,
      traffic: new KongTraffic({ urls: [url], adminToken: 'rbac' }, h.clock.read),
    });
    const read = async (): Promise<TrafficReply> => {
      const res = await request(app).get('/v1/traffic').set('Authorization', `Bearer ${h.admin}`);
      expect(res.status).toBe(200);
      return res.body as TrafficReply;
    };
    expect((await read()).services[0]).toMatchObject({ requests: 100, requestsPerSecond: null });
    h.clock.advance(5_000);
    const second = await read();
    expect(second).toMatchObject({ configured: true, windowSeconds: 5 });
    expect(second.services).toEqual([
      { service: 'orders', requests: 200, errors: 20, requestsPerSecond: 20, errorsPerSecond: 2 },
    ]);
    expect(tokens).toEqual(['rbac', 'rbac']);
  });
});
