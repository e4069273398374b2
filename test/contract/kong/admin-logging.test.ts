/**
 * The schemas of the plugins that carry Kong's own telemetry, as Kong 3.9.3 defines them:
 * kong/plugins/http-log/schema.lua, kong/plugins/file-log/schema.lua and
 * kong/plugins/prometheus/schema.lua, with the shared kong/tools/queue_schema.lua and the `url`
 * and `header_name` typedefs (kong/db/schema/typedefs.lua, kong/tools/http.lua).
 */
import { adminCall, startKongTarget, uniqueName, type KongTarget } from './helpers/target';

let kong: KongTarget;
let serviceId: string;

beforeAll(async () => {
  kong = await startKongTarget();
  const service = await adminCall(kong, 'POST', '/services', {
    body: { name: uniqueName('logged'), host: 'a.test' },
  });
  serviceId = service.body.id as string;
});
afterAll(() => kong.close());

/** Adds a plugin to the suite's service (one per name: each test deletes its own). */
async function addPlugin(body: Record<string, unknown>) {
  const res = await adminCall(kong, 'POST', `/services/${serviceId}/plugins`, { body });
  if (res.status === 201) await adminCall(kong, 'DELETE', `/plugins/${String(res.body.id)}`);
  return res;
}

describe('http-log', () => {
  it('fills every http-log default: method, content type, timeouts, the queue record', async () => {
    const res = await addPlugin({
      name: 'http-log',
      config: { http_endpoint: 'http://logstash.test:8080/kong' },
    });
    expect(res.status).toBe(201);
    expect(res.body.protocols).toEqual(['grpc', 'grpcs', 'http', 'https']);
    expect(res.body.config).toEqual({
      http_endpoint: 'http://logstash.test:8080/kong',
      method: 'POST',
      content_type: 'application/json',
      timeout: 10000,
      keepalive: 60000,
      retry_count: null,
      queue_size: null,
      flush_timeout: null,
      headers: null,
      queue: {
        max_batch_size: 1,
        max_coalescing_delay: 1,
        max_entries: 10000,
        max_bytes: null,
        max_retry_time: 60,
        initial_retry_delay: 0.01,
        max_retry_delay: 60,
        concurrency_limit: 1,
      },
      custom_fields_by_lua: null,
    });
  });

  it('requires an http_endpoint with a scheme and a host, as LuaSocket parses it', async () => {
    const missing = await addPlugin({ name: 'http-log' });
    expect(missing.body.fields).toEqual({ config: { http_endpoint: 'required field missing' } });
    const noHost = await addPlugin({
      name: 'http-log',
      config: { http_endpoint: 'logstash:8080' },
    });
    expect(noHost.status).toBe(400);
    expect(noHost.body.message).toBe(
      'schema violation (config.http_endpoint: missing host in url)',
    );
    const noScheme = await addPlugin({
      name: 'http-log',
      config: { http_endpoint: '//logstash:8080/kong' },
    });
    expect(noScheme.body.fields).toEqual({ config: { http_endpoint: 'missing scheme in url' } });
  });

  it('refuses an Authorization header beside user info in the URL, on config itself', async () => {
    const res = await addPlugin({
      name: 'http-log',
      config: {
        http_endpoint: 'http://kong:secret@logstash.test/kong',
        headers: { Authorization: 'Bearer x' },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({
      config:
        "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed",
    });
    const alone = await addPlugin({
      name: 'http-log',
      config: {
        http_endpoint: 'http://kong:secret@logstash.test/kong',
        headers: { 'X-Team': 'a' },
      },
    });
    expect(alone.status).toBe(201);
  });

  it('refuses Host, Content-Type and Content-Length among the headers (CONTENT-LENGTH slips through)', async () => {
    const refused = async (name: string) =>
      (
        await addPlugin({
          name: 'http-log',
          config: { http_endpoint: 'http://logstash.test/', headers: { [name]: 'x' } },
        })
      ).body.fields?.config?.headers;
    expect(await refused('host')).toBe("cannot contain 'Host' header");
    expect(await refused('Content-Type')).toBe("cannot contain 'Content-Type' header");
    expect(await refused('content-length')).toBe("cannot contain 'Content-Length' header");
    // Kong's pattern matches "Length" with a lowercase-only n.
    expect(await refused('CONTENT-LENGTH')).toBeUndefined();
    expect(await refused('bad header')).toBe(
      "bad header name 'bad header', allowed characters are A-Z, a-z, 0-9, '_', and '-'",
    );
  });

  it('checks the queue record: batch size, concurrency limit', async () => {
    const res = await addPlugin({
      name: 'http-log',
      config: {
        http_endpoint: 'http://logstash.test/',
        queue: { max_batch_size: 0, concurrency_limit: 2 },
      },
    });
    expect(res.body.fields).toEqual({
      config: {
        queue: {
          max_batch_size: 'value should be between 1 and 1000000',
          concurrency_limit: 'expected one of: -1, 1',
        },
      },
    });
  });

  it('serves the deprecated retry_count, queue_size and flush_timeout with their old defaults', async () => {
    const res = await adminCall(kong, 'GET', '/schemas/plugins/http-log');
    const fields = Object.assign({}, ...(res.body.fields as object[])) as Record<
      string,
      { fields: object[] }
    >;
    interface Field {
      default?: unknown;
      fields?: object[];
      deprecation?: { old_default?: unknown };
    }
    const config = Object.assign({}, ...fields.config!.fields) as Record<string, Field>;
    expect(config.queue_size?.deprecation).toMatchObject({
      message:
        'http-log: config.queue_size is deprecated, please use config.queue.max_batch_size instead',
      removal_in_version: '4.0',
      old_default: 1,
    });
    expect(config.retry_count?.deprecation?.old_default).toBe(10);
    expect(config.method?.default).toBe('POST');
    const queue = Object.assign({}, ...config.queue!.fields!) as Record<
      string,
      { default?: unknown }
    >;
    expect(queue.max_retry_time?.default).toBe(60);
  });
});

describe('file-log', () => {
  it('requires a path free of the characters Kong refuses, and defaults reopen to false', async () => {
    const ok = await addPlugin({ name: 'file-log', config: { path: '/var/log/kong/access.json' } });
    expect(ok.status).toBe(201);
    expect(ok.body.config).toEqual({
      path: '/var/log/kong/access.json',
      reopen: false,
      custom_fields_by_lua: null,
    });
    const missing = await addPlugin({ name: 'file-log' });
    expect(missing.body.fields).toEqual({ config: { path: 'required field missing' } });
    for (const path of ['/tmp/a*b', '/tmp/a&b', '/tmp/100%', '/tmp/a`b`']) {
      const bad = await addPlugin({ name: 'file-log', config: { path } });
      expect(bad.body.fields).toEqual({ config: { path: 'not a valid filename' } });
    }
  });
});

describe('prometheus', () => {
  it('fills every prometheus flag with false', async () => {
    const res = await addPlugin({ name: 'prometheus' });
    expect(res.status).toBe(201);
    expect(res.body.config).toEqual({
      per_consumer: false,
      status_code_metrics: false,
      ai_metrics: false,
      latency_metrics: false,
      bandwidth_metrics: false,
      upstream_health_metrics: false,
    });
  });

  it('takes one global prometheus plugin: a second is a 409 on the cache key', async () => {
    const first = await adminCall(kong, 'POST', '/plugins', { body: { name: 'prometheus' } });
    expect(first.status).toBe(201);
    try {
      const second = await adminCall(kong, 'POST', '/plugins', { body: { name: 'prometheus' } });
      expect(second.status).toBe(409);
      expect(second.body.code).toBe(5);
    } finally {
      await adminCall(kong, 'DELETE', `/plugins/${String(first.body.id)}`);
    }
  });
});
