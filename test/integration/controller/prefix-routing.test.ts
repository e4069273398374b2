/**
 * Segment-safe prefixes (kong-plugin/src/kong/prefix-paths.ts): a service at prefix P receives
 * P, P/, P/... and P?query, nothing else; with strip on its upstream path is `/` for P and P/,
 * `/rest` for P/rest, the query kept; nested prefixes go to the most specific service. Registered
 * through the registry, programmed by the controller, asked through kong-sim's proxy, in DB and
 * DB-less mode.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../helpers/wait';
import { ids } from '@kong-registry/kong-plugin';
import { kongGet, kongWrite, startStack, type Stack } from './harness';

/** A backend that answers which service it is and the path it received. */
async function echo(service: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ service, path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const SERVICES = [
  { name: 'orders', prefix: '/orders' },
  { name: 'orders-archive', prefix: '/orders-archive' },
  { name: 'api', prefix: '/api' },
  { name: 'api-v2', prefix: '/api/v2' },
];

/** Request path -> the service that answers and the path it sees; undefined: Kong's 404. */
const TABLE: [string, { service: string; path: string } | undefined][] = [
  ['/orders', { service: 'orders', path: '/' }],
  ['/orders/', { service: 'orders', path: '/' }],
  ['/orders/42', { service: 'orders', path: '/42' }],
  ['/orders/42/items?x=1', { service: 'orders', path: '/42/items?x=1' }],
  ['/orders?x=1', { service: 'orders', path: '/?x=1' }],
  ['/orders-archive/x', { service: 'orders-archive', path: '/x' }],
  ['/orders-archivex', undefined],
  ['/ordersx', undefined],
  ['/Orders', undefined],
  ['//orders', { service: 'orders', path: '/' }],
  ['//orders//42', { service: 'orders', path: '/42' }],
  ['/api', { service: 'api', path: '/' }],
  ['/api/x', { service: 'api', path: '/x' }],
  ['/api/v2', { service: 'api-v2', path: '/' }],
  ['/api/v2/', { service: 'api-v2', path: '/' }],
  ['/api/v2/x?y=2', { service: 'api-v2', path: '/x?y=2' }],
  ['/api/v2x', { service: 'api', path: '/v2x' }],
  ['/apix', undefined],
];

describe.each(['db', 'dbless'] as const)('segment-safe prefixes (%s mode)', (mode) => {
  let stack: Stack;
  const backends: Server[] = [];
  beforeAll(async () => {
    stack = await startStack({ mode });
    for (const { name, prefix } of SERVICES) {
      const backend = await echo(name);
      backends.push(backend.server);
      await stack.register(name, `${name}-1`, { host: '127.0.0.1', port: backend.port, prefix });
    }
    const report = await stack.controllers[0]!.reconcileOnce();
    expect(report.ok).toBe(true);
    // DB mode: Kong's workers take new routes up at their next router rebuild.
    await waitFor(async () => (await fetch(`${stack.kong.proxy}/api/v2`)).status === 200, {
      what: 'the routes in the proxy',
      timeoutMs: 15_000,
    });
  });
  afterAll(async () => {
    await stack.close();
    await Promise.all(backends.map((b) => new Promise((resolve) => b.close(resolve))));
  });

  it.each(TABLE)('%s', async (path, expected) => {
    const res = await fetch(`${stack.kong.proxy}${path}`);
    const body = (await res.json()) as Record<string, unknown>;
    if (expected === undefined) {
      expect(res.status).toBe(404);
      expect(body).toMatchObject({ message: 'no Route matched with those values' });
    } else {
      expect(res.status).toBe(200);
      expect(body).toEqual(expected);
    }
  });
});

describe('upgrading a running stack from plain-prefix routes', () => {
  let stack: Stack;
  let backend: { server: Server; port: number };
  beforeAll(async () => {
    stack = await startStack({ mode: 'db' });
    backend = await echo('orders');
    await stack.register('orders', 'orders-1', { host: '127.0.0.1', port: backend.port });
  });
  afterAll(async () => {
    await stack.close();
    await new Promise((resolve) => backend.server.close(resolve));
  });

  it('updates each route in place: same id, no delete or create, no moment without a route', async () => {
    const controller = stack.controllers[0]!;
    expect((await controller.reconcileOnce()).ok).toBe(true);
    const routeId = ids.route('orders');
    // What the release before segment matching wrote: the same route, one plain path.
    expect(await kongWrite(stack.kong, 'PATCH', `/routes/${routeId}`, { paths: ['/orders'] })).toBe(
      200,
    );
    await waitFor(async () => (await fetch(`${stack.kong.proxy}/ordersx`)).status === 200, {
      what: 'the old route in the proxy (it still catches /ordersx)',
      timeoutMs: 15_000,
    });

    // Clients keep calling while the new controller takes over.
    let calls = 0;
    const failures: string[] = [];
    let running = true;
    const client = (async () => {
      while (running) {
        const res = await fetch(`${stack.kong.proxy}/orders/42`);
        const body = (await res.json()) as { path?: string };
        calls++;
        if (res.status !== 200 || body.path !== '/42') failures.push(`${res.status} ${body.path}`);
      }
    })();

    const report = await controller.reconcileOnce();
    expect(report.ok).toBe(true);
    expect(report.nodes[0]!.plan!.ops.map((op) => `${op.op} ${op.kind} ${op.id}`)).toEqual([
      `update route ${routeId}`,
    ]);
    const route = await kongGet(stack.kong, `/routes/${routeId}`);
    expect(route.paths).toEqual(['/orders/', '~/orders$']);
    // The router takes the update up at its next rebuild; until then the old route serves.
    await waitFor(async () => (await fetch(`${stack.kong.proxy}/ordersx`)).status === 404, {
      what: 'the new route in the proxy',
      timeoutMs: 15_000,
    });
    running = false;
    await client;
    expect(calls).toBeGreaterThan(10);
    expect(failures).toEqual([]);
    expect((await controller.reconcileOnce()).nodes[0]!.plan!.ops).toEqual([]);
  });
});
