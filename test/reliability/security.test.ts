/**
 * Hostile callers against the registry's HTTP API: forged, expired and misdirected tokens, other
 * services' prefixes, admin-only paths, secret handling and rate limits. Every refused request is
 * checked to have written nothing (the Redis keys under the test's prefix are identical before and
 * after) and to leak no token in its reply.
 */
import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { createTestRegistry, HS_SECRET, type TestRegistry } from './support/registry';
import { claims, hmacToken, rsaToken, unsignedTokens } from './support/tokens';
import { recordFigure } from './support/figures';

const INSTANCE = '/v1/services/orders/instances/i-1';
const body = (extra: Record<string, unknown> = {}) => ({ host: '10.0.0.1', port: 8080, ...extra });

/** Every endpoint behind authentication, with a body where it takes one. */
const PROTECTED: {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  path: string;
  send?: object;
}[] = [
  { method: 'put', path: INSTANCE, send: body() },
  { method: 'put', path: `${INSTANCE}/heartbeat` },
  { method: 'delete', path: INSTANCE },
  { method: 'delete', path: `${INSTANCE}?drain=true` },
  { method: 'put', path: `${INSTANCE}/gateway-health`, send: { status: 'HEALTHY' } },
  { method: 'get', path: '/v1/services' },
  { method: 'get', path: '/v1/services/orders' },
  { method: 'get', path: '/v1/routes' },
  { method: 'get', path: '/v1/events' },
  { method: 'get', path: '/v1/state' },
  { method: 'get', path: '/v1/consumers' },
  { method: 'post', path: '/v1/consumers', send: { username: 'mallory' } },
  { method: 'get', path: '/v1/consumers/alice' },
  { method: 'patch', path: '/v1/consumers/alice', send: { groups: ['admins'] } },
  { method: 'delete', path: '/v1/consumers/alice' },
  { method: 'post', path: '/v1/consumers/alice/credentials', send: { type: 'key-auth' } },
  {
    method: 'delete',
    path: '/v1/consumers/alice/credentials/00000000-0000-4000-8000-000000000000',
  },
];

/** Endpoints a service token must never reach, even for its own service. */
const ADMIN_ONLY = PROTECTED.filter(
  (e) =>
    e.path.includes('consumers') || e.path === '/v1/state' || e.path.endsWith('gateway-health'),
);

function call(
  reg: TestRegistry,
  endpoint: (typeof PROTECTED)[number],
  authorization?: string,
): request.Test {
  let req = request(reg.app)[endpoint.method](endpoint.path);
  if (authorization !== undefined) req = req.set('Authorization', authorization);
  return endpoint.send ? req.send(endpoint.send) : req;
}

