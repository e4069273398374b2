// rate-limiting's deprecated `redis_*` shorthand fields (kong-sim/KONG_BEHAVIOUR.md#shorthand-fields).
// Kong 3.9.3: kong/plugins/rate-limiting/schema.lua (`shorthand_fields` of `config`, each mapped
// to a field of `config.redis`, kong/tools/redis/schema.lua); kong/db/schema/init.lua
// (`process_auto_fields`: translated on writes, echoed in the `select` context, the
// `validate_deprecation_exclusiveness` check); kong/db/dao/init.lua (`check_update` merges into
// the entity read with `hide_shorthands`); kong/api/arguments.lua (form values typed by the
// shorthand's own type); kong/api/api_helpers.lua (`schema_to_jsonable` serves them).
import { adminCall, startKongTarget, uniqueName, type KongTarget } from './helpers/target';

/** Each shorthand, the field of `config.redis` it stands for, and its type. */
const SHORTHANDS: Array<[string, string, string]> = [
  ['redis_host', 'host', 'string'],
  ['redis_port', 'port', 'integer'],
  ['redis_password', 'password', 'string'],
  ['redis_username', 'username', 'string'],
  ['redis_ssl', 'ssl', 'boolean'],
  ['redis_ssl_verify', 'ssl_verify', 'boolean'],
  ['redis_server_name', 'server_name', 'string'],
  ['redis_timeout', 'timeout', 'integer'],
  ['redis_database', 'database', 'integer'],
];

let kong: KongTarget;
beforeAll(async () => {
  kong = await startKongTarget();
});
afterAll(() => kong.close());

/** A fresh service to hang one rate-limiting plugin on (one per scope). */
async function newService(): Promise<string> {
  const res = await adminCall(kong, 'POST', '/services', {
    body: { name: uniqueName('rl'), host: 'a.test' },
  });
  return res.body.id as string;
}

async function rateLimiting(config: Record<string, unknown>) {
  const service = await newService();
  return adminCall(kong, 'POST', `/services/${service}/plugins`, {
    body: { name: 'rate-limiting', config: { minute: 10, ...config } },
  });
}

type Named = Record<string, Record<string, unknown>>;

describe('GET /schemas/plugins/rate-limiting', () => {
  it('lists the deprecated redis_* shorthand fields of config, each mapped to its redis.* field', async () => {
    const res = await adminCall(kong, 'GET', '/schemas/plugins/rate-limiting');
    expect(res.status).toBe(200);
    const fields = Object.assign({}, ...(res.body.fields as Named[])) as Named;
    const shorthands = fields.config!.shorthand_fields as Named[];
    expect(shorthands.map((item) => Object.keys(item)[0])).toEqual(SHORTHANDS.map(([n]) => n));
    for (const [name, field, type] of SHORTHANDS) {
      const def = shorthands.find((item) => item[name])![name]!;
      expect(def).toMatchObject({
        type,
        deprecation: {
          replaced_with: [{ path: ['redis', field] }],
          message: `rate-limiting: config.${name} is deprecated, please use config.redis.${field} instead`,
          removal_in_version: '4.0',
        },
      });
      expect(def).not.toHaveProperty('func');
    }
    const password = shorthands.find((item) => item.redis_password)!.redis_password!;
    expect(password.len_min).toBe(0);
  });
});

