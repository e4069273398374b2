/**
 * The hot lane (registry/src/http/hot-lane.ts) serves only the plain registration and answers
 * exactly like the Express route; everything else is left to Express. Tested alone, behind a
 * server that answers DECLINED for what the lane leaves.
 */
import pino from 'pino';
import request from 'supertest';
import {
  hotLane,
  InstanceService,
  RegistryMetrics,
  VerifiedTokenCache,
} from '@kong-registry/registry';
import { createHarness, registration, type Harness } from './harness';
import { DECLINED, rememberToken, serveFastPath, type FastPathServer } from './hot-lane-server';

/** The registration path every case uses. */
const PATH = '/v1/services/orders/instances/i-1';

let h: Harness;
let server: FastPathServer;
let url: string;
let trustProxy = false;
const tokens = new VerifiedTokenCache(16);
const metrics = new RegistryMetrics({ defaultMetrics: false });

beforeAll(async () => {
  h = await createHarness({}, { label: 'regfast' });
  const logger = pino({ level: 'silent' });
  const fastPath = hotLane({
    instances: new InstanceService({
      config: h.config,
      repository: h.repository,
      logger,
      clock: h.clock.read,
      metrics,
    }),
    tokens,
    metrics,
    accessLog: logger,
    errorLog: logger,
    bodyLimitBytes: h.config.bodyLimitBytes,
    get trustProxy() {
      return trustProxy;
    },
  });
  server = await serveFastPath(fastPath);
  url = server.url;
});

afterAll(async () => {
  await server.close();
  await h.close();
});

const remember = (token: string): string => rememberToken(tokens, h.keys, token);

const put = (
  path: string,
  token: string | undefined,
  body: string | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) =>
  fetch(`${url}${path}`, {
    method: 'PUT',
    body,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });

/** The same request through Express (a query string keeps it off the hot lane). */
const viaExpress = (path: string, token: string, body: string) =>
  request(h.app)
    .put(`${path}?via=express`)
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', 'application/json')
    .send(body);

