/**
 * Every request gets an id, returned in `X-Request-Id` and written on its JSON access line, so a
 * client's report and the registry's log meet on one value (issue #9). Tokens never reach it.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createApp, RegistryMetrics, SseHub } from '@kong-registry/registry';
import { createHarness, registration, type Harness } from './harness';

let harness: Harness;
let lines: Record<string, unknown>[];
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  harness = await createHarness({}, { label: 'reqlog' });
  lines = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  app = createApp({
    config: harness.config,
    repository: harness.repository,
    jwtKeys: harness.keys,
    logger,
    clock: harness.clock.read,
    metrics: new RegistryMetrics({ defaultMetrics: false }),
    sse: new SseHub(harness.redis, harness.repository.keys.events, logger, undefined, 500),
  });
});

afterAll(() => harness.close());

const accessLineFor = (id: string | undefined) =>
  lines.find((line) => line.reqId === id && typeof line.responseTime === 'number');

it('returns a generated request id and logs the request under it, without the token', async () => {
  const token = harness.tokenFor('orders');
  const res = await request(app)
    .put('/v1/services/orders/instances/orders-1')
    .set('Authorization', `Bearer ${token}`)
    .send(registration());
  expect(res.status).toBe(201);
  const id = res.headers['x-request-id'];
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const line = accessLineFor(id);
  expect(line).toMatchObject({
    level: 30,
    component: 'http',
    req: { method: 'PUT', url: '/v1/services/orders/instances/orders-1' },
    res: { statusCode: 201 },
  });
  expect(JSON.stringify(lines)).not.toContain(token);
});

it('keeps a well-formed incoming id and replaces a malformed one', async () => {
  const kept = await request(app).get('/healthz').set('X-Request-Id', 'kong-abc.123');
  expect(kept.headers['x-request-id']).toBe('kong-abc.123');
  expect(accessLineFor('kong-abc.123')).toMatchObject({ level: 20 }); // probes log at debug

  const replaced = await request(app).get('/healthz').set('X-Request-Id', 'bad id\twith spaces');
  expect(replaced.headers['x-request-id']).not.toBe('bad id\twith spaces');
  expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

it('logs refused requests at warn with the error code under the same id', async () => {
  const res = await request(app).get('/v1/state');
  expect(res.status).toBe(401);
  const id = res.headers['x-request-id'];
  expect(accessLineFor(id)).toMatchObject({ level: 40, res: { statusCode: 401 } });
  expect(res.body).toMatchObject({ code: 'REG_ERR_UNAUTHORIZED' });
});

it('logs answered reads at debug, and a refused read at warn', async () => {
  const admin = harness.admin;
  const read = await request(app).get('/v1/state').set('Authorization', `Bearer ${admin}`);
  expect(read.status).toBe(200);
  expect(accessLineFor(String(read.headers['x-request-id']))).toMatchObject({
    level: 20,
    req: { method: 'GET', url: '/v1/state' },
  });
  const refused = await request(app).get('/v1/state');
  expect(refused.status).toBe(401);
  expect(accessLineFor(String(refused.headers['x-request-id']))).toMatchObject({ level: 40 });
});

it('logs heartbeats at debug under their id, also the ones the hot lane serves', async () => {
  const token = harness.tokenFor('orders');
  const ids: string[] = [];
  // The first heartbeat verifies the token (Express); the second finds it remembered (hot lane).
  for (let i = 0; i < 2; i += 1) {
    const res = await request(app)
      .put('/v1/services/orders/instances/orders-1/heartbeat')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    ids.push(String(res.headers['x-request-id']));
  }
  for (const id of ids) {
    expect(accessLineFor(id)).toMatchObject({
      level: 20,
      component: 'http',
      req: { method: 'PUT', url: '/v1/services/orders/instances/orders-1/heartbeat' },
      res: { statusCode: 200 },
    });
  }
  expect(JSON.stringify(lines)).not.toContain(token);
});

it("writes Kong's request id as kongRequestId when the request came through Kong", async () => {
  const kongId = '0123456789abcdef0123456789abcdef';
  const res = await request(app).get('/healthz').set('X-Kong-Request-Id', kongId);
  expect(accessLineFor(res.headers['x-request-id'])).toMatchObject({ kongRequestId: kongId });
  const direct = await request(app).get('/healthz');
  expect(accessLineFor(direct.headers['x-request-id'])).not.toHaveProperty('kongRequestId');
});
