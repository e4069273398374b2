/**
 * Kong's timeouts and retries per service, end to end: a registration's `upstream` reaches the
 * Kong service (read back from kong-sim's Admin API), a later registration that changes them
 * costs one service write, leaving them out puts Kong's defaults back, and a service that never
 * set them keeps Kong's defaults with no write at all. DB mode with the started controller
 * (events), then DB-less (one declarative push).
 */
import { ids } from '@kong-registry/kong-plugin';
import type { KongSim } from '@kong-registry/kong-sim';
import { waitFor } from '../../helpers/wait';
import { kongGet, kongQuiet, startStack, type Stack } from './harness';

const KONG_DEFAULTS = {
  connect_timeout: 60_000,
  read_timeout: 60_000,
  write_timeout: 60_000,
  retries: 5,
};

/** The Kong service's timeouts and retries, as kong-sim's Admin API returns them. */
async function kongTimeouts(kong: KongSim, service: string): Promise<Record<string, number>> {
  const body = await kongGet(kong, `/services/${ids.service(service)}`);
  return {
    connect_timeout: body.connect_timeout,
    read_timeout: body.read_timeout,
    write_timeout: body.write_timeout,
    retries: body.retries,
  };
}

const writes = (kong: KongSim) =>
  kong
    .requests()
    .filter((r) => r.method !== 'GET' && r.method !== 'HEAD')
    .map((r) => `${r.method} ${r.path}`);

describe('upstream timeouts and retries, DB mode', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    await stack.register('orders', 'o-1', { host: '127.0.0.1', port: 9811 });
    await stack.register('reports', 'r-1', {
      host: '127.0.0.1',
      port: 9812,
      upstream: { connectTimeoutMs: 2000, readTimeoutMs: 300_000, retries: 1 },
    });
    await stack.register('greeter', 'g-1', {
      host: '127.0.0.1',
      port: 9813,
      protocol: 'grpc',
      prefix: '/helloworld.Greeter',
      upstream: { connectTimeoutMs: 1500, writeTimeoutMs: 10_000, retries: 0 },
    });
    await stack.controllers[0]!.start();
    await waitFor(
      async () =>
        (await kongGet(stack.kong, `/services/${ids.service('greeter')}`).catch(() => null)) !==
          null &&
        (await kongGet(stack.kong, `/services/${ids.service('reports')}`).catch(() => null)) !==
          null,
      { what: 'the first sync' },
    );
  });

  afterAll(async () => {
    await stack.close();
  });

  it('sets them on the Kong service from the registration, gRPC services too', async () => {
    expect(await kongTimeouts(stack.kong, 'reports')).toEqual({
      connect_timeout: 2000,
      read_timeout: 300_000,
      write_timeout: 60_000,
      retries: 1,
    });
    expect(await kongTimeouts(stack.kong, 'greeter')).toEqual({
      connect_timeout: 1500,
      read_timeout: 60_000,
      write_timeout: 10_000,
      retries: 0,
    });
    // A service that never set them has Kong's defaults.
    expect(await kongTimeouts(stack.kong, 'orders')).toEqual(KONG_DEFAULTS);
  });

  /** Registers reports/r-1 again; Kong's writes once it has `connectTimeout` and is quiet. */
  const reregisterReports = async (
    body: Record<string, unknown>,
    connectTimeout: number,
  ): Promise<string[]> => {
    await kongQuiet(stack.kong);
    stack.kong.resetRequests();
    await stack.register('reports', 'r-1', { host: '127.0.0.1', port: 9812, ...body });
    await waitFor(
      async () => (await kongTimeouts(stack.kong, 'reports')).connect_timeout === connectTimeout,
      { what: `connect_timeout ${connectTimeout} in Kong` },
    );
    await kongQuiet(stack.kong);
    return writes(stack.kong);
  };

  it('a later registration that changes them updates the Kong service with one write', async () => {
    const written = await reregisterReports(
      { upstream: { connectTimeoutMs: 5000, readTimeoutMs: 300_000, retries: 1 } },
      5000,
    );
    expect(written).toEqual([`PUT /services/${ids.service('reports')}`]);
    expect(await kongTimeouts(stack.kong, 'reports')).toEqual({
      connect_timeout: 5000,
      read_timeout: 300_000,
      write_timeout: 60_000,
      retries: 1,
    });
  });

  it("leaving them out puts Kong's defaults back, with one write", async () => {
    const written = await reregisterReports({}, KONG_DEFAULTS.connect_timeout);
    expect(written).toEqual([`PUT /services/${ids.service('reports')}`]);
    expect(await kongTimeouts(stack.kong, 'reports')).toEqual(KONG_DEFAULTS);
  });

  it('a re-registration with the same settings writes nothing', async () => {
    await kongQuiet(stack.kong);
    stack.kong.resetRequests();
    await stack.register('greeter', 'g-1', {
      host: '127.0.0.1',
      port: 9813,
      protocol: 'grpc',
      prefix: '/helloworld.Greeter',
      upstream: { retries: 0, writeTimeoutMs: 10_000, connectTimeoutMs: 1500 },
    });
    await stack.controllers[0]!.reconcileOnce();
    await kongQuiet(stack.kong);
    expect(writes(stack.kong)).toEqual([]);
  });
});

describe('upstream timeouts and retries, DB-less', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ mode: 'dbless', env: { KONG_MODE: 'dbless' } });
    expect(await stack.controllers[0]!.acquireLeadership()).toBe(true);
  });

  afterAll(async () => {
    await stack.close();
  });

  it('pushes them in the declarative document, and a change in one more push', async () => {
    await stack.register('reports', 'r-1', {
      host: '127.0.0.1',
      port: 9821,
      upstream: { readTimeoutMs: 300_000 },
    });
    await stack.controllers[0]!.reconcileOnce();
    expect(await kongTimeouts(stack.kong, 'reports')).toEqual({
      ...KONG_DEFAULTS,
      read_timeout: 300_000,
    });

    stack.kong.resetRequests();
    await stack.register('reports', 'r-1', {
      host: '127.0.0.1',
      port: 9821,
      upstream: { readTimeoutMs: 120_000, retries: 2 },
    });
    const report = await stack.controllers[0]!.reconcileOnce();
    expect(report.nodes.map((n) => n.error)).toEqual([undefined]);
    expect(writes(stack.kong)).toEqual(['POST /config']);
    expect(await kongTimeouts(stack.kong, 'reports')).toEqual({
      ...KONG_DEFAULTS,
      read_timeout: 120_000,
      retries: 2,
    });
  });
});