it('registers (201), then refreshes (200) with the same reply as the Express route', async () => {
  const token = remember(h.tokenFor('orders'));
  const body = JSON.stringify(registration({ version: '1.0', metadata: { zone: 'a' } }));
  const created = await put(PATH, token, body);
  expect(created.status).toBe(201);
  expect(created.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(created.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(await created.json()).toMatchObject({
    instance: { service: 'orders', instanceId: 'i-1', host: '10.0.0.1', port: 8080 },
    definition: { prefix: '/orders' },
  });

  const fast = await put(PATH, token, body);
  expect(fast.status).toBe(200);
  const fastBody = (await fast.json()) as Record<string, unknown>;
  const express = await viaExpress(PATH, h.tokenFor('orders'), body);
  expect(express.status).toBe(200);
  expect(fastBody).toEqual(express.body);
  expect(Object.keys(fastBody)).toEqual(Object.keys(express.body as object));
  expect(await h.repository.getService('orders')).toMatchObject({
    instances: [{ instanceId: 'i-1', version: '1.0' }],
  });
});

it("takes the caller's address when the body names no host", async () => {
  const res = await put('/v1/services/orders/instances/i-2', remember(h.admin), '{"port":9000}');
  expect(res.status).toBe(201);
  expect(await res.json()).toMatchObject({ instance: { host: '127.0.0.1', port: 9000 } });
});

it('counts the registration under its route', async () => {
  const text = await metrics.registry.metrics();
  expect(text).toMatch(
    /registry_http_requests_total\{method="PUT",route="\/v1\/services\/:service\/instances\/:instanceId",status="201"\} [1-9]/,
  );
  expect(text).toMatch(/registry_registrations_total\{kind="updated"\} [1-9]/);
});

describe('refuses like the Express route', () => {
  it.each<[string, string, string]>([
    ['broken JSON', '{"port":', 'REG_ERR_MALFORMED_JSON'],
    ['a JSON string (strict: objects and arrays only)', '"x"', 'REG_ERR_MALFORMED_JSON'],
    ['an array', '[1]', 'REG_ERR_VALIDATION'],
    ['a missing port', '{"host":"10.0.0.1"}', 'REG_ERR_VALIDATION'],
    ['an unknown field', '{"port":1,"colour":"red"}', 'REG_ERR_VALIDATION'],
    ['a denied target', '{"host":"127.0.0.1","port":8001}', 'REG_ERR_TARGET_DENIED'],
    ['a reserved prefix', '{"port":1,"prefix":"/v1"}', 'REG_ERR_PREFIX_RESERVED'],
  ])('%s', async (_name, body, code) => {
    const res = await put('/v1/services/orders/instances/bad', remember(h.admin), body);
    const express = await viaExpress('/v1/services/orders/instances/bad', h.admin, body);
    expect(res.status).toBe(express.status);
    expect(await res.json()).toEqual(express.body);
    expect(express.body).toMatchObject({ code });
  });

  it('a service token claiming a prefix it may not', async () => {
    const body = '{"port":1,"prefix":"/elsewhere"}';
    const token = h.tokenFor('orders', { prefixes: ['/orders'] });
    const res = await put('/v1/services/orders/instances/bad', remember(token), body);
    const express = await viaExpress('/v1/services/orders/instances/bad', token, body);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(express.body);
  });

  it('a token for another service', async () => {
    const body = JSON.stringify(registration());
    const token = h.tokenFor('billing');
    const res = await put(PATH, remember(token), body);
    const express = await viaExpress(PATH, token, body);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(express.body);
  });

  it('an invalid service name', async () => {
    const body = JSON.stringify(registration());
    const path = PATH.replace('orders', '-orders');
    const res = await put(path, remember(h.admin), body);
    const express = await viaExpress(path, h.admin, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(express.body);
  });

  it("a service token taking another service's prefix", async () => {
    const body = '{"port":1,"prefix":"/orders/sub"}';
    const token = h.tokenFor('billing');
    const res = await put('/v1/services/billing/instances/bad', remember(token), body);
    const express = await viaExpress('/v1/services/billing/instances/bad', token, body);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual(express.body);
  });
});

describe('declines (leaves to Express)', () => {
  const body = JSON.stringify(registration());
  it.each<[string, () => Promise<Response>]>([
    [
      'a token it has not seen verified',
      () => put(PATH, h.tokenFor('orders', { prefixes: ['/unseen'] }), body),
    ],
    ['no token', () => put(PATH, undefined, body)],
    ['no body', () => put(PATH, remember(h.admin), undefined)],
    [
      'another media type',
      () => put(PATH, remember(h.admin), body, { 'content-type': 'text/plain' }),
    ],
    [
      'another charset',
      () =>
        put(PATH, remember(h.admin), body, { 'content-type': 'application/json; charset=latin1' }),
    ],
    [
      'a compressed body',
      () =>
        put(PATH, remember(h.admin), body, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        }),
    ],
    [
      'a body over the limit',
      () => put(PATH, remember(h.admin), ' '.repeat(h.config.bodyLimitBytes + 1)),
    ],
    ['a query string', () => put(`${PATH}?x=1`, remember(h.admin), body)],
    ['a trailing slash', () => put(`${PATH}/`, remember(h.admin), body)],
    ['upper case', () => put(PATH.toUpperCase(), remember(h.admin), body)],
  ])('%s', async (_name, send) => {
    expect((await send()).status).toBe(DECLINED);
  });

  it('a chunked body', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });
    const res = await fetch(`${url}${PATH}`, {
      method: 'PUT',
      body: stream,
      duplex: 'half',
      headers: { authorization: `Bearer ${remember(h.admin)}`, 'content-type': 'application/json' },
    } as RequestInit);
    expect(res.status).toBe(DECLINED);
  });

  it('anything behind a trusted proxy (the caller address is in X-Forwarded-For)', async () => {
    trustProxy = true;
    try {
      expect((await put(PATH, remember(h.admin), body)).status).toBe(DECLINED);
    } finally {
      trustProxy = false;
    }
  });
});
