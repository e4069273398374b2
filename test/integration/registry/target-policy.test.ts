/**
 * Which addresses a registration may name, through the HTTP API: REGISTRY_ALLOWED_TARGETS, a
 * token's own `targets` claim and source binding. Every refusal is 400 REG_ERR_TARGET_DENIED
 * naming the rule, with nothing stored. (The spellings of Kong's own Admin API are in
 * test/reliability/kong-self-protection.test.ts.)
 */
import request from 'supertest';
import { createHarness, type Harness } from './harness';

const put = (h: Harness, token: string, body: object, id = 'i-1') =>
  request(h.app)
    .put(`/v1/services/orders/instances/${id}`)
    .set('Authorization', `Bearer ${token}`)
    .send({ port: 3000, ...body });

async function expectDenied(h: Harness, reply: request.Response, why: RegExp): Promise<void> {
  expect({ status: reply.status, code: reply.body.code }).toEqual({
    status: 400,
    code: 'REG_ERR_TARGET_DENIED',
  });
  expect(reply.body.message).toMatch(why);
  expect(await h.dumpKeys()).toEqual([]);
}

describe('REGISTRY_ALLOWED_TARGETS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ REGISTRY_ALLOWED_TARGETS: '10.0.3.0/24,127.0.0.1:3000' });
  });
  afterAll(() => h.close());

  it('refuses an address outside the list, for admins too', async () => {
    await expectDenied(
      h,
      await put(h, h.admin, { host: '10.0.4.1' }),
      /not in REGISTRY_ALLOWED_TARGETS/,
    );
    await expectDenied(
      h,
      await put(h, h.tokenFor('orders'), { host: '127.1', port: 3001 }),
      /not in REGISTRY_ALLOWED_TARGETS/,
    );
  });

  it('accepts an address inside it and stores its canonical form', async () => {
    const reply = await put(h, h.tokenFor('orders'), { host: '::ffff:10.0.3.9' }, 'i-ok');
    expect(reply.status).toBe(201);
    expect(reply.body.instance.host).toBe('10.0.3.9');
    await request(h.app)
      .delete('/v1/services/orders/instances/i-ok')
      .set('Authorization', `Bearer ${h.admin}`)
      .expect(204);
  });
});

describe("a token's targets claim", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('narrows what that token may register', async () => {
    const token = h.tokenFor('orders', { targets: ['10.0.3.0/28'] });
    await expectDenied(
      h,
      await put(h, token, { host: '10.0.3.99' }),
      /not in the token's targets claim/,
    );
    const reply = await put(h, token, { host: '10.0.3.9' }, 'i-ok');
    expect(reply.status).toBe(201);
  });

  it('refuses a token whose claim does not parse (401)', async () => {
    const reply = await put(h, h.tokenFor('orders', { targets: ['10.0.0.0/33'] }), {
      host: '10.0.3.9',
    });
    expect({ status: reply.status, code: reply.body.code }).toEqual({
      status: 401,
      code: 'REG_ERR_UNAUTHORIZED',
    });
  });
});

describe('REGISTRY_BIND_SOURCE', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ REGISTRY_BIND_SOURCE: 'true' });
  });
  afterAll(() => h.close());

  it('lets a service token register only the address it calls from', async () => {
    await expectDenied(
      h,
      await put(h, h.tokenFor('orders'), { host: '10.0.0.1' }),
      /source binding/,
    );
    const own = await put(h, h.tokenFor('orders'), { host: '127.0.0.1' }, 'i-own');
    expect(own.status).toBe(201);
    const implied = await put(h, h.tokenFor('orders'), {}, 'i-implied');
    expect({ status: implied.status, host: implied.body.instance.host }).toEqual({
      status: 201,
      host: '127.0.0.1',
    });
  });

  it('exempts admin tokens', async () => {
    expect((await put(h, h.admin, { host: '10.0.0.1' }, 'i-admin')).status).toBe(201);
  });
});
