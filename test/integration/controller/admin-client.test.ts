/**
 * KongAdminClient against a scripted HTTP server: paging on `offset`, headers, typed errors that
 * keep Kong's body, retries on 5xx/network errors of idempotent calls and on 429, and Kong's
 * Retry-After honoured.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KongAdminClient } from '@kong-registry/kong-plugin';
import { freePort } from '../../helpers/ports';

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

describe('KongAdminClient', () => {
  let server: Server;
  let base: string;
  let seen: IncomingMessage[];
  let replies: ((req: IncomingMessage) => Reply)[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      const next = replies.shift() ?? ((): Reply => ({ status: 200, body: { data: [] } }));
      const reply = next(req);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    seen = [];
    replies = [];
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const client = () =>
    new KongAdminClient({
      baseUrl: base,
      token: 'rbac-token',
      headers: { apikey: 'admin-key' },
      retries: 2,
      retryBaseMs: 1,
    });

  it('pages on offset with size=1000 and the tag filter, sending the auth headers', async () => {
    replies = [
      () => ({ status: 200, body: { data: [{ id: 1 }], offset: 'abc', next: '/x' } }),
      () => ({ status: 200, body: { data: [{ id: 2 }], next: null } }),
    ];
    const c = client();
    expect(await c.listAll('/services', 'managed-by:kong-registry')).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
    expect(seen.map((r) => r.url)).toEqual([
      '/services?size=1000&tags=managed-by%3Akong-registry',
      '/services?size=1000&tags=managed-by%3Akong-registry&offset=abc',
    ]);
    expect(seen[0]?.headers['kong-admin-token']).toBe('rbac-token');
    expect(seen[0]?.headers.apikey).toBe('admin-key');
    await c.close();
  });

  it('asks mayWrite before every write attempt, retries included; reads go on', async () => {
    let allowed = true;
    const guarded = new KongAdminClient({
      baseUrl: base,
      retries: 2,
      retryBaseMs: 1,
      mayWrite: () => allowed,
    });
    expect(await guarded.put('/services/a', { name: 'a' })).toEqual({ data: [] });
    // The first attempt fails with a 5xx; by the retry, the lease is gone: nothing more is sent.
    replies = [
      () => {
        allowed = false;
        return { status: 503, body: { message: 'busy' } };
      },
    ];
    await expect(guarded.put('/services/b', { name: 'b' })).rejects.toMatchObject({
      code: 'KCP_ERR_NOT_LEADER',
    });
    await expect(guarded.delete('/services/a')).rejects.toMatchObject({
      code: 'KCP_ERR_NOT_LEADER',
    });
    expect(await guarded.get('/status')).toEqual({ data: [] });
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'PUT /services/a',
      'PUT /services/b',
      'GET /status',
    ]);
    await guarded.close();
  });

  it('retries a GET after a 5xx and succeeds', async () => {
    replies = [
      () => ({ status: 503, body: { message: 'busy' } }),
      () => ({ status: 200, body: { ok: true } }),
    ];
    const c = client();
    expect(await c.get('/status')).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    await c.close();
  });

  it('keeps Kong error bodies and never retries a 4xx', async () => {
    const body = {
      code: 5,
      name: 'unique constraint violation',
      message: 'UNIQUE violation detected on \'{name="x"}\'',
      fields: { name: 'x' },
    };
    replies = [() => ({ status: 409, body })];
    const c = client();
    await expect(c.put('/services/x', { name: 'x' })).rejects.toMatchObject({
      code: 'KCP_ERR_ADMIN_API',
      statusCode: 409,
      kongCode: 5,
      kongName: 'unique constraint violation',
      fields: { name: 'x' },
      method: 'PUT',
      path: '/services/x',
    });
    expect(seen).toHaveLength(1);
    await c.close();
  });

  it('does not retry a non-idempotent POST, but does retry POST /config', async () => {
    replies = [() => ({ status: 500, body: { message: 'An unexpected error occurred' } })];
    const c = client();
    await expect(c.post('/upstreams/u/targets', {})).rejects.toMatchObject({ statusCode: 500 });
    expect(seen).toHaveLength(1);
    seen = [];
    replies = [() => ({ status: 500 }), () => ({ status: 201, body: {} })];
    await c.post('/config', {}, { idempotent: true });
    expect(seen).toHaveLength(2);
    await c.close();
  });

  it("retries a 429, even for a POST, after the wait Kong's Retry-After asks for", async () => {
    const at: number[] = [];
    replies = [
      () => {
        at.push(Date.now());
        return {
          status: 429,
          body: { message: 'API rate limit exceeded' },
          headers: { 'retry-after': '1' },
        };
      },
      () => {
        at.push(Date.now());
        return { status: 201, body: { id: 't' } };
      },
    ];
    const c = client();
    expect(await c.post('/upstreams/u/targets', { target: 'a:1' })).toEqual({ id: 't' });
    expect(seen).toHaveLength(2);
    // The client's own backoff here is 1 ms: only Retry-After explains a second's wait.
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(950);
    await c.close();
  });

  it('fails at once when Retry-After asks for longer than its longest wait', async () => {
    replies = [() => ({ status: 503, headers: { 'retry-after': '120' } })];
    const c = client();
    await expect(c.get('/status')).rejects.toMatchObject({
      statusCode: 503,
      retryAfterMs: 120_000,
    });
    expect(seen).toHaveLength(1);
    await c.close();
  });

  it('turns connection failures into KongNetworkError after its retries', async () => {
    const port = await freePort();
    const c = new KongAdminClient({
      baseUrl: `http://127.0.0.1:${port}`,
      retries: 1,
      retryBaseMs: 1,
      timeoutMs: 2000,
    });
    await expect(c.get('/')).rejects.toMatchObject({
      code: 'KCP_ERR_ADMIN_API_NETWORK',
      method: 'GET',
      path: '/',
    });
    await c.close();
  });

  it('stops retrying once closed: a backoff in progress ends and the call rejects', async () => {
    replies = [() => ({ status: 503 }), () => ({ status: 503 })];
    const c = new KongAdminClient({ baseUrl: base, retries: 5, retryBaseMs: 60_000 });
    const pending = c.get('/');
    // Close once the first 503 has been sent, so the client is in its backoff.
    await new Promise<void>((resolve) =>
      server.once('request', (_req, res: ServerResponse) =>
        res.once('finish', () => setTimeout(resolve, 20)),
      ),
    );
    await c.close();
    // Without close() cutting the 60 s backoff short this would time the test out.
    await expect(pending).rejects.toMatchObject({ statusCode: 503 });
    expect(seen).toHaveLength(1);
  });
});
