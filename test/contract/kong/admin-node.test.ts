// Node endpoints, schemas and the endpoints decK lists (kong-sim/KONG_BEHAVIOUR.md#node-endpoints,
// #how-deck-uses-the-admin-api).
import { adminCall, startKongTarget, type KongTarget } from './helpers/target';

let kong: KongTarget;
beforeAll(async () => {
  kong = await startKongTarget();
});
afterAll(() => kong.close());

describe('node endpoints', () => {
  it('GET / reports version 3.x, node_id, database and available plugins as {version, priority}', async () => {
    const res = await adminCall(kong, 'GET', '/');
    expect(res.status).toBe(200);
    expect(res.body.version).toMatch(/^3\.\d+\.\d+/);
    expect(res.body.tagline).toBe('Welcome to kong');
    expect(res.body.node_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.configuration.database).toBe('postgres');
    expect(res.body.plugins.available_on_server['key-auth']).toEqual({
      version: expect.any(String),
      priority: 1250,
    });
    expect(Array.isArray(res.body.plugins.enabled_in_cluster)).toBe(true);
    expect((await adminCall(kong, 'POST', '/')).status).toBe(405);
  });

  it('GET /status reports server counters and database.reachable in DB mode', async () => {
    const res = await adminCall(kong, 'GET', '/status');
    expect(res.body.database).toEqual({ reachable: true });
    expect(res.body.server).toHaveProperty('total_requests');
    expect(res.body.configuration_hash).toBeUndefined();
    const bad = await adminCall(kong, 'GET', '/status?unit=x');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ message: "invalid unit 'x' (expected 'k/K', 'm/M', or 'g/G')" });
  });

  it('GET /endpoints lists route templates with {param}', async () => {
    const res = await adminCall(kong, 'GET', '/endpoints');
    expect(res.body.data).toEqual(
      expect.arrayContaining([
        '/',
        '/services',
        '/services/{services}',
        '/upstreams/{upstreams}/targets',
      ]),
    );
  });

  it('GET /plugins/enabled lists the bundled plugins', async () => {
    const res = await adminCall(kong, 'GET', '/plugins/enabled');
    expect(res.body.enabled_plugins).toEqual(
      expect.arrayContaining(['acl', 'cors', 'jwt', 'key-auth', 'prometheus', 'rate-limiting']),
    );
  });
});

describe('schemas', () => {
  it('GET /schemas/{entity} serves fields with defaults (decK reads them)', async () => {
    const res = await adminCall(kong, 'GET', '/schemas/services');
    const fields = Object.assign({}, ...(res.body.fields as object[])) as Record<
      string,
      { default?: unknown; type: string }
    >;
    expect(fields.retries).toMatchObject({ type: 'integer', default: 5 });
    expect(fields.port).toMatchObject({ default: 80 });
    const missing = await adminCall(kong, 'GET', '/schemas/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: "No entity named 'nope'" });
  });

  it('GET /schemas/plugins/{name} serves config with nested defaults', async () => {
    const res = await adminCall(kong, 'GET', '/schemas/plugins/key-auth');
    const fields = Object.assign({}, ...(res.body.fields as object[])) as Record<
      string,
      { fields: object[] }
    >;
    const config = Object.assign({}, ...fields.config!.fields) as Record<
      string,
      { default?: unknown }
    >;
    expect(config.key_names?.default).toEqual(['apikey']);
    expect(config.key_in_query?.default).toBe(true);
    const missing = await adminCall(kong, 'GET', '/schemas/plugins/nope');
    expect(missing.body).toEqual({ message: "No plugin named 'nope'" });
  });

  // Kong 3.9.3: kong/db/schema/entities/tags.lua (fields), kong/db/schema/typedefs.lua (`tag`,
  // `uuid`), kong/api/routes/kong.lua (`/schemas/:name` serves any `kong.db` entity as
  // `{fields, entity_checks}` through kong/api/api_helpers.lua `schema_to_jsonable`).
  it('GET /schemas/tags serves the tags entity: tag, entity_name, entity_id', async () => {
    const res = await adminCall(kong, 'GET', '/schemas/tags');
    expect(res.status).toBe(200);
    expect(res.body.entity_checks).toEqual([]);
    const fields = res.body.fields as Array<Record<string, Record<string, unknown>>>;
    expect(fields.map((f) => Object.keys(f)[0])).toEqual(['tag', 'entity_name', 'entity_id']);
    const byName = Object.assign({}, ...fields) as Record<string, Record<string, unknown>>;
    expect(byName.tag).toMatchObject({ type: 'string', required: true });
    expect(byName.entity_name).toMatchObject({ type: 'string', required: true });
    expect(byName.entity_id).toMatchObject({
      type: 'string',
      uuid: true,
      auto: true,
      required: true,
    });
    expect(byName.tag).not.toHaveProperty('custom_validator');
    // The same `tag` typedef is the element type of every entity's `tags` set.
    const services = (await adminCall(kong, 'GET', '/schemas/services')).body.fields as Array<
      Record<string, Record<string, unknown>>
    >;
    const tags = Object.assign({}, ...services).tags as Record<string, unknown>;
    expect(tags).toMatchObject({ type: 'set', elements: { type: 'string', required: true } });
  });

  it('POST /schemas/tags/validate checks a tag row (entity_id filled as an auto uuid)', async () => {
    const good = await adminCall(kong, 'POST', '/schemas/tags/validate', {
      body: { tag: 'blue', entity_name: 'services' },
    });
    expect(good.status).toBe(200);
    expect(good.body).toEqual({ message: 'schema validation successful' });
    const bad = await adminCall(kong, 'POST', '/schemas/tags/validate', {
      body: { tag: 'a,b', entity_id: 'nope' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(2);
    expect(Object.keys(bad.body.fields).sort()).toEqual(['entity_id', 'entity_name', 'tag']);
    expect(bad.body.fields.entity_name).toBe('required field missing');
    expect(bad.body.fields.entity_id).toBe('expected a valid UUID');
    expect(bad.body.fields.tag).toMatch(/^invalid tag 'a,b'/);
  });

  it('POST /schemas/{entity}/validate answers schema validation successful or a code 2 body', async () => {
    const good = await adminCall(kong, 'POST', '/schemas/services/validate', {
      body: { host: 'a.test' },
    });
    expect(good.body).toEqual({ message: 'schema validation successful' });
    const bad = await adminCall(kong, 'POST', '/schemas/services/validate', { body: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(2);
  });
});

describe('endpoints decK dumps', () => {
  it('answers certificates, snis, ca_certificates, vaults, keys and key-sets with empty lists', async () => {
    for (const path of [
      '/certificates',
      '/snis',
      '/ca_certificates',
      '/vaults',
      '/keys',
      '/key-sets',
    ]) {
      const res = await adminCall(kong, 'GET', `${path}?size=1000`);
      expect({ path, status: res.status, data: res.body.data }).toEqual({
        path,
        status: 200,
        data: [],
      });
    }
  });

  it('answers /filter-chains with 400 (wasm off) and /consumer_groups with 404 (OSS)', async () => {
    const chains = await adminCall(kong, 'GET', '/filter-chains');
    expect(chains.status).toBe(400);
    expect(chains.body).toEqual({
      message: 'this endpoint is only available when wasm is enabled',
    });
    expect((await adminCall(kong, 'GET', '/consumer_groups')).status).toBe(404);
  });
});