describe('reliability/security: tokens', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await createTestRegistry();
    // Something to protect: a live instance and a consumer.
    await request(reg.app).put(INSTANCE).set('Authorization', `Bearer ${reg.admin}`).send(body());
    await request(reg.app)
      .post('/v1/consumers')
      .set('Authorization', `Bearer ${reg.admin}`)
      .send({ username: 'alice' });
  });
  afterAll(() => reg.close());

  const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forged: [string, () => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['Basic credentials', () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['an empty bearer', () => 'Bearer '],
    ['two bearer tokens', () => `Bearer ${reg.admin} ${reg.admin}`],
    ['a valid token under another scheme', () => `Token ${reg.admin}`],
    ['garbage', () => 'Bearer not.a.jwt'],
    [
      'expired',
      () => `Bearer ${hmacToken(claims({ exp: Math.floor(Date.now() / 1000) - 5 }), HS_SECRET)}`,
    ],
    ['signed with another secret', () => `Bearer ${hmacToken(claims(), `${HS_SECRET}-other`)}`],
    ['HS512 with the right secret', () => `Bearer ${hmacToken(claims(), HS_SECRET, 'HS512')}`],
    [
      'RS256 from an unknown key',
      () =>
        `Bearer ${rsaToken(claims(), otherKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())}`,
    ],
    [
      'no exp',
      () => {
        const { exp: _exp, ...rest } = claims();
        return `Bearer ${hmacToken(rest, HS_SECRET)}`;
      },
    ],
    ['another issuer', () => `Bearer ${hmacToken(claims({ iss: 'someone-else' }), HS_SECRET)}`],
    ['another audience', () => `Bearer ${hmacToken(claims({ aud: 'kong' }), HS_SECRET)}`],
    ['an unknown role', () => `Bearer ${hmacToken(claims({ role: 'root' }), HS_SECRET)}`],
    [
      'a service token without a service',
      () => `Bearer ${hmacToken(claims({ role: 'service' }), HS_SECRET)}`,
    ],
    ...unsignedTokens(claims()).map((t, i): [string, () => string] => [
      `alg none #${i + 1}`,
      () => `Bearer ${t}`,
    ]),
    [
      'a signature moved onto another payload',
      () => {
        const [, , sig] = reg.tokenFor('orders').split('.');
        const [head, payload] = hmacToken(claims(), 'x').split('.');
        return `Bearer ${head}.${payload}.${sig}`;
      },
    ],
  ];

  it.each(forged)(
    '%s: 401 on every protected endpoint, nothing written, nothing echoed',
    async (_name, make) => {
      const authorization = make();
      const before = await reg.snapshot();
      for (const endpoint of PROTECTED) {
        const res = await call(reg, endpoint, authorization);
        expect([endpoint.path, res.status]).toEqual([endpoint.path, 401]);
        expect(res.body.code).toMatch(/^REG_ERR_(UNAUTHORIZED|TOKEN_EXPIRED)$/);
        const token = authorization?.split(' ')[1];
        if (token && token.length > 8) expect(res.text).not.toContain(token);
      }
      expect(await reg.snapshot()).toEqual(before);
      recordFigure('security', 'forged-token requests refused', PROTECTED.length);
    },
  );

  it('an expired token says so (REG_ERR_TOKEN_EXPIRED), so callers know to mint a new one', async () => {
    const expired = hmacToken(claims({ exp: Math.floor(Date.now() / 1000) - 5 }), HS_SECRET);
    const res = await request(reg.app).get('/v1/routes').set('Authorization', `Bearer ${expired}`);
    expect(res.body).toMatchObject({ code: 'REG_ERR_TOKEN_EXPIRED' });
  });

  it('a rotated secret refuses tokens signed with the old one', async () => {
    const rotated = await createTestRegistry({
      keys: { algorithm: 'HS256', secret: `${HS_SECRET}-rotated` },
    });
    try {
      const res = await request(rotated.app)
        .put(INSTANCE)
        .set('Authorization', `Bearer ${reg.tokenFor('orders')}`)
        .send(body());
      expect(res.status).toBe(401);
      expect(await rotated.snapshot()).toEqual([]);
    } finally {
      await rotated.close();
    }
  });
});

describe('reliability/security: RS256 registry and HS/RS confusion', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await createTestRegistry({ keys: { algorithm: 'RS256', publicKey, privateKey } });
  });
  afterAll(() => reg.close());

  const put = (token: string) =>
    request(reg.app).put(INSTANCE).set('Authorization', `Bearer ${token}`).send(body());

  it('an HS256 token signed with the public key as HMAC secret is refused', async () => {
    for (const secret of [publicKey, publicKey.trim(), Buffer.from(publicKey).toString('base64')]) {
      const res = await put(hmacToken(claims(), secret));
      expect(res.status).toBe(401);
    }
    expect(await reg.snapshot()).toEqual([]);
  });

  it('alg none is refused', async () => {
    for (const token of unsignedTokens(claims())) expect((await put(token)).status).toBe(401);
  });

  it('a token signed with the private key passes', async () => {
    expect((await put(rsaToken(claims(), privateKey))).status).toBe(201);
  });
});

