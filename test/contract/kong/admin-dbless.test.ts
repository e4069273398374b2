// DB-less mode (kong-sim/KONG_BEHAVIOUR.md#db-less-mode): refused writes, POST /config in its
// three forms, errors, check_hash and the configuration hash on /status. Real Kong: set
// KONG_DBLESS_ADMIN_URL.
import { parse as parseYaml } from 'yaml';
import { adminCall, startKongTarget, uniqueName, type KongTarget } from './helpers/target';

let kong: KongTarget;
beforeAll(async () => {
  kong = await startKongTarget({ mode: 'dbless' });
});
afterAll(() => kong.close());

const CONFIG_YAML = `_format_version: "3.0"
services:
- name: orders
  url: http://orders.internal:8080
  routes:
  - name: orders-route
    paths: [/orders]
    plugins:
    - name: key-auth
upstreams:
- name: orders.upstream
  targets:
  - target: 10.0.0.1:8080
consumers:
- username: alice
  keyauth_credentials:
  - key: alice-key
  acls:
  - group: gold
routes:
- name: flat-route
  hosts: [flat.test]
  service: orders
`;

describe('DB-less writes', () => {
  it('refuses entity writes with 405 code 12 messages', async () => {
    const post = await adminCall(kong, 'POST', '/services', { body: { host: 'x.test' } });
    expect(post.status).toBe(405);
    expect(post.body).toEqual({
      code: 12,
      name: 'operation unsupported',
      message: "cannot create 'services' entities when not using a database",
    });
    const putById = await adminCall(kong, 'PUT', '/services/6f4a2c1e-0b7d-4e39-9d2c-8a1b3c4d5e6f', {
      body: { host: 'x.test' },
    });
    expect(putById.body.message).toBe(
      "cannot create or update 'services' entities when not using a database",
    );
    const putByName = await adminCall(kong, 'PUT', '/services/foo', { body: { host: 'x.test' } });
    expect(putByName.body.message).toBe(
      "cannot create or update 'services' entities by 'name' when not using a database",
    );
  });

  it('answers DELETE of a missing entity with 204 and PATCH of one with 404 code 6', async () => {
    expect((await adminCall(kong, 'DELETE', `/services/${uniqueName('nope')}`)).status).toBe(204);
    expect(
      (await adminCall(kong, 'PATCH', `/services/${uniqueName('nope')}`, { body: { retries: 1 } }))
        .body.code,
    ).toBe(6);
  });
});

