// CRUD semantics of generated endpoints: defaults, PUT upsert, PATCH merge, DELETE, nested paths,
// foreign keys and referential integrity. Kong's rules:
// kong-sim/KONG_BEHAVIOUR.md#generated-endpoints-and-write-semantics and
// kong-sim/KONG_BEHAVIOUR.md#entity-schemas-and-defaults.
import { adminCall, startKongTarget, uniqueName, type KongTarget } from './helpers/target';

let kong: KongTarget;
beforeAll(async () => {
  kong = await startKongTarget();
});
afterAll(() => kong.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function createService(
  extra: Record<string, unknown> = {},
): Promise<{ id: string; name: string }> {
  const name = uniqueName('svc');
  const res = await adminCall(kong, 'POST', '/services', {
    body: { name, host: 'example.com', ...extra },
  });
  expect(res.status).toBe(201);
  return res.body;
}

describe('services and routes', () => {
  it('creates a service with 201, a UUID, integer timestamps and every default filled', async () => {
    const name = uniqueName('svc');
    const res = await adminCall(kong, 'POST', '/services', { body: { name, host: 'example.com' } });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(UUID);
    expect(Number.isInteger(res.body.created_at)).toBe(true);
    expect(res.body).toMatchObject({
      name,
      host: 'example.com',
      protocol: 'http',
      port: 80,
      path: null,
      retries: 5,
      connect_timeout: 60000,
      write_timeout: 60000,
      read_timeout: 60000,
      enabled: true,
      tags: null,
      client_certificate: null,
      tls_verify: null,
      tls_verify_depth: null,
      ca_certificates: null,
    });
  });

  it('splits a service url into protocol, host, port and path and never returns url', async () => {
    const name = uniqueName('svc');
    const https = await adminCall(kong, 'POST', '/services', {
      body: { name, url: 'https://h.example/api' },
    });
    expect(https.body).toMatchObject({
      protocol: 'https',
      host: 'h.example',
      port: 443,
      path: '/api',
    });
    expect(https.body.url).toBeUndefined();
    const plain = await adminCall(kong, 'PATCH', `/services/${name}`, {
      body: { url: 'http://h.example' },
    });
    expect(plain.body).toMatchObject({ protocol: 'http', port: 80, path: null });
  });

  it('fills route defaults and serialises the service foreign key as {id}', async () => {
    const service = await createService();
    const res = await adminCall(kong, 'POST', `/services/${service.name}/routes`, {
      body: { paths: ['/a'] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      protocols: ['http', 'https'],
      https_redirect_status_code: 426,
      strip_path: true,
      preserve_host: false,
      request_buffering: true,
      response_buffering: true,
      regex_priority: 0,
      path_handling: 'v0',
      service: { id: service.id },
      methods: null,
      hosts: null,
      headers: null,
    });
  });

  it('resolves a foreign key given by endpoint key ({"name": ...})', async () => {
    const service = await createService();
    const res = await adminCall(kong, 'POST', '/routes', {
      body: { hosts: ['x.test'], service: { name: service.name } },
    });
    expect(res.status).toBe(201);
    expect(res.body.service).toEqual({ id: service.id });
  });

  it('answers PUT with 200 when it creates, and replaces the whole entity', async () => {
    const name = uniqueName('svc');
    const created = await adminCall(kong, 'PUT', `/services/${name}`, {
      body: { host: 'a.test', retries: 1 },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name, retries: 1 });
    const replaced = await adminCall(kong, 'PUT', `/services/${name}`, {
      body: { host: 'b.test' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: created.body.id, host: 'b.test', retries: 5 });
    const id = '6f4a2c1e-0b7d-4e39-9d2c-8a1b3c4d5e6f';
    const byId = await adminCall(kong, 'PUT', `/services/${id}`, {
      body: { name: uniqueName('svc'), host: 'c.test' },
    });
    expect(byId.status).toBe(200);
    expect(byId.body.id).toBe(id);
    await adminCall(kong, 'DELETE', `/services/${id}`);
  });

  it('merges records deeply on PATCH and replaces arrays', async () => {
    const name = uniqueName('up');
    await adminCall(kong, 'POST', '/upstreams', { body: { name, tags: ['a', 'b'] } });
    const res = await adminCall(kong, 'PATCH', `/upstreams/${name}`, {
      body: { tags: ['c'], healthchecks: { active: { healthy: { interval: 5 } } } },
    });
    expect(res.status).toBe(200);
    expect(res.body.tags).toEqual(['c']);
    expect(res.body.healthchecks.active.healthy).toEqual({
      interval: 5,
      http_statuses: [200, 302],
      successes: 0,
    });
    expect(res.body.healthchecks.active.http_path).toBe('/');
  });

  it('answers PATCH on a missing entity with a code 6 not found body', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const byId = await adminCall(kong, 'PATCH', `/services/${id}`, { body: { retries: 1 } });
    expect(byId.status).toBe(404);
    expect(byId.body).toEqual({
      code: 6,
      name: 'not found',
      message: `could not find the entity with primary key '{id="${id}"}'`,
      fields: { id },
    });
    const byName = await adminCall(kong, 'PATCH', '/services/nope-missing', {
      body: { retries: 1 },
    });
    expect(byName.body.message).toBe(`could not find the entity with '{name="nope-missing"}'`);
  });

  it('answers DELETE with 204 even when the entity does not exist', async () => {
    const service = await createService();
    expect((await adminCall(kong, 'DELETE', `/services/${service.id}`)).status).toBe(204);
    expect((await adminCall(kong, 'DELETE', `/services/${service.id}`)).status).toBe(204);
    expect((await adminCall(kong, 'DELETE', '/services/never-existed')).status).toBe(204);
    expect((await adminCall(kong, 'GET', `/services/${service.id}`)).status).toBe(404);
  });

  it('answers a nested GET/DELETE with 404 when the child belongs to another parent', async () => {
    const a = await createService();
    const b = await createService();
    const route = await adminCall(kong, 'POST', `/services/${a.id}/routes`, {
      body: { paths: ['/x'] },
    });
    expect((await adminCall(kong, 'GET', `/services/${b.id}/routes/${route.body.id}`)).status).toBe(
      404,
    );
    expect(
      (await adminCall(kong, 'DELETE', `/services/${b.id}/routes/${route.body.id}`)).status,
    ).toBe(404);
    expect((await adminCall(kong, 'GET', `/services/${a.id}/routes/${route.body.id}`)).status).toBe(
      200,
    );
    expect((await adminCall(kong, 'GET', `/routes/${route.body.id}/service`)).body.id).toBe(a.id);
    expect((await adminCall(kong, 'GET', '/services/missing-parent/routes')).status).toBe(404);
  });
  it('upserts the parent through the child with PUT /routes/{r}/service and refuses DELETE (405)', async () => {
    const route = await adminCall(kong, 'POST', '/routes', {
      body: { hosts: [`${uniqueName('h')}.test`] },
    });
    const name = uniqueName('svc');
    const linked = await adminCall(kong, 'PUT', `/routes/${route.body.id}/service`, {
      body: { name, host: 'p.test' },
    });
    expect(linked.status).toBe(200);
    expect((await adminCall(kong, 'GET', `/routes/${route.body.id}`)).body.service).toEqual({
      id: linked.body.id,
    });
    const replaced = await adminCall(kong, 'PUT', `/routes/${route.body.id}/service`, {
      body: { name, host: 'q.test' },
    });
    expect(replaced.body).toMatchObject({ id: linked.body.id, host: 'q.test' });
    expect((await adminCall(kong, 'DELETE', `/routes/${route.body.id}/service`)).status).toBe(405);
  });
});

describe('constraints and integrity', () => {
  it('rejects a missing required field with a code 2 schema violation', async () => {
    const res = await adminCall(kong, 'POST', '/services', { body: { name: uniqueName('svc') } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 2,
      name: 'schema violation',
      message: 'schema violation (host: required field missing)',
      fields: { host: 'required field missing' },
    });
  });

  it('counts several violations, sorted, and flags unknown fields', async () => {
    const res = await adminCall(kong, 'POST', '/services', {
      body: { port: 70000, foo: 1, host: 'h.test' },
    });
    expect(res.body.message).toBe(
      '2 schema violations (foo: unknown field; port: value should be between 0 and 65535)',
    );
    expect(res.body.fields).toEqual({
      foo: 'unknown field',
      port: 'value should be between 0 and 65535',
    });
  });

  it('puts entity-level errors under @entity (route without matching attributes)', async () => {
    const res = await adminCall(kong, 'POST', '/routes', { body: {} });
    const message =
      "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'";
    expect(res.body).toEqual({
      code: 2,
      name: 'schema violation',
      message: `schema violation (${message})`,
      fields: { '@entity': [message] },
    });
  });

  it('aligns array element errors by index', async () => {
    const res = await adminCall(kong, 'POST', '/routes', {
      body: { protocols: ['http', 'ftp'], paths: ['/a'] },
    });
    expect(res.body.fields.protocols).toEqual([null, expect.stringContaining('expected one of:')]);
    expect(res.body.message).toMatch(/^schema violation \(protocols\.2: expected one of: /);
  });

  it('rejects a duplicate unique value with 409 code 5', async () => {
    const service = await createService();
    const res = await adminCall(kong, 'POST', '/services', {
      body: { name: service.name, host: 'x.test' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      code: 5,
      name: 'unique constraint violation',
      message: `UNIQUE violation detected on '{name="${service.name}"}'`,
      fields: { name: service.name },
    });
  });

  it('rejects a foreign key id that references nothing with 400 code 4', async () => {
    const id = '00000000-0000-4000-8000-0000000000aa';
    const res = await adminCall(kong, 'POST', '/routes', {
      body: { paths: ['/a'], service: { id } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 4,
      name: 'foreign key violation',
      message: `the foreign key '{id="${id}"}' does not reference an existing 'services' entity.`,
      fields: { service: { id } },
    });
  });

  it('rejects a foreign key name that resolves to nothing with 400 code 13', async () => {
    const res = await adminCall(kong, 'POST', '/routes', {
      body: { paths: ['/a'], service: { name: 'ghost' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(13);
    expect(res.body.message).toBe(
      `foreign key unresolved (service.name: the foreign key cannot be resolved with '{name="ghost"}' for an existing 'services' entity)`,
    );
  });

  it('refuses to delete a service that routes still reference (400 code 4)', async () => {
    const service = await createService();
    await adminCall(kong, 'POST', `/services/${service.id}/routes`, { body: { paths: ['/r'] } });
    const res = await adminCall(kong, 'DELETE', `/services/${service.id}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 4,
      name: 'foreign key violation',
      message: "an existing 'routes' entity references this 'services' entity",
      fields: { '@referenced_by': 'routes' },
    });
  });

  it('cascades deletes: service to its plugins, consumer to credentials, upstream to targets', async () => {
    const service = await createService();
    const plugin = await adminCall(kong, 'POST', `/services/${service.id}/plugins`, {
      body: { name: 'key-auth' },
    });
    await adminCall(kong, 'DELETE', `/services/${service.id}`);
    expect((await adminCall(kong, 'GET', `/plugins/${plugin.body.id}`)).status).toBe(404);

    const username = uniqueName('c');
    await adminCall(kong, 'POST', '/consumers', { body: { username } });
    const key = await adminCall(kong, 'POST', `/consumers/${username}/key-auth`, { body: {} });
    const acl = await adminCall(kong, 'POST', `/consumers/${username}/acls`, {
      body: { group: 'g' },
    });
    await adminCall(kong, 'DELETE', `/consumers/${username}`);
    expect((await adminCall(kong, 'GET', `/key-auths/${key.body.id}`)).status).toBe(404);
    expect((await adminCall(kong, 'GET', `/acls/${acl.body.id}`)).status).toBe(404);

    const upstream = uniqueName('up');
    await adminCall(kong, 'POST', '/upstreams', { body: { name: upstream } });
    const target = await adminCall(kong, 'POST', `/upstreams/${upstream}/targets`, {
      body: { target: '10.0.0.1:80' },
    });
    const upstreamId = target.body.upstream.id as string;
    await adminCall(kong, 'DELETE', `/upstreams/${upstream}`);
    await adminCall(kong, 'POST', '/upstreams', { body: { name: upstream, id: upstreamId } });
    expect((await adminCall(kong, 'GET', `/upstreams/${upstream}/targets`)).body.data).toEqual([]);
  });

  it('requires username or custom_id on consumers', async () => {
    const res = await adminCall(kong, 'POST', '/consumers', { body: {} });
    expect(res.body.fields).toEqual({
      '@entity': ["at least one of these fields must be non-empty: 'custom_id', 'username'"],
    });
  });

  it('looks consumers up exactly by ?custom_id=', async () => {
    const customId = uniqueName('cid');
    await adminCall(kong, 'POST', '/consumers', { body: { custom_id: customId } });
    const res = await adminCall(kong, 'GET', `/consumers?custom_id=${customId}`);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.next).toBeNull();
    expect((await adminCall(kong, 'GET', '/consumers?custom_id=')).status).toBe(400);
  });

  it('rewrites upstream hashing shorthands (hash_on implies consistent-hashing)', async () => {
    const res = await adminCall(kong, 'POST', '/upstreams', {
      body: { name: uniqueName('up'), hash_on: 'header', hash_on_header: 'x-user' },
    });
    expect(res.status).toBe(201);
    expect(res.body.algorithm).toBe('consistent-hashing');
    const lc = await adminCall(kong, 'POST', '/upstreams', {
      body: { name: uniqueName('up'), algorithm: 'least-connections' },
    });
    expect(lc.body).toMatchObject({ algorithm: 'least-connections', hash_on: 'none' });
  });
});
