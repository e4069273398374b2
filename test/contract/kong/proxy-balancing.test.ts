import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../helpers/ports';
import { waitFor } from '../../helpers/wait';
import {
  adminJson,
  proxyCall,
  startEchoUpstream,
  startKongTarget,
  uniqueName,
  type EchoUpstream,
  type KongTarget,
} from './proxy-helpers';

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#balancer and #responses-kong-produces.
describe('proxy: balancing, retries and upstream errors', () => {
  let kong: KongTarget;
  let a: EchoUpstream;
  let b: EchoUpstream;

  beforeAll(async () => {
    kong = await startKongTarget();
    a = await startEchoUpstream('a');
    b = await startEchoUpstream('b');
  });
  afterAll(async () => {
    await a.kill();
    await b.kill();
    await kong.close();
  });

  /** An upstream with the given targets, a service on it and a route; returns the route path. */
  async function balanced(
    targets: { target: string; weight?: number }[],
    service: Record<string, unknown> = {},
  ) {
    const upstream = uniqueName('up');
    await adminJson(kong, 'POST', '/upstreams', { name: upstream });
    for (const target of targets)
      await adminJson(kong, 'POST', `/upstreams/${upstream}/targets`, target);
    const name = uniqueName('svc');
    await adminJson(kong, 'POST', '/services', { name, host: upstream, port: 80, ...service });
    const path = `/${uniqueName('lb')}`;
    await adminJson(kong, 'POST', `/services/${name}/routes`, { paths: [path] });
    return path;
  }

  it('round-robins over targets in proportion to weight', async () => {
    const path = await balanced([
      { target: a.address, weight: 300 },
      { target: b.address, weight: 100 },
    ]);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const upstream = (await proxyCall(kong, path)).json().upstream as string;
      counts[upstream] = (counts[upstream] ?? 0) + 1;
    }
    // 40 picks are 10 full turns of a 3:1 wheel. Real Kong keeps one wheel position per nginx
    // worker, so requests spread over workers may shift a few picks; kong-sim is exact.
    expect((counts.a ?? 0) + (counts.b ?? 0)).toBe(40);
    expect(counts.a).toBeGreaterThanOrEqual(27);
    expect(counts.a).toBeLessThanOrEqual(33);
  });

  it('sends the target host:port as Host, not the upstream name', async () => {
    const path = await balanced([{ target: a.address }]);
    const res = await proxyCall(kong, path);
    expect((res.json().headers as Record<string, string>).host).toBe(a.address);
  });

  it('503 "failure to get a peer from the ring-balancer" with no targets or only weight 0', async () => {
    for (const path of [await balanced([]), await balanced([{ target: a.address, weight: 0 }])]) {
      const res = await proxyCall(kong, path);
      expect(res.status).toBe(503);
      expect(res.json().message).toBe('failure to get a peer from the ring-balancer');
      expect(res.headers.get('server')).toBe('kong/3.9.3');
    }
  });

  it('retries a refused connection on the next target', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const path = await balanced([{ target: dead }, { target: a.address }]);
    for (let i = 0; i < 4; i++) expect((await proxyCall(kong, path)).status).toBe(200);
  });

  it('gives a target whose name does not resolve no traffic; only such targets -> 503', async () => {
    const nowhere = `${uniqueName('nowhere')}.invalid:80`;
    const path = await balanced([{ target: nowhere }, { target: a.address }], { retries: 0 });
    await waitFor(async () => (await proxyCall(kong, path)).status === 200, { what: 'first 200' });
    for (let i = 0; i < 4; i++) expect((await proxyCall(kong, path)).status).toBe(200);
    const only = await balanced([{ target: nowhere }], { retries: 0 });
    await waitFor(async () => (await proxyCall(kong, only)).status === 503, { what: 'no peer' });
    expect((await proxyCall(kong, only)).json().message).toBe(
      'failure to get a peer from the ring-balancer',
    );
  });

  it('502 plain text when the connection is refused (no Accept header)', async () => {
    const path = `/${uniqueName('refused')}`;
    const name = uniqueName('svc');
    await adminJson(kong, 'POST', '/services', {
      name,
      host: '127.0.0.1',
      port: await freePort(),
      retries: 0,
    });
    await adminJson(kong, 'POST', `/services/${name}/routes`, { paths: [path] });
    const res = await proxyCall(kong, path);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const id = res.headers.get('x-kong-request-id');
    expect(res.text).toBe(
      `An invalid response was received from the upstream server\nrequest_id: ${id}\n`,
    );
    const json = await proxyCall(kong, path, { headers: { accept: 'application/json' } });
    expect(json.json().message).toBe('An invalid response was received from the upstream server');
  });

  it('passes an idempotent request whose connection dies before the response to the next target, but not a POST', async () => {
    // An upstream that reads the request, then drops the connection without answering (an
    // instance exiting mid-request): nginx's proxy_next_upstream `error` retries GET elsewhere.
    let dropped = 0;
    const dropper = http.createServer((req) => {
      dropped += 1;
      req.socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    try {
      const port = (dropper.address() as AddressInfo).port;
      const path = await balanced([{ target: `127.0.0.1:${port}` }, { target: a.address }]);
      for (let i = 0; i < 4; i++) {
        const res = await proxyCall(kong, path);
        expect(res.status).toBe(200);
        expect(res.json().upstream).toBe('a');
      }
      expect(dropped).toBeGreaterThan(0);

      const before = dropped;
      const statuses = new Set<number>();
      for (let i = 0; i < 4; i++) {
        statuses.add((await proxyCall(kong, path, { method: 'POST', body: '{}' })).status);
      }
      // Round-robin sends some POSTs to the dropper; those are not replayed: 502.
      expect(dropped).toBeGreaterThan(before);
      expect(statuses.has(502)).toBe(true);
    } finally {
      dropper.closeAllConnections();
      dropper.close();
    }
  });

  it('504 "The upstream server is timing out" after read_timeout', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const name = uniqueName('svc');
      const path = `/${uniqueName('slow')}`;
      const port = (silent.address() as AddressInfo).port;
      await adminJson(kong, 'POST', '/services', {
        name,
        host: '127.0.0.1',
        port,
        read_timeout: 300,
        retries: 0,
      });
      await adminJson(kong, 'POST', `/services/${name}/routes`, { paths: [path] });
      const res = await proxyCall(kong, path);
      expect(res.status).toBe(504);
      expect(res.text).toBe(
        `The upstream server is timing out\nrequest_id: ${res.headers.get('x-kong-request-id')}\n`,
      );
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('keeps answering when the upstream closes idle keep-alive connections', async () => {
    const closer = http.createServer((_req, res) => res.end('ok'));
    closer.keepAliveTimeout = 1;
    await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', resolve));
    try {
      const port = (closer.address() as AddressInfo).port;
      const path = await balanced([{ target: `127.0.0.1:${port}` }], { retries: 0 });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await proxyCall(kong, path)).status);
      expect(statuses).toEqual(Array(30).fill(200));
    } finally {
      closer.closeAllConnections();
      closer.close();
    }
  });

  it('streams request bodies upstream unchanged', async () => {
    const path = await balanced([{ target: a.address }]);
    const body = JSON.stringify({ hello: 'x'.repeat(100_000) });
    const res = await proxyCall(kong, path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.json().body).toBe(body);
  });
});
