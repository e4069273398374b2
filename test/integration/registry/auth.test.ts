import jwt from 'jsonwebtoken';
import request from 'supertest';
import { mintToken, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@kong-registry/registry';
import { waitFor } from '../../helpers/wait';
import { createHarness, registration, TEST_SECRET, type Harness } from './harness';

describe('registry: token scope', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const register = (token: string | undefined, service = 'orders') => {
    const req = request(h.app).put(`/v1/services/${service}/instances/i-1`);
    if (token !== undefined) req.set('Authorization', `Bearer ${token}`);
    return req.send(registration());
  };
  /** Signs like the registry does, with overrides; `noExp` leaves out the exp claim. */
  const sign = (
    payload: object,
    options: jwt.SignOptions & { noExp?: boolean } = {},
    secret = TEST_SECRET,
  ) => {
    const { noExp, ...rest } = options;
    return jwt.sign(payload, secret, {
      algorithm: 'HS256',
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      ...(noExp || 'exp' in payload ? {} : { expiresIn: 60 }),
      ...rest,
    });
  };

  it.each([
    ['no token', undefined, 'REG_ERR_UNAUTHORIZED'],
    ['garbage', 'not-a-jwt', 'REG_ERR_UNAUTHORIZED'],
    [
      'wrong secret',
      sign({ role: 'admin' }, {}, 'another-secret-0123456789abcdef012345'),
      'REG_ERR_UNAUTHORIZED',
    ],
    [
      'expired',
      sign({ role: 'admin', exp: Math.floor(Date.now() / 1000) - 10 }),
      'REG_ERR_TOKEN_EXPIRED',
    ],
    ['no exp', sign({ role: 'admin' }, { noExp: true }), 'REG_ERR_UNAUTHORIZED'],
    ['wrong issuer', sign({ role: 'admin' }, { issuer: 'someone-else' }), 'REG_ERR_UNAUTHORIZED'],
    ['wrong audience', sign({ role: 'admin' }, { audience: 'kong' }), 'REG_ERR_UNAUTHORIZED'],
    ['unknown role', sign({ role: 'root' }), 'REG_ERR_UNAUTHORIZED'],
    ['service role without service', sign({ role: 'service' }), 'REG_ERR_UNAUTHORIZED'],
    [
      'alg none',
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
        JSON.stringify({
          role: 'admin',
          iss: TOKEN_ISSUER,
          aud: TOKEN_AUDIENCE,
          exp: Math.floor(Date.now() / 1000) + 60,
        }),
      ).toString('base64url')}.`,
      'REG_ERR_UNAUTHORIZED',
    ],
    [
      'HS512 with the right secret',
      sign({ role: 'admin' }, { algorithm: 'HS512' }),
      'REG_ERR_UNAUTHORIZED',
    ],
  ])('%s: 401', async (_name, token, code) => {
    const res = await register(token);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code });
    expect(JSON.stringify(res.body)).not.toContain(token ?? '@@');
  });

  it('a service token for another service is 403 on register, heartbeat and deregister', async () => {
    const token = h.tokenFor('billing');
    expect((await register(token)).status).toBe(403);
    const hb = await request(h.app)
      .put('/v1/services/orders/instances/i-1/heartbeat')
      .set('Authorization', `Bearer ${token}`);
    expect(hb.status).toBe(403);
    const del = await request(h.app)
      .delete('/v1/services/orders/instances/i-1')
      .set('Authorization', `Bearer ${token}`);
    expect(del.status).toBe(403);
    expect(del.body).toMatchObject({ code: 'REG_ERR_FORBIDDEN' });
  });

  it('the own service token and the admin token pass', async () => {
    expect((await register(h.tokenFor('orders'))).status).toBeLessThan(300);
    expect((await register(h.admin, 'payments')).status).toBe(201);
  });

  it('a service token may not read /v1/state, nor manage consumers', async () => {
    const token = h.tokenFor('orders');
    expect(
      (await request(h.app).get('/v1/state').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(403);
    expect(
      (await request(h.app).get('/v1/consumers').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(403);
    expect(
      (await request(h.app).get('/v1/routes').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(200);
    const report = await request(h.app)
      .put('/v1/services/orders/instances/i-1/gateway-health')
      .set('Authorization', `Bearer ${token}`)
      .send({ status: 'HEALTHY' });
    expect(report.status).toBe(403);
  });

  it('a prefixes claim limits the prefixes a service may claim', async () => {
    const token = mintToken(
      h.keys,
      { role: 'service', service: 'shop', prefixes: ['/shop'] },
      { ttlSeconds: 60 },
    );
    const put = (prefix: string) =>
      request(h.app)
        .put('/v1/services/shop/instances/s-1')
        .set('Authorization', `Bearer ${token}`)
        .send(registration({ prefix }));
    expect((await put('/shop/cart')).status).toBe(201);
    const refused = await put('/other');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'REG_ERR_FORBIDDEN' });
  });

  it('a token accepted before (remembered by the token cache) is refused once its exp passes', async () => {
    const token = sign({ role: 'admin', exp: Math.floor(Date.now() / 1000) + 1 });
    expect((await register(token, 'shortlived')).status).toBe(201);
    const refused = await waitFor(
      async () => {
        const res = await register(token, 'shortlived');
        return res.status === 401 ? res : undefined;
      },
      { timeoutMs: 5000, what: 'the short-lived token to be refused' },
    );
    expect(refused.body).toMatchObject({ code: 'REG_ERR_TOKEN_EXPIRED' });
  });

  it('a remembered token lets no other token through: same claims, another signature, is 401', async () => {
    const good = sign({ role: 'admin', sub: 'cache-check' });
    expect((await register(good, 'cachecheck')).status).toBe(201);
    const forged = `${good.slice(0, good.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    const res = await register(forged, 'cachecheck');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'REG_ERR_UNAUTHORIZED' });
  });

  it('rate limits registrations per token with 429 and Retry-After', async () => {
    const limited = await createHarness({
      REGISTRY_RATE_LIMIT_BURST: '3',
      REGISTRY_RATE_LIMIT_PER_SECOND: '0.5',
    });
    try {
      const token = limited.tokenFor('orders');
      const statuses: number[] = [];
      let last: request.Response | undefined;
      for (let i = 0; i < 4; i += 1) {
        last = await request(limited.app)
          .put('/v1/services/orders/instances/i-1')
          .set('Authorization', `Bearer ${token}`)
          .send(registration());
        statuses.push(last.status);
      }
      expect(statuses).toEqual([201, 200, 200, 429]);
      expect(last?.body).toMatchObject({ code: 'REG_ERR_RATE_LIMITED' });
      expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Another token has its own bucket.
      const other = await request(limited.app)
        .put('/v1/services/orders/instances/i-1')
        .set('Authorization', `Bearer ${limited.admin}`)
        .send(registration());
      expect(other.status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
