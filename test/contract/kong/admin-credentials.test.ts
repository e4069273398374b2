// Plugins and the key-auth / jwt / acl credential endpoints (Kong's schemas:
// kong-sim/KONG_BEHAVIOUR.md#entity-schemas-and-defaults).
import { adminCall, startKongTarget, uniqueName, type KongTarget } from './helpers/target';

let kong: KongTarget;
let consumer: { id: string; username: string };
beforeAll(async () => {
  kong = await startKongTarget();
  consumer = (await adminCall(kong, 'POST', '/consumers', { body: { username: uniqueName('c') } }))
    .body;
});
afterAll(() => kong.close());

describe('plugins', () => {
  it('fills every config default and the default protocols', async () => {
    const service = (
      await adminCall(kong, 'POST', '/services', {
        body: { name: uniqueName('s'), host: 'a.test' },
      })
    ).body;
    const res = await adminCall(kong, 'POST', `/services/${service.id}/plugins`, {
      body: { name: 'jwt' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      service: { id: service.id },
      route: null,
      consumer: null,
      enabled: true,
      instance_name: null,
      protocols: ['grpc', 'grpcs', 'http', 'https'],
      config: {
        uri_param_names: ['jwt'],
        cookie_names: [],
        header_names: ['authorization'],
        key_claim_name: 'iss',
        secret_is_base64: false,
        claims_to_verify: null,
        anonymous: null,
        run_on_preflight: true,
        maximum_expiration: 0,
        realm: null,
      },
    });
  });

  it('rejects a second instance of a plugin in the same scope with 409 code 5', async () => {
    const service = (
      await adminCall(kong, 'POST', '/services', {
        body: { name: uniqueName('s'), host: 'a.test' },
      })
    ).body;
    await adminCall(kong, 'POST', `/services/${service.id}/plugins`, {
      body: { name: 'key-auth' },
    });
    const dup = await adminCall(kong, 'POST', `/services/${service.id}/plugins`, {
      body: { name: 'key-auth' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toBe(
      `UNIQUE violation detected on '{consumer=null,name="key-auth",route=null,service={id="${service.id}"}}'`,
    );
  });

  it('rejects an unknown plugin and a consumer scope on key-auth', async () => {
    const unknown = await adminCall(kong, 'POST', '/plugins', { body: { name: 'nope' } });
    expect(unknown.body.fields).toEqual({
      name: "plugin 'nope' not enabled; add it to the 'plugins' configuration property",
    });
    const scoped = await adminCall(kong, 'POST', `/consumers/${consumer.id}/plugins`, {
      body: { name: 'key-auth' },
    });
    expect(scoped.status).toBe(400);
    expect(scoped.body.fields).toEqual({ consumer: 'value must be null' });
  });

  it('requires exactly one of allow/deny on acl', async () => {
    const res = await adminCall(kong, 'POST', '/plugins', { body: { name: 'acl', config: {} } });
    expect(res.status).toBe(400);
    expect(res.body.fields['@entity']).toEqual([
      "exactly one of these fields must be non-empty: 'config.allow', 'config.deny'",
    ]);
  });
});

describe('credentials', () => {
  it('generates a 32-character key-auth key when none is given', async () => {
    const res = await adminCall(kong, 'POST', `/consumers/${consumer.username}/key-auth`, {
      body: {},
    });
    expect(res.status).toBe(201);
    expect(res.body.key).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(res.body.consumer).toEqual({ id: consumer.id });
    const top = await adminCall(kong, 'GET', `/key-auths/${res.body.key}`);
    expect(top.body.id).toBe(res.body.id);
  });

  it('rejects a duplicate key-auth key with 409', async () => {
    const key = uniqueName('k');
    await adminCall(kong, 'POST', `/consumers/${consumer.id}/key-auth`, { body: { key } });
    const dup = await adminCall(kong, 'POST', `/consumers/${consumer.id}/key-auth`, {
      body: { key },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toBe(`UNIQUE violation detected on '{key="${key}"}'`);
  });

  it('defaults jwt algorithm to HS256 with a generated key and secret, and requires a public key for RS256', async () => {
    const res = await adminCall(kong, 'POST', `/consumers/${consumer.id}/jwt`, { body: {} });
    expect(res.body).toMatchObject({ algorithm: 'HS256', rsa_public_key: null });
    expect(res.body.key).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(res.body.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    const rs = await adminCall(kong, 'POST', `/consumers/${consumer.id}/jwt`, {
      body: { algorithm: 'RS256' },
    });
    expect(rs.status).toBe(400);
    expect(rs.body.fields).toEqual({ rsa_public_key: 'required field missing' });
  });

  it('addresses ACL groups by name under a consumer and keeps (consumer, group) unique', async () => {
    const group = uniqueName('g');
    const created = await adminCall(kong, 'PUT', `/consumers/${consumer.id}/acls/${group}`, {
      body: {},
    });
    expect(created.status).toBe(200);
    expect(created.body.group).toBe(group);
    expect((await adminCall(kong, 'GET', `/consumers/${consumer.id}/acls/${group}`)).body.id).toBe(
      created.body.id,
    );
    const dup = await adminCall(kong, 'POST', `/consumers/${consumer.id}/acls`, {
      body: { group },
    });
    expect(dup.status).toBe(409);
    expect(
      (await adminCall(kong, 'DELETE', `/consumers/${consumer.id}/acls/${group}`)).status,
    ).toBe(204);
    expect(
      (await adminCall(kong, 'DELETE', `/consumers/${consumer.id}/acls/${group}`)).status,
    ).toBe(404);
  });

  it('upserts credentials by id on the nested path as decK does', async () => {
    const id = '3b0f5e0a-8c1d-4d2e-9f3a-1b2c3d4e5f60';
    const res = await adminCall(kong, 'PUT', `/consumers/${consumer.id}/key-auth/${id}`, {
      body: { key: uniqueName('k') },
    });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(id);
    await adminCall(kong, 'DELETE', `/consumers/${consumer.id}/key-auth/${id}`);
  });
});