describe('POST /config', () => {
  it('reports an all-zero configuration_hash and no database before the first load', async () => {
    const status = await adminCall(kong, 'GET', '/status');
    expect(status.body.configuration_hash).toBe('0'.repeat(32));
    expect(status.body.database).toBeUndefined();
  });

  it('loads a YAML body with nested and flat entities: 201 keyed by entity then id', async () => {
    const res = await adminCall(kong, 'POST', '/config', {
      raw: CONFIG_YAML,
      contentType: 'application/yaml',
    });
    expect(res.status).toBe(201);
    const services = Object.values(
      res.body.services as Record<string, { name: string; port: number }>,
    );
    expect(services).toEqual([expect.objectContaining({ name: 'orders', port: 8080 })]);
    expect(Object.keys(res.body.routes as object)).toHaveLength(2);
    expect(Object.keys(res.body.targets as object)).toHaveLength(1);
    const routes = await adminCall(kong, 'GET', '/routes');
    expect(routes.body.data).toHaveLength(2);
    const plugin = (await adminCall(kong, 'GET', '/plugins')).body.data[0];
    expect(plugin).toMatchObject({ name: 'key-auth', route: { id: expect.any(String) } });
    const keys = await adminCall(kong, 'GET', '/consumers/alice/key-auth');
    expect(keys.body.data[0].key).toBe('alice-key');
    const status = await adminCall(kong, 'GET', '/status');
    expect(status.body.configuration_hash).not.toBe('0'.repeat(32));
  });

  it('exports the loaded config on GET /config as a YAML string with _format_version 3.0', async () => {
    const res = await adminCall(kong, 'GET', '/config');
    expect(res.status).toBe(200);
    const doc = parseYaml(res.body.config as string) as Record<string, unknown>;
    expect(doc).toMatchObject({ _format_version: '3.0', _transform: false });
    expect((doc.services as Array<{ name: string }>).map((s) => s.name)).toEqual(['orders']);
  });

  it('answers 304 with check_hash=1 when the same config string is posted again', async () => {
    await adminCall(kong, 'POST', '/config', { body: { config: CONFIG_YAML } });
    const again = await adminCall(kong, 'POST', '/config?check_hash=1', {
      body: { config: CONFIG_YAML },
    });
    expect(again.status).toBe(304);
    const plain = await adminCall(kong, 'POST', '/config?check_hash=1', {
      body: { _format_version: '3.0', services: [{ name: 'a', host: 'a.test' }] },
    });
    expect(plain.status).toBe(201);
  });

  it('rejects an invalid config with code 14 and fields mirroring the input, loading nothing', async () => {
    const before = (await adminCall(kong, 'GET', '/services')).body.data;
    const res = await adminCall(kong, 'POST', '/config', {
      body: {
        _format_version: '3.0',
        services: [
          { name: 'ok', host: 'ok.test' },
          { name: 'bad', port: 70000 },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(14);
    expect(res.body.name).toBe('invalid declarative configuration');
    expect(res.body.message).toMatch(/^declarative config is invalid: /);
    expect(res.body.fields).toEqual({
      services: [
        null,
        { host: 'required field missing', port: 'value should be between 0 and 65535' },
      ],
    });
    expect((await adminCall(kong, 'GET', '/services')).body.data).toEqual(before);
  });

  it('lists entity errors in flattened_errors with flatten_errors=1', async () => {
    const res = await adminCall(kong, 'POST', '/config?flatten_errors=1', {
      body: {
        _format_version: '3.0',
        abnormal_extra_field: 1,
        services: [{ name: 'bad', host: 'bad.test', routes: [{ name: 'r', protocols: ['http'] }] }],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({ abnormal_extra_field: 'unknown field' });
    expect(res.body.flattened_errors).toEqual([
      expect.objectContaining({
        entity_type: 'route',
        entity_name: 'r',
        entity: { name: 'r', protocols: ['http'], service: { id: expect.any(String) } },
        errors: [
          {
            type: 'entity',
            message:
              "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'",
          },
        ],
      }),
    ]);
  });
  it('requires _format_version and a body', async () => {
    const missing = await adminCall(kong, 'POST', '/config', { body: { services: [] } });
    expect(missing.body.fields).toEqual({ _format_version: 'required field missing' });
    const empty = await adminCall(kong, 'POST', '/config', {
      raw: '',
      contentType: 'application/yaml',
    });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ message: 'expected a declarative configuration' });
  });
});

describe('/config in DB mode', () => {
  it('answers 400 this endpoint is only available when Kong is configured to not use a database', async () => {
    const db = await startKongTarget();
    try {
      const res = await adminCall(db, 'POST', '/config', { body: { _format_version: '3.0' } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        message: 'this endpoint is only available when Kong is configured to not use a database',
      });
    } finally {
      await db.close();
    }
  });
});

describe('POST /config uniqueness', () => {
  it('reports a repeated unique field keyed by the entity name', async () => {
    const res = await adminCall(kong, 'POST', '/config', {
      body: {
        _format_version: '3.0',
        consumers: [
          { username: 'foo', custom_id: 'conflict' },
          { username: 'bar', custom_id: 'conflict' },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({
      consumers: {
        bar: "uniqueness violation: 'consumers' entity with custom_id set to 'conflict' already declared",
      },
    });
  });

  it('reports a repeated name as a name clash, not a primary key clash', async () => {
    const res = await adminCall(kong, 'POST', '/config', {
      body: {
        _format_version: '3.0',
        services: [
          { name: 'twice', host: 'a.test' },
          { name: 'twice', host: 'b.test' },
        ],
      },
    });
    expect(res.body.fields).toEqual({
      services: {
        twice: "uniqueness violation: 'services' entity with name set to 'twice' already declared",
      },
    });
  });
});
