import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import type { Consumer, Credential, StateSnapshot } from '@kong-registry/sdk';
import { createHarness, type Harness } from './harness';

describe('registry: consumers and credentials', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const admin = () => ({ Authorization: `Bearer ${h.admin}` });
  const createConsumer = (body: object) =>
    request(h.app).post('/v1/consumers').set(admin()).send(body);

  it('creates a consumer with groups; a second one with the same name is 409', async () => {
    const res = await createConsumer({ username: 'alice', groups: ['staff', 'admins', 'staff'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      username: 'alice',
      customId: null,
      groups: ['admins', 'staff'],
      credentials: [],
    });
    const again = await createConsumer({ username: 'alice' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'REG_ERR_CONSUMER_EXISTS' });
  });

  it('shows a key-auth key once: in the creation reply and in /v1/state, never in listings', async () => {
    await createConsumer({ username: 'alice' });
    const created = await request(h.app)
      .post('/v1/consumers/alice/credentials')
      .set(admin())
      .send({ type: 'key-auth' });
    expect(created.status).toBe(201);
    const key = (created.body as { key: string }).key;
    expect(key).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const list = await request(h.app).get('/v1/consumers').set(admin());
    const one = await request(h.app).get('/v1/consumers/alice').set(admin());
    for (const body of [list.text, one.text]) expect(body).not.toContain(key);
    expect((one.body as Consumer).credentials).toEqual([
      { id: (created.body as Credential).id, type: 'key-auth', createdAt: expect.any(String) },
    ]);

    const state = (await request(h.app).get('/v1/state').set(admin())).body as StateSnapshot;
    expect(state.consumers[0]?.credentials[0]).toMatchObject({ type: 'key-auth', key });
  });

  it('generates an HS256 secret for jwt credentials and never lists it', async () => {
    await createConsumer({ username: 'bob' });
    const created = await request(h.app)
      .post('/v1/consumers/bob/credentials')
      .set(admin())
      .send({ type: 'jwt', key: 'bob-issuer' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'jwt',
      algorithm: 'HS256',
      key: 'bob-issuer',
      secret: expect.any(String),
    });
    const secret = (created.body as { secret: string }).secret;
    const list = await request(h.app).get('/v1/consumers').set(admin());
    expect(list.text).not.toContain(secret);
    expect(list.text).toContain('bob-issuer');
    const state = await request(h.app).get('/v1/state').set(admin());
    expect(state.text).toContain(secret);
  });

  it('accepts an RS256 public key and refuses a private key or garbage', async () => {
    await createConsumer({ username: 'carol' });
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const ok = await request(h.app)
      .post('/v1/consumers/carol/credentials')
      .set(admin())
      .send({ type: 'jwt', algorithm: 'RS256', rsaPublicKey: publicKey });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      algorithm: 'RS256',
      rsaPublicKey: expect.stringContaining('BEGIN PUBLIC KEY'),
    });
    expect(ok.body).not.toHaveProperty('secret');
    for (const rsaPublicKey of [privateKey, 'not a key']) {
      const bad = await request(h.app)
        .post('/v1/consumers/carol/credentials')
        .set(admin())
        .send({ type: 'jwt', algorithm: 'RS256', rsaPublicKey });
      expect(bad.status).toBe(400);
    }
    const missing = await request(h.app)
      .post('/v1/consumers/carol/credentials')
      .set(admin())
      .send({ type: 'jwt', algorithm: 'RS256' });
    expect(missing.status).toBe(400);
  });

  it('keeps every credential when many are added at once (compare-and-set)', async () => {
    await createConsumer({ username: 'dave' });
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(h.app)
          .post('/v1/consumers/dave/credentials')
          .set(admin())
          .send({ type: 'key-auth' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 8 }, () => 201));
    const one = (await request(h.app).get('/v1/consumers/dave').set(admin())).body as Consumer;
    expect(one.credentials).toHaveLength(8);
  });

  it('updates groups, deletes credentials and consumers, with 404s for what is gone', async () => {
    await createConsumer({ username: 'erin', groups: ['a'] });
    const patched = await request(h.app)
      .patch('/v1/consumers/erin')
      .set(admin())
      .send({ groups: ['b'], customId: 'e-1' });
    expect(patched.body).toMatchObject({ groups: ['b'], customId: 'e-1' });
    const cred = (
      await request(h.app)
        .post('/v1/consumers/erin/credentials')
        .set(admin())
        .send({ type: 'key-auth' })
    ).body as Credential;
    expect(
      (await request(h.app).delete(`/v1/consumers/erin/credentials/${cred.id}`).set(admin()))
        .status,
    ).toBe(204);
    const gone = await request(h.app)
      .delete(`/v1/consumers/erin/credentials/${cred.id}`)
      .set(admin());
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'REG_ERR_CREDENTIAL_NOT_FOUND' });
    expect((await request(h.app).delete('/v1/consumers/erin').set(admin())).status).toBe(204);
    const missing = await request(h.app).get('/v1/consumers/erin').set(admin());
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'REG_ERR_CONSUMER_NOT_FOUND' });
  });

  it('refuses a chosen key that another consumer already uses (Kong needs keys unique)', async () => {
    await createConsumer({ username: 'gina' });
    await createConsumer({ username: 'hank' });
    const key = 'shared-key-0123456789';
    const first = await request(h.app)
      .post('/v1/consumers/gina/credentials')
      .set(admin())
      .send({ type: 'key-auth', key });
    expect(first.status).toBe(201);
    const second = await request(h.app)
      .post('/v1/consumers/hank/credentials')
      .set(admin())
      .send({ type: 'key-auth', key });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'REG_ERR_CREDENTIAL_EXISTS' });
    expect(second.text).not.toContain(key);
  });

  it.each([
    ['bad username', { username: 'a b' }],
    ['unknown field', { username: 'zed', role: 'x' }],
    ['bad group', { username: 'zed', groups: ['a/b'] }],
  ])('refuses a consumer with %s and stores nothing', async (_name, body) => {
    const before = await h.dumpKeys();
    const res = await createConsumer(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'REG_ERR_VALIDATION' });
    expect(await h.dumpKeys()).toEqual(before);
  });

  it('bumps the revision on every consumer change', async () => {
    const revision = async () =>
      ((await request(h.app).get('/v1/state').set(admin())).body as StateSnapshot).revision;
    const r0 = await revision();
    await createConsumer({ username: 'frank' });
    const r1 = await revision();
    await request(h.app)
      .post('/v1/consumers/frank/credentials')
      .set(admin())
      .send({ type: 'key-auth' });
    expect(r1).toBeGreaterThan(r0);
    expect(await revision()).toBeGreaterThan(r1);
  });
});