describe('reliability/security: one service cannot touch another', () => {
  let reg: TestRegistry;
  beforeEach(async () => {
    reg = await createTestRegistry();
    const seeded = await request(reg.app)
      .put(INSTANCE)
      .set('Authorization', `Bearer ${reg.tokenFor('orders')}`)
      .send(body({ prefix: '/orders' }));
    expect(seeded.status).toBe(201);
  });
  afterEach(() => reg.close());

  it('a token for billing cannot register, heartbeat, drain or deregister an orders instance (403)', async () => {
    const billing = `Bearer ${reg.tokenFor('billing')}`;
    const before = await reg.snapshot();
    for (const endpoint of PROTECTED.slice(0, 4)) {
      const res = await call(reg, endpoint, billing);
      expect([endpoint.method, endpoint.path, res.status]).toEqual([
        endpoint.method,
        endpoint.path,
        403,
      ]);
      expect(res.body.code).toBe('REG_ERR_FORBIDDEN');
    }
    // A new instance of orders is the same refusal, not only existing ones.
    const fresh = await request(reg.app)
      .put('/v1/services/orders/instances/i-2')
      .set('Authorization', billing)
      .send(body());
    expect(fresh.status).toBe(403);
    expect(await reg.snapshot()).toEqual(before);
  });

  it('a service token is refused by every admin-only endpoint, for its own service too (403)', async () => {
    const orders = `Bearer ${reg.tokenFor('orders')}`;
    const before = await reg.snapshot();
    for (const endpoint of ADMIN_ONLY) {
      const res = await call(reg, endpoint, orders);
      expect([endpoint.method, endpoint.path, res.status]).toEqual([
        endpoint.method,
        endpoint.path,
        403,
      ]);
    }
    expect(await reg.snapshot()).toEqual(before);
  });

  it("another live service's prefix is 409, even for an admin; free again once its owner is gone", async () => {
    const before = await reg.snapshot();
    for (const token of [reg.tokenFor('billing'), reg.admin]) {
      const res = await request(reg.app)
        .put('/v1/services/billing/instances/b-1')
        .set('Authorization', `Bearer ${token}`)
        .send(body({ prefix: '/orders' }));
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'REG_ERR_PREFIX_CONFLICT' });
    }
    // The default prefix of a service named like another's prefix is no way around it either.
    expect(await reg.snapshot()).toEqual(before);
    await request(reg.app).delete(INSTANCE).set('Authorization', `Bearer ${reg.admin}`).expect(204);
    const taken = await request(reg.app)
      .put('/v1/services/billing/instances/b-1')
      .set('Authorization', `Bearer ${reg.tokenFor('billing')}`)
      .send(body({ prefix: '/orders' }));
    expect(taken.status).toBe(201);
  });

  it.each(['/v1', '/v1/services', '/registry', '/registry/ui', '/_kong', '/_kong/admin'])(
    'reserved prefix %s is refused (400 REG_ERR_PREFIX_RESERVED), for admins too',
    async (prefix) => {
      const before = await reg.snapshot();
      for (const token of [reg.tokenFor('shop'), reg.admin]) {
        const res = await request(reg.app)
          .put('/v1/services/shop/instances/s-1')
          .set('Authorization', `Bearer ${token}`)
          .send(body({ prefix }));
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'REG_ERR_PREFIX_RESERVED' });
      }
      expect(await reg.snapshot()).toEqual(before);
    },
  );
});

