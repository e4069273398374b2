import {
  adminJson,
  proxyCall,
  startEchoUpstream,
  startKongTarget,
  uniqueName,
  type EchoUpstream,
  type KongTarget,
} from './proxy-helpers';

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#route-matching, #route-priority, #upstream-path,
// #upstream-request-headers and #response-headers.
describe('proxy: routing and path handling', () => {
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

  async function serviceWithRoute(
    route: Record<string, unknown>,
    service: Record<string, unknown> = {},
  ) {
    const name = uniqueName('svc');
    await adminJson(kong, 'POST', '/services', {
      name,
      host: '127.0.0.1',
      port: echo.port,
      ...service,
    });
    await adminJson(kong, 'POST', `/services/${name}/routes`, {
      name: uniqueName('route'),
      ...route,
    });
    return name;
  }

  it('404 no route: Kong JSON error body with request_id', async () => {
    const res = await proxyCall(kong, `/${uniqueName('nothing')}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('server')).toBe('kong/3.9.3');
    expect(res.headers.get('via')).toBeNull();
    const requestId = res.headers.get('x-kong-request-id');
    expect(res.text).toBe(
      `{\n  "message":"no Route matched with those values",\n  "request_id":"${requestId}"\n}`,
    );
  });

  it('strips the matched prefix and passes the query string through', async () => {
    const prefix = `/${uniqueName('strip')}`;
    await serviceWithRoute({ paths: [prefix] }, { path: '/base' });
    const res = await proxyCall(kong, `${prefix}/items?a=1&b=2`);
    expect(res.status).toBe(200);
    expect(res.json().url).toBe('/base/items?a=1&b=2');
    const headers = res.json().headers as Record<string, string>;
    expect(headers['x-forwarded-prefix']).toBe(prefix);
    expect(headers['x-forwarded-path']).toBe(`${prefix}/items`);
    expect(headers.via).toBe('1.1 kong/3.9.3');
    expect(headers['x-kong-request-id']).toBe(res.headers.get('x-kong-request-id'));
    expect(headers.host).toBe(echo.address);
    expect(res.headers.get('via')).toBe('1.1 kong/3.9.3');
    expect(res.headers.get('x-kong-upstream-latency')).toMatch(/^\d+$/);
    expect(res.headers.get('x-kong-proxy-latency')).toMatch(/^\d+$/);
  });

  it('strip_path=false keeps the path; prefixes are not segment aware', async () => {
    const prefix = `/${uniqueName('keep')}`;
    await serviceWithRoute({ paths: [prefix], strip_path: false });
    const res = await proxyCall(kong, `${prefix}extra/x`);
    expect(res.status).toBe(200);
    expect(res.json().url).toBe(`${prefix}extra/x`);
  });

  it('preserve_host sends the client Host upstream', async () => {
    const host = `${uniqueName('h')}.example.test`;
    await serviceWithRoute({ hosts: [host], preserve_host: true });
    const res = await proxyCall(kong, '/x', { headers: { host } });
    expect((res.json().headers as Record<string, string>).host).toBe(host);
  });

  it('regex paths beat prefix paths', async () => {
    const base = `/${uniqueName('re')}`;
    await serviceWithRoute({ paths: [`${base}/v1/items`] }, { path: '/prefix' });
    await serviceWithRoute({ paths: [`~${base}/v\\d+/`] }, { path: '/regex' });
    const res = await proxyCall(kong, `${base}/v1/items`);
    expect(res.json().url).toBe('/regex/items');
  });

  it('a route without a service answers 503 "no Service found with those values"', async () => {
    const path = `/${uniqueName('orphan')}`;
    await adminJson(kong, 'POST', '/routes', { paths: [path] });
    const res = await proxyCall(kong, path);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text).message).toBe('no Service found with those values');
  });
});

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#responses-kong-produces.
describe('proxy: protocol and name resolution errors', () => {
  let kong: KongTarget;

  beforeAll(async () => {
    kong = await startKongTarget();
  });
  afterAll(async () => {
    await kong.close();
  });

  it('an https-only route hit over http answers 426 "Please use HTTPS protocol"', async () => {
    const name = uniqueName('svc');
    const path = `/${uniqueName('tls')}`;
    await adminJson(kong, 'POST', '/services', { name, host: '127.0.0.1', port: 9 });
    await adminJson(kong, 'POST', `/services/${name}/routes`, {
      paths: [path],
      protocols: ['https'],
    });
    const res = await proxyCall(kong, path);
    expect(res.status).toBe(426);
    expect(res.json().message).toBe('Please use HTTPS protocol');
    expect(res.headers.get('upgrade')).toBe('TLS/1.2, HTTP/1.1');
  });

  it('a service host that does not resolve answers 503 "name resolution failed"', async () => {
    const name = uniqueName('svc');
    const path = `/${uniqueName('dns')}`;
    await adminJson(kong, 'POST', '/services', { name, host: `${uniqueName('nowhere')}.invalid` });
    await adminJson(kong, 'POST', `/services/${name}/routes`, { paths: [path] });
    const res = await proxyCall(kong, path);
    expect(res.status).toBe(503);
    expect(res.json().message).toBe('name resolution failed');
  });
});
