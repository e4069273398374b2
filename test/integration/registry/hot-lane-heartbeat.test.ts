/**
 * The hot lane (registry/src/http/hot-lane.ts) serves only the plain heartbeat and answers exactly
 * like the Express route; everything else is left to Express. Tested alone, behind a server that
 * answers DECLINED for what the lane leaves.
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

/** Status of a request that the hot lane declined (Express would have handled it). */

let h: Harness;
let server: FastPathServer;
let url: string;
const tokens = new VerifiedTokenCache(16);
const metrics = new RegistryMetrics({ defaultMetrics: false });

beforeAll(async () => {
  h = await createHarness({}, { label: 'fastpath' });
  const logger = pino({ level: 'silent' });
  const fastPath = hotLane({
    instances: new InstanceService({
      config: h.config,
      repository: h.repository,
      clock: h.clock.read,
      metrics,
      logger,
    }),
    tokens,
    metrics,
    accessLog: logger,
    errorLog: logger,
    bodyLimitBytes: h.config.bodyLimitBytes,
    trustProxy: false,
  });
  server = await serveFastPath(fastPath);
  url = server.url;
  for (const id of ['i-1', 'i-2']) {
    const res = await request(h.app)
      .put(`/v1/services/orders/instances/${id}`)
      .set('Authorization', `Bearer ${h.admin}`)
      .send(registration());
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  await server.close();
  await h.close();
});

const remember = (token: string): string => rememberToken(tokens, h.keys, token);

const heartbeat = (path: string, token: string | undefined, init: RequestInit = {}) =>
  fetch(`${url}${path}`, {
    method: 'PUT',
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
  });

it('serves a heartbeat with a remembered token, with the same reply as the Express route', async () => {
  const token = remember(h.tokenFor('orders'));
  const fast = await heartbeat('/v1/services/orders/instances/i-1/heartbeat', token);
  expect(fast.status).toBe(200);
  expect(fast.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(fast.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  const fastBody = (await fast.json()) as Record<string, unknown>;

  const viaExpress = await request(h.app)
    .put('/v1/services/orders/instances/i-1/heartbeat?via=express')
    .set('Authorization', `Bearer ${h.tokenFor('orders', { prefixes: ['/orders'] })}`);
  expect(viaExpress.status).toBe(200);
  expect(viaExpress.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(fastBody).toEqual(viaExpress.body);
  expect(Object.keys(fastBody)).toEqual(Object.keys(viaExpress.body as object));
});

it('keeps a well-formed request id and counts the heartbeat under its route', async () => {
  const token = remember(h.tokenFor('orders'));
  const res = await heartbeat('/v1/services/orders/instances/i-2/heartbeat', token, {
    headers: { 'x-request-id': 'kong-req-1' },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toBe('kong-req-1');
  const text = await metrics.registry.metrics();
  expect(text).toMatch(
    /registry_http_requests_total\{method="PUT",route="\/v1\/services\/:service\/instances\/:instanceId\/heartbeat",status="200"\} [1-9]/,
  );
  expect(text).toMatch(/registry_heartbeats_total\{result="renewed"\} [1-9]/);
});

it('answers 404 REG_ERR_LEASE_NOT_FOUND like the Express route when there is no lease', async () => {
  const token = remember(h.admin);
  const res = await heartbeat('/v1/services/orders/instances/nobody/heartbeat', token);
  expect(res.status).toBe(404);
  const viaExpress = await request(h.app)
    .put('/v1/services/orders/instances/nobody/heartbeat?via=express')
    .set('Authorization', `Bearer ${h.admin}`);
  expect(await res.json()).toEqual(viaExpress.body);
  expect(viaExpress.body).toMatchObject({ code: 'REG_ERR_LEASE_NOT_FOUND' });
});

it('serves a heartbeat carrying its own health as plain JSON, answering as Express does', async () => {
  const token = remember(h.tokenFor('orders'));
  const send = (body: unknown) =>
    heartbeat('/v1/services/orders/instances/i-1/heartbeat', token, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const fast = await send({ health: { status: 'unhealthy', detail: 'db down' } });
  expect(fast.status).toBe(200);
  const fastBody = (await fast.json()) as { instance: { selfHealth: unknown } };
  expect(fastBody.instance.selfHealth).toEqual({
    status: 'unhealthy',
    detail: 'db down',
    reportedAt: new Date(h.clock.now).toISOString(),
  });
  const viaExpress = await request(h.app)
    .put('/v1/services/orders/instances/i-1/heartbeat?via=express')
    .set('Authorization', `Bearer ${h.tokenFor('orders', { prefixes: ['/orders'] })}`)
    .send({ health: { status: 'unhealthy', detail: 'db down' } });
  expect(viaExpress.body).toEqual(fastBody);

  for (const [body, code] of [
    [{ health: { status: 'meh' } }, 'REG_ERR_VALIDATION'],
    ['{not json', 'REG_ERR_MALFORMED_JSON'],
  ] as const) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await heartbeat('/v1/services/orders/instances/i-1/heartbeat', token, {
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    const express = await request(h.app)
      .put('/v1/services/orders/instances/i-1/heartbeat?via=express')
      .set('Authorization', `Bearer ${h.tokenFor('orders', { prefixes: ['/orders'] })}`)
      .set('Content-Type', 'application/json')
      .send(raw);
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: express.body,
    });
    expect(express.body).toMatchObject({ code });
  }
});

describe('declines (leaves to Express)', () => {
  const path = '/v1/services/orders/instances/i-1/heartbeat';
  it.each<[string, () => Promise<Response>]>([
    [
      'a token it has not seen verified',
      () => heartbeat(path, h.tokenFor('orders', { prefixes: ['/x'] })),
    ],
    ['no token', () => heartbeat(path, undefined)],
    ['another method', () => fetch(`${url}${path}`, { method: 'POST' })],
    ['a body that is not declared JSON', () => heartbeat(path, remember(h.admin), { body: '{}' })],
    ['a query string', () => heartbeat(`${path}?x=1`, remember(h.admin))],
    ['a trailing slash', () => heartbeat(`${path}/`, remember(h.admin))],
    ['upper case', () => heartbeat(path.toUpperCase(), remember(h.admin))],
    ['a percent escape', () => heartbeat(path.replace('i-1', 'i%2D1'), remember(h.admin))],
  ])('%s', async (_name, send) => {
    expect((await send()).status).toBe(DECLINED);
  });
});

describe('refuses like the Express route', () => {
  const path = '/v1/services/orders/instances/i-1/heartbeat';
  it.each<[string, string, string, number]>([
    ['a token for another service', path, 'billing', 403],
    ['an invalid service name', path.replace('orders', '-orders'), 'admin', 400],
  ])('%s', async (_name, target, who, status) => {
    const token = who === 'admin' ? h.admin : h.tokenFor(who);
    const res = await heartbeat(target, remember(token));
    const express = await request(h.app)
      .put(`${target}?via=express`)
      .set('Authorization', `Bearer ${token}`);
    expect({ status: res.status, body: await res.json() }).toEqual({
      status,
      body: express.body,
    });
  });
});