describe('reliability/security: consumer secrets and logs', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await createTestRegistry();
  });
  afterAll(() => reg.close());

  it('secrets appear in the creation reply only: never listed, never in events, never logged', async () => {
    const admin = `Bearer ${reg.admin}`;
    await request(reg.app)
      .post('/v1/consumers')
      .set('Authorization', admin)
      .send({ username: 'alice' })
      .expect(201);
    const keyAuth = await request(reg.app)
      .post('/v1/consumers/alice/credentials')
      .set('Authorization', admin)
      .send({ type: 'key-auth' })
      .expect(201);
    const chosenKey = 'my-own-key-auth-key-0123456789';
    await request(reg.app)
      .post('/v1/consumers/alice/credentials')
      .set('Authorization', admin)
      .send({ type: 'key-auth', key: chosenKey })
      .expect(201);
    const jwtCred = await request(reg.app)
      .post('/v1/consumers/alice/credentials')
      .set('Authorization', admin)
      .send({ type: 'jwt' })
      .expect(201);
    expect(keyAuth.headers['cache-control']).toBe('no-store');
    const secrets = [
      keyAuth.body.credentials?.at(-1)?.key ?? keyAuth.body.key,
      chosenKey,
      jwtCred.body.credentials?.at(-1)?.secret ?? jwtCred.body.secret,
    ];
    for (const secret of secrets) expect(typeof secret).toBe('string');

    const readers = [
      request(reg.app).get('/v1/consumers').set('Authorization', admin),
      request(reg.app).get('/v1/consumers/alice').set('Authorization', admin),
      request(reg.app)
        .patch('/v1/consumers/alice')
        .set('Authorization', admin)
        .send({ groups: ['gold'] }),
      request(reg.app).get('/v1/services').set('Authorization', admin),
      request(reg.app).get('/v1/routes').set('Authorization', admin),
      request(reg.app).get('/metrics'),
    ];
    for (const res of await Promise.all(readers)) {
      expect(res.status).toBe(200);
      for (const secret of secrets) expect(res.text).not.toContain(secret);
    }
    // The change log (streamed to any token holder over SSE) names the consumer, never a credential.
    const events = JSON.stringify(await reg.redis.xrange(`${reg.prefix}events`, '-', '+'));
    for (const secret of secrets) expect(events).not.toContain(secret);
    // A duplicate key is refused without echoing it.
    const duplicate = await request(reg.app)
      .post('/v1/consumers/alice/credentials')
      .set('Authorization', admin)
      .send({ type: 'key-auth', key: chosenKey });
    expect(duplicate.status).toBeGreaterThanOrEqual(400);
    expect(duplicate.text).not.toContain(chosenKey);

    const logs = reg.logs.text();
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });

  it('no log line carries a bearer token or any part of its signature, refused or accepted', async () => {
    const tokens = [
      reg.admin,
      reg.tokenFor('orders'),
      reg.tokenFor('billing'),
      hmacToken(claims(), 'wrong-secret'),
    ];
    for (const token of tokens) {
      await request(reg.app).put(INSTANCE).set('Authorization', `Bearer ${token}`).send(body());
      await request(reg.app).put(INSTANCE).set('Authorization', `Bearer ${token}`).send('{broken');
      await request(reg.app).get('/v1/state').set('Authorization', `Bearer ${token}`);
    }
    const logs = reg.logs.text();
    expect(reg.logs.lines.length).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(logs).not.toContain(token);
      expect(logs).not.toContain(token.split('.')[2]);
    }
  });
});

describe('reliability/security: rate limits and public surface', () => {
  it('registration is rate limited per token subject: 429 + Retry-After; a fresh token for the same service does not reset it', async () => {
    const reg = await createTestRegistry({
      env: { REGISTRY_RATE_LIMIT_BURST: '3', REGISTRY_RATE_LIMIT_PER_SECOND: '0.1' },
    });
    try {
      const put = (token: string) =>
        request(reg.app).put(INSTANCE).set('Authorization', `Bearer ${token}`).send(body());
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await put(reg.tokenFor('orders'))).status);
      // A fresh token for the same service: another lifetime, so another signature.
      const fresh = reg.tokenFor('orders', {}, 7200);
      expect(fresh.split('.')[2]).not.toBe(reg.tokenFor('orders').split('.')[2]);
      const limited = await put(fresh);
      expect(statuses).toEqual([201, 200, 200]);
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: 'REG_ERR_RATE_LIMITED' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Another service's bucket is its own.
      const other = await request(reg.app)
        .put('/v1/services/billing/instances/b-1')
        .set('Authorization', `Bearer ${reg.tokenFor('billing')}`)
        .send(body());
      expect(other.status).toBe(201);
    } finally {
      await reg.close();
    }
  });

  it('without a token only the probes, metrics, the OpenAPI document and the UI assets answer', async () => {
    const reg = await createTestRegistry({
      env: { REGISTRY_UI_DIR: `${__dirname}/../../registry/ui` },
    });
    try {
      expect((await request(reg.app).get('/healthz')).status).toBe(200);
      expect((await request(reg.app).get('/readyz')).status).toBe(200);
      expect((await request(reg.app).get('/v1/openapi.json')).status).toBe(200);
      const metrics = await request(reg.app).get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).not.toContain(HS_SECRET);
      // The UI is static files; every piece of data it shows comes from /v1 with the admin token.
      const ui = await request(reg.app).get('/ui/');
      expect(ui.status).toBe(200);
      expect(ui.text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
      for (const endpoint of PROTECTED) expect((await call(reg, endpoint)).status).toBe(401);
    } finally {
      await reg.close();
    }
  });
});