describe('rate-limiting redis_* shorthands on writes and reads', () => {
  it('translates redis_* on POST to config.redis and echoes them on the reply and on reads', async () => {
    const res = await rateLimiting({
      redis_host: 'redis.test',
      redis_port: 6380,
      redis_ssl: true,
      redis_database: 2,
    });
    expect(res.status).toBe(201);
    expect(res.body.config.redis).toMatchObject({
      host: 'redis.test',
      port: 6380,
      ssl: true,
      database: 2,
      timeout: 2000,
      ssl_verify: false,
    });
    const read = await adminCall(kong, 'GET', `/plugins/${res.body.id}`);
    for (const body of [res.body, read.body]) {
      // Every deprecated shorthand is echoed with its replacement's value (null when unset).
      for (const [name, field] of SHORTHANDS)
        expect({ name, value: body.config[name] }).toEqual({
          name,
          value: body.config.redis[field],
        });
      expect(body.config.redis_host).toBe('redis.test');
      expect(body.config.redis_password).toBeNull();
    }
  });

  it('echoes the shorthands on a plugin written without them, and in lists', async () => {
    const res = await rateLimiting({});
    expect(res.status).toBe(201);
    expect(res.body.config).toMatchObject({
      redis_host: null,
      redis_port: 6379,
      redis_timeout: 2000,
      redis_database: 0,
      redis_ssl: false,
      redis_ssl_verify: false,
    });
    const list = await adminCall(kong, 'GET', `/services/${res.body.service.id}/plugins`);
    expect(list.body.data[0].config.redis_port).toBe(6379);
  });

  // Kong 3.9.3: kong/tools/redis/schema.lua (the record), kong/db/schema/init.lua (an empty
  // string is read back as null only when the field's len_min is above 0).
  it('fills config.redis with exactly the fields of Kong 3.9.3 (no connect/send/read timeouts); redis_password "" is kept', async () => {
    const res = await rateLimiting({ redis_password: '' });
    expect(res.status).toBe(201);
    expect(res.body.config.redis).toEqual({
      host: null,
      port: 6379,
      timeout: 2000,
      username: null,
      password: '',
      database: 0,
      ssl: false,
      ssl_verify: false,
      server_name: null,
    });
    expect(res.body.config.redis_password).toBe('');
  });

  it('PATCH with a shorthand changes only that redis field; the stored echo does not conflict', async () => {
    const res = await rateLimiting({ redis_host: 'one.test', redis_port: 6380 });
    const patched = await adminCall(kong, 'PATCH', `/plugins/${res.body.id}`, {
      body: { config: { redis: { host: 'two.test' } } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.config.redis).toMatchObject({ host: 'two.test', port: 6380 });
    expect(patched.body.config.redis_host).toBe('two.test');
    const again = await adminCall(kong, 'PATCH', `/plugins/${res.body.id}`, {
      body: { config: { redis_port: 6390 } },
    });
    expect(again.status).toBe(200);
    expect(again.body.config.redis).toMatchObject({ host: 'two.test', port: 6390 });
    expect(again.body.config.redis_port).toBe(6390);
  });

  it('accepts a read echoed back on PUT (shorthand and field agree)', async () => {
    const res = await rateLimiting({ redis_host: 'same.test' });
    const { id, created_at: _c, updated_at: _u, ...rest } = res.body;
    const put = await adminCall(kong, 'PUT', `/plugins/${id}`, { body: rest });
    expect(put.status).toBe(200);
    expect(put.body.config.redis.host).toBe('same.test');
    expect(put.body.config.redis_host).toBe('same.test');
  });

  it('refuses a shorthand whose value differs from its redis field, under the bare shorthand name', async () => {
    const res = await rateLimiting({ redis_host: 'a.test', redis: { host: 'b.test' } });
    expect(res.status).toBe(400);
    const message =
      'both deprecated and new field are used but their values mismatch: redis_host = a.test vs redis.host = b.test';
    expect(res.body).toMatchObject({
      code: 2,
      name: 'schema violation',
      message: `schema violation (redis_host: ${message})`,
      fields: { redis_host: message },
    });
  });

  it('validates a shorthand by its own type, reported under the bare shorthand name', async () => {
    const res = await rateLimiting({ redis_port: 'six' });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({ redis_port: 'expected an integer' });
    expect(res.body.message).toBe('schema violation (redis_port: expected an integer)');
  });

  it('types form-encoded shorthand values by the shorthand definition', async () => {
    const service = await newService();
    const res = await adminCall(kong, 'POST', `/services/${service}/plugins`, {
      raw: 'name=rate-limiting&config.minute=5&config.redis_port=6381&config.redis_ssl=true',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(201);
    expect(res.body.config.redis).toMatchObject({ port: 6381, ssl: true });
  });
});
