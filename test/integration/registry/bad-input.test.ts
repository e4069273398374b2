import request from 'supertest';
import { createHarness, registration, type Harness } from './harness';

describe('registry: bad input is a 4xx and changes nothing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ REGISTRY_BODY_LIMIT_BYTES: '2048' });
    // One live service, so conflicts and "nothing changed" have something to compare against.
    await request(h.app)
      .put('/v1/services/orders/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .send(registration());
  });
  afterAll(async () => {
    await h.close();
  });

  const cases: [string, string, unknown, number, string][] = [
    [
      'service name with uppercase',
      '/v1/services/Orders/instances/i-1',
      registration(),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'service name with underscore',
      '/v1/services/my_svc/instances/i-1',
      registration(),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'service name too long',
      `/v1/services/${'a'.repeat(64)}/instances/i-1`,
      registration(),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'service name ending in -',
      '/v1/services/orders-/instances/i-1',
      registration(),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'instance id with a space',
      '/v1/services/billing/instances/a%20b',
      registration(),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'instance id too long',
      `/v1/services/billing/instances/${'x'.repeat(129)}`,
      registration(),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'port 0',
      '/v1/services/billing/instances/i-1',
      registration({ port: 0 }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'port 70000',
      '/v1/services/billing/instances/i-1',
      registration({ port: 70000 }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'port as a string',
      '/v1/services/billing/instances/i-1',
      registration({ port: '8080' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'port missing',
      '/v1/services/billing/instances/i-1',
      { host: '10.0.0.1' },
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'host with a path',
      '/v1/services/billing/instances/i-1',
      registration({ host: 'evil.com/x' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'host with a scheme',
      '/v1/services/billing/instances/i-1',
      registration({ host: 'http://a' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'unknown protocol',
      '/v1/services/billing/instances/i-1',
      registration({ protocol: 'tcp' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'weight 1001',
      '/v1/services/billing/instances/i-1',
      registration({ weight: 1001 }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'ttl below the minimum',
      '/v1/services/billing/instances/i-1',
      registration({ ttlSeconds: 1 }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'ttl above the maximum',
      '/v1/services/billing/instances/i-1',
      registration({ ttlSeconds: 100000 }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'unknown field',
      '/v1/services/billing/instances/i-1',
      registration({ colour: 'blue' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'unknown nested field',
      '/v1/services/billing/instances/i-1',
      registration({ healthCheck: { pth: '/x' } }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'metadata value not a string',
      '/v1/services/billing/instances/i-1',
      registration({ metadata: { a: 1 } }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'prefix without /',
      '/v1/services/billing/instances/i-1',
      registration({ prefix: 'billing' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'prefix with ..',
      '/v1/services/billing/instances/i-1',
      registration({ prefix: '/a/../b' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'prefix with a regex',
      '/v1/services/billing/instances/i-1',
      registration({ prefix: '~/bill(ing)?' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'prefix with a trailing /',
      '/v1/services/billing/instances/i-1',
      registration({ prefix: '/billing/' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'reserved prefix /v1',
      '/v1/services/billing/instances/i-1',
      registration({ prefix: '/v1' }),
      400,
      'REG_ERR_PREFIX_RESERVED',
    ],
    [
      'prefix under a reserved one',
      '/v1/services/billing/instances/i-1',
      registration({ prefix: '/v1/billing' }),
      400,
      'REG_ERR_PREFIX_RESERVED',
    ],
    [
      'auth type unknown',
      '/v1/services/billing/instances/i-1',
      registration({ auth: 'basic' }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'bad ACL group',
      '/v1/services/billing/instances/i-1',
      registration({ auth: { type: 'jwt', allowGroups: ['a b'] } }),
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'prefix owned by another service',
      '/v1/services/billing/instances/i-1',
      registration({ prefix: '/orders' }),
      409,
      'REG_ERR_PREFIX_CONFLICT',
    ],
    ['a JSON array body', '/v1/services/billing/instances/i-1', [1, 2], 400, 'REG_ERR_VALIDATION'],
    [
      'oversize body',
      '/v1/services/billing/instances/i-1',
      registration({
        metadata: {
          big: 'x'.repeat(250),
          ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'y'.repeat(200)])),
        },
      }),
      413,
      'REG_ERR_PAYLOAD_TOO_LARGE',
    ],
    [
      'heartbeat with a body field',
      '/v1/services/orders/instances/i-1/heartbeat',
      { ttlSeconds: 5 },
      400,
      'REG_ERR_VALIDATION',
    ],
    [
      'gateway health with an unknown status',
      '/v1/services/orders/instances/i-1/gateway-health',
      { status: 'GREEN' },
      400,
      'REG_ERR_VALIDATION',
    ],
  ];

  it.each(cases)('%s', async (_name, path, body, status, code) => {
    const before = await h.dumpKeys();
    const res = await request(h.app)
      .put(path)
      .set('Authorization', `Bearer ${h.admin}`)
      .send(body as object);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ code });
    expect(typeof (res.body as { message: unknown }).message).toBe('string');
    expect(await h.dumpKeys()).toEqual(before);
  });

  it('names the owner on a prefix conflict', async () => {
    const res = await request(h.app)
      .put('/v1/services/billing/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .send(registration({ prefix: '/orders' }));
    expect(res.status).toBe(409);
    expect((res.body as { message: string }).message).toContain("'orders'");
  });

  it('lists every validation problem in details', async () => {
    const res = await request(h.app)
      .put('/v1/services/billing/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .send({ port: 0, weight: -1, extra: true });
    expect(res.status).toBe(400);
    const paths = (res.body as { details: { path: string }[] }).details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['port', 'weight']));
    expect(paths.length).toBeGreaterThanOrEqual(3);
  });

  it('malformed JSON is 400 REG_ERR_MALFORMED_JSON and changes nothing', async () => {
    const before = await h.dumpKeys();
    const res = await request(h.app)
      .put('/v1/services/billing/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .set('Content-Type', 'application/json')
      .send('{"port": 80,');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'REG_ERR_MALFORMED_JSON' });
    expect(await h.dumpKeys()).toEqual(before);
  });

  it('a non-JSON body is 415 and changes nothing', async () => {
    const before = await h.dumpKeys();
    const res = await request(h.app)
      .put('/v1/services/billing/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .set('Content-Type', 'text/plain')
      .send('port=80');
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'REG_ERR_UNSUPPORTED_MEDIA_TYPE' });
    expect(await h.dumpKeys()).toEqual(before);
  });

  it('bad drain query and unknown paths are 4xx', async () => {
    const drain = await request(h.app)
      .delete('/v1/services/orders/instances/i-1?drain=maybe')
      .set('Authorization', `Bearer ${h.admin}`);
    expect(drain.status).toBe(400);
    const unknown = await request(h.app)
      .get('/v1/nothing-here')
      .set('Authorization', `Bearer ${h.admin}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'REG_ERR_NOT_FOUND' });
    const bad = await request(h.app)
      .get('/v1/services/NOPE')
      .set('Authorization', `Bearer ${h.admin}`);
    expect(bad.status).toBe(400);
  });

  it('a malformed percent escape in the path is 400, not 500, and changes nothing', async () => {
    const before = await h.dumpKeys();
    const res = await request(h.app)
      .put('/v1/services/%zz/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .send(registration());
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'REG_ERR_VALIDATION' });
    expect(await h.dumpKeys()).toEqual(before);
  });

  it('a body that does not decompress is 400, not 500, and changes nothing', async () => {
    const before = await h.dumpKeys();
    const res = await request(h.app)
      .put('/v1/services/billing/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{"port": 8080}');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'REG_ERR_VALIDATION' });
    expect(await h.dumpKeys()).toEqual(before);
  });

  it.each([
    ['127.0.0.1', 8001],
    ['localhost', 8444],
    ['169.254.169.254', 80],
  ])(
    'an instance at %s:%d (Kong Admin API, metadata) is refused and nothing is stored',
    async (host, port) => {
      const before = await h.dumpKeys();
      const res = await request(h.app)
        .put('/v1/services/billing/instances/i-1')
        .set('Authorization', `Bearer ${h.admin}`)
        .send({ host, port });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'REG_ERR_TARGET_DENIED' });
      expect(await h.dumpKeys()).toEqual(before);
    },
  );

  it.each(['/orders/admin', '/orders/a/b'])(
    'a service token may not claim %s, nested in /orders of orders (409, nothing stored)',
    async (prefix) => {
      const before = await h.dumpKeys();
      const res = await request(h.app)
        .put('/v1/services/billing/instances/i-1')
        .set('Authorization', `Bearer ${h.tokenFor('billing')}`)
        .send(registration({ prefix }));
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'REG_ERR_PREFIX_CONFLICT' });
      expect(res.body.message).toContain("service 'orders'");
      expect(await h.dumpKeys()).toEqual(before);
    },
  );

  it.each(['/ordersx', '/ord', '/orders-archive'])(
    'a service token may claim %s beside /orders of orders: no segment nests in the other',
    async (prefix) => {
      const res = await request(h.app)
        .put('/v1/services/billing/instances/i-1')
        .set('Authorization', `Bearer ${h.tokenFor('billing')}`)
        .send(registration({ prefix }));
      expect(res.status).toBe(201);
      await request(h.app)
        .delete('/v1/services/billing/instances/i-1')
        .set('Authorization', `Bearer ${h.admin}`)
        .expect(204);
    },
  );

  it('an admin may nest a prefix under another service on purpose', async () => {
    const res = await request(h.app)
      .put('/v1/services/orders-admin/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .send(registration({ prefix: '/orders/admin' }));
    expect(res.status).toBe(201);
    await request(h.app)
      .delete('/v1/services/orders-admin/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .expect(204);
  });
});
