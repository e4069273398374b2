// Admin API transport rules (kong-sim/KONG_BEHAVIOUR.md#admin-api-transport): status codes, bodies
// and headers that do not depend on any entity. Runs against kong-sim, or real Kong when KONG_ADMIN_URL is set.
import { adminCall, startKongTarget, uniqueName, type KongTarget } from './helpers/target';

let kong: KongTarget;
beforeAll(async () => {
  kong = await startKongTarget();
});
afterAll(() => kong.close());

describe('Admin API transport', () => {
  it('answers an unknown path with 404 {"message":"Not found"} for every method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await adminCall(kong, method, '/no-such-thing');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ message: 'Not found' });
    }
    const head = await adminCall(kong, 'HEAD', '/no-such-thing');
    expect(head.status).toBe(404);
    expect(head.text).toBe('');
  });

  it('answers a wrong method on a known path with 405 Method not allowed', async () => {
    const res = await adminCall(kong, 'DELETE', '/services');
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ message: 'Method not allowed' });
  });

  it('rejects a body with an unsupported content type with 415 and an empty body', async () => {
    const res = await adminCall(kong, 'POST', '/services', {
      raw: 'host=x',
      contentType: 'text/plain',
    });
    expect(res.status).toBe(415);
    expect(res.text).toBe('');
  });

  it('rejects unparsable JSON with 400 Cannot parse JSON body', async () => {
    const res = await adminCall(kong, 'POST', '/services', {
      raw: '{nope',
      contentType: 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: 'Cannot parse JSON body' });
  });

  it('treats a trailing slash as the same path', async () => {
    const res = await adminCall(kong, 'GET', '/services/');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.data)).toBe(true);
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await adminCall(kong, 'HEAD', '/services');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('answers OPTIONS with 204 and the sorted Allow list', async () => {
    const list = await adminCall(kong, 'OPTIONS', '/routes');
    expect(list.status).toBe(204);
    expect(list.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
    expect(list.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS, POST');
    const one = await adminCall(kong, 'OPTIONS', '/routes/x');
    expect(one.headers.get('allow')).toBe('DELETE, GET, HEAD, OPTIONS, PATCH, PUT');
  });

  it('sends Server: kong/3.9.3, X-Kong-Admin-Latency and JSON with charset', async () => {
    const res = await adminCall(kong, 'GET', '/');
    expect(res.headers.get('server')).toMatch(/^kong\/3\./);
    expect(res.headers.get('x-kong-admin-latency')).toMatch(/^\d+$/);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('via')).toBeNull();
  });

  it('accepts form-urlencoded bodies with a.b and a[1] keys, coerced through the schema', async () => {
    const name = uniqueName('form');
    const raw = `name=${name}&host=example.com&port=8080&tags[1]=t1&tags[2]=t2`;
    const res = await adminCall(kong, 'POST', '/services', {
      raw,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name, port: 8080, tags: ['t1', 't2'] });
    const plugin = await adminCall(kong, 'POST', `/services/${name}/plugins`, {
      raw: 'name=key-auth&config.key_names[1]=x-api-key&config.hide_credentials=true',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(plugin.status).toBe(201);
    expect(plugin.body.config).toMatchObject({ key_names: ['x-api-key'], hide_credentials: true });
    await adminCall(kong, 'DELETE', `/services/${name}`);
  });

  it('ignores unknown query parameters on lists', async () => {
    const res = await adminCall(kong, 'GET', '/services?foo=bar');
    expect(res.status).toBe(200);
  });

  it('does not expose workspaces or top-level targets in OSS', async () => {
    expect((await adminCall(kong, 'GET', '/workspaces')).status).toBe(404);
    expect((await adminCall(kong, 'GET', '/targets')).status).toBe(404);
  });
});

describe('Admin API token (kong-sim --admin-token; an Enterprise RBAC stand-in)', () => {
  it('refuses requests without the Kong-Admin-Token header with 401', async () => {
    const guarded = await startKongTarget({ adminToken: 'sekret' });
    try {
      const missing = await adminCall(guarded, 'GET', '/');
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({
        message: 'Invalid credentials. Token or User credentials required',
      });
      const wrong = await adminCall(guarded, 'GET', '/', {
        headers: { 'Kong-Admin-Token': 'nope' },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ message: 'Invalid RBAC credentials' });
      const right = await adminCall(guarded, 'GET', '/', {
        headers: { 'Kong-Admin-Token': 'sekret' },
      });
      expect(right.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
