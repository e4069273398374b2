import jsonwebtoken from 'jsonwebtoken';
import {
  adminJson,
  proxyCall,
  startEchoUpstream,
  startKongTarget,
  uniqueName,
  type EchoUpstream,
  type KongTarget,
} from './proxy-helpers';

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#authentication-plugins.
describe('proxy: key-auth, jwt and acl at runtime', () => {
  let kong: KongTarget;
  let echo: EchoUpstream;

  beforeAll(async () => {
    kong = await startKongTarget();
    echo = await startEchoUpstream('echo');
  });
  afterAll(async () => {
    await echo.kill();
    await kong.close();
  });

  /** A service + route at a fresh path; returns the path and the service name. */
  async function protectedRoute(plugins: { name: string; config?: Record<string, unknown> }[]) {
    const service = uniqueName('svc');
    const path = `/${uniqueName('auth')}`;
    await adminJson(kong, 'POST', '/services', {
      name: service,
      host: '127.0.0.1',
      port: echo.port,
    });
    await adminJson(kong, 'POST', `/services/${service}/routes`, { paths: [path] });
    const pluginIds: string[] = [];
    for (const plugin of plugins) {
      pluginIds.push(
        (await adminJson<{ id: string }>(kong, 'POST', `/services/${service}/plugins`, plugin)).id,
      );
    }
    return { path, pluginIds };
  }

  async function consumer(groups: string[] = []) {
    const username = uniqueName('user');
    const created = await adminJson<{ id: string }>(kong, 'POST', '/consumers', {
      username,
      custom_id: `${username}-cid`,
    });
    for (const group of groups)
      await adminJson(kong, 'POST', `/consumers/${username}/acls`, { group });
    return { username, id: created.id };
  }

  it('key-auth: 401 without a key, 401 with a wrong key, 200 with consumer headers upstream', async () => {
    const { path } = await protectedRoute([{ name: 'key-auth' }]);
    const alice = await consumer();
    const key = uniqueName('key');
    const cred = await adminJson<{ id: string }>(
      kong,
      'POST',
      `/consumers/${alice.username}/key-auth`,
      { key },
    );

    const missing = await proxyCall(kong, path);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Key');
    expect(missing.json()).toEqual({
      message: 'No API key found in request',
      request_id: missing.headers.get('x-kong-request-id'),
    });

    const wrong = await proxyCall(kong, path, { headers: { apikey: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json().message).toBe('Unauthorized');

    const ok = await proxyCall(kong, path, {
      headers: { apikey: key, 'x-consumer-username': 'spoofed' },
    });
    expect(ok.status).toBe(200);
    const headers = ok.json().headers as Record<string, string>;
    expect(headers['x-consumer-id']).toBe(alice.id);
    expect(headers['x-consumer-username']).toBe(alice.username);
    expect(headers['x-consumer-custom-id']).toBe(`${alice.username}-cid`);
    expect(headers['x-credential-identifier']).toBe(cred.id);
    expect(headers['x-anonymous-consumer']).toBeUndefined();
    expect(headers.apikey).toBe(key);
  });

  it('key-auth hide_credentials strips the key before proxying', async () => {
    const { path } = await protectedRoute([
      { name: 'key-auth', config: { hide_credentials: true } },
    ]);
    const alice = await consumer();
    const key = uniqueName('key');
    await adminJson(kong, 'POST', `/consumers/${alice.username}/key-auth`, { key });
    const ok = await proxyCall(kong, `${path}?apikey=${key}&keep=1`);
    expect(ok.status).toBe(200);
    expect(ok.json().url).toBe('/?keep=1');
  });

  it('jwt: HS256 accepted; expired token rejected only when exp is verified', async () => {
    const { path } = await protectedRoute([{ name: 'jwt', config: { claims_to_verify: ['exp'] } }]);
    const alice = await consumer();
    const secret = await adminJson<{ key: string; secret: string }>(
      kong,
      'POST',
      `/consumers/${alice.username}/jwt`,
      {},
    );

    const none = await proxyCall(kong, path);
    expect(none.status).toBe(401);
    expect(none.text).toBe('{"message":"Unauthorized"}');

    const valid = jsonwebtoken.sign(
      { iss: secret.key, exp: Math.floor(Date.now() / 1000) + 60 },
      secret.secret,
    );
    const ok = await proxyCall(kong, path, { headers: { authorization: `Bearer ${valid}` } });
    expect(ok.status).toBe(200);
    expect((ok.json().headers as Record<string, string>)['x-credential-identifier']).toBe(
      secret.key,
    );

    const expired = jsonwebtoken.sign(
      { iss: secret.key, exp: Math.floor(Date.now() / 1000) - 10 },
      secret.secret,
    );
    const rejected = await proxyCall(kong, path, {
      headers: { authorization: `Bearer ${expired}` },
    });
    expect(rejected.status).toBe(401);
    expect(rejected.json()).toEqual({ exp: 'token expired' });
    expect(rejected.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');

    const forged = jsonwebtoken.sign({ iss: secret.key }, 'not-the-secret');
    expect(
      (await proxyCall(kong, path, { headers: { authorization: `Bearer ${forged}` } })).json(),
    ).toEqual({ message: 'Invalid signature' });
  });

  it('acl: 403 for a consumer outside the allow list, 200 with X-Consumer-Groups inside it', async () => {
    const { path } = await protectedRoute([
      { name: 'key-auth' },
      { name: 'acl', config: { allow: ['gold'] } },
    ]);
    const gold = await consumer(['gold']);
    const plain = await consumer(['silver']);
    const goldKey = uniqueName('key');
    const plainKey = uniqueName('key');
    await adminJson(kong, 'POST', `/consumers/${gold.username}/key-auth`, { key: goldKey });
    await adminJson(kong, 'POST', `/consumers/${plain.username}/key-auth`, { key: plainKey });

    const denied = await proxyCall(kong, path, { headers: { apikey: plainKey } });
    expect(denied.status).toBe(403);
    expect(denied.json().message).toBe('You cannot consume this service');

    const allowed = await proxyCall(kong, path, { headers: { apikey: goldKey } });
    expect(allowed.status).toBe(200);
    expect((allowed.json().headers as Record<string, string>)['x-consumer-groups']).toBe('gold');
  });

  it('acl without an authentication plugin: 401 Unauthorized', async () => {
    const { path } = await protectedRoute([{ name: 'acl', config: { allow: ['gold'] } }]);
    const res = await proxyCall(kong, path);
    expect(res.status).toBe(401);
    expect(res.json().message).toBe('Unauthorized');
  });

  it('a disabled plugin is skipped', async () => {
    const { path, pluginIds } = await protectedRoute([{ name: 'key-auth' }]);
    expect((await proxyCall(kong, path)).status).toBe(401);
    await adminJson(kong, 'PATCH', `/plugins/${pluginIds[0]}`, { enabled: false });
    expect((await proxyCall(kong, path)).status).toBe(200);
  });
});

// Kong's rules: Kong 3.9.3 kong/plugins/rate-limiting/handler.lua.
describe('proxy: rate-limiting, local policy', () => {
  let kong: KongTarget;
  let echo: EchoUpstream;

  beforeAll(async () => {
    kong = await startKongTarget();
    echo = await startEchoUpstream('echo');
  });
  afterAll(async () => {
    await echo.kill();
    await kong.close();
  });

  it('adds X-RateLimit-* headers and answers 429 "API rate limit exceeded" past the limit', async () => {
    const service = uniqueName('svc');
    const path = `/${uniqueName('rl')}`;
    await adminJson(kong, 'POST', '/services', {
      name: service,
      host: '127.0.0.1',
      port: echo.port,
    });
    await adminJson(kong, 'POST', `/services/${service}/routes`, { paths: [path] });
    await adminJson(kong, 'POST', `/services/${service}/plugins`, {
      name: 'rate-limiting',
      config: { hour: 2, policy: 'local' },
    });
    const first = await proxyCall(kong, path);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-hour')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-hour')).toBe('1');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect((await proxyCall(kong, path)).status).toBe(200);
    const limited = await proxyCall(kong, path);
    expect(limited.status).toBe(429);
    expect(limited.json().message).toBe('API rate limit exceeded');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

// Kong's rules: Kong 3.9.3 kong/plugins/cors/handler.lua.
describe('proxy: cors', () => {
  let kong: KongTarget;
  let echo: EchoUpstream;

  beforeAll(async () => {
    kong = await startKongTarget();
    echo = await startEchoUpstream('echo');
  });
  afterAll(async () => {
    await echo.kill();
    await kong.close();
  });

  it('answers preflights itself (200, before auth) and adds CORS headers to other responses', async () => {
    const service = uniqueName('svc');
    const path = `/${uniqueName('cors')}`;
    await adminJson(kong, 'POST', '/services', {
      name: service,
      host: '127.0.0.1',
      port: echo.port,
    });
    await adminJson(kong, 'POST', `/services/${service}/routes`, { paths: [path] });
    await adminJson(kong, 'POST', `/services/${service}/plugins`, {
      name: 'cors',
      config: { origins: ['http://app.test'], methods: ['GET', 'POST'] },
    });
    await adminJson(kong, 'POST', `/services/${service}/plugins`, { name: 'key-auth' });
    const origin = 'http://app.test';
    const before = echo.seen.length;

    const preflight = await proxyCall(kong, path, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(echo.seen).toHaveLength(before);

    const unauthorized = await proxyCall(kong, path, { headers: { origin } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(origin);
  });
});
