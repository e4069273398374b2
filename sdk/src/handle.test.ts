import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register, type RegisterOptions, type RegistrationHandle, type SdkError } from './index';
import { FakeRegistry } from './__tests__/fake-registry';
import { waitFor } from '../../test/helpers/wait';
import { freePort } from '../../test/helpers/ports';

const fastRetry = { initialDelayMs: 10, maxDelayMs: 40, jitter: 0, retries: 2 };

function optionsFor(
  registry: FakeRegistry | string,
  extra: Partial<RegisterOptions> = {},
): RegisterOptions {
  return {
    registryUrl: typeof registry === 'string' ? registry : registry.url,
    token: 'service-token',
    service: 'orders',
    host: '127.0.0.1',
    port: 3000,
    retry: fastRetry,
    requestTimeoutMs: 1000,
    // No hold at weight 0 before leaving: these tests are not about it (pause.test.ts is).
    drainHoldMs: 0,
    ...extra,
  };
}

describe('register() against a fake registry', () => {
  let registry: FakeRegistry;
  const handles: RegistrationHandle[] = [];
  const track = (h: RegistrationHandle): RegistrationHandle => (handles.push(h), h);

  beforeEach(async () => {
    registry = await new FakeRegistry().start();
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await registry.stop();
  });

  it('registers with the body, path and token, then heartbeats at the interval', async () => {
    const handle = track(
      await register(optionsFor(registry, { version: '1.2.3', metadata: { zone: 'a' } })),
    );
    expect(handle.state).toBe('registered');
    expect(handle.instanceId).toBe('127.0.0.1-3000');
    const [first] = registry.requests;
    expect(first).toMatchObject({
      method: 'PUT',
      path: '/v1/services/orders/instances/127.0.0.1-3000',
      authorization: 'Bearer service-token',
      body: { host: '127.0.0.1', port: 3000, version: '1.2.3', metadata: { zone: 'a' } },
    });
    await waitFor(() => registry.count('PUT', '/heartbeat') >= 3, { what: 'three heartbeats' });
    expect(handle.lease?.instance.service).toBe('orders');
  });

  it('re-registers at once when a heartbeat gets 404 (lease gone)', async () => {
    const handle = track(await register(optionsFor(registry)));
    const lost: string[] = [];
    handle.on('lost', (e) => lost.push(e.reason));
    const reregistered = new Promise((resolve) => handle.once('reregistered', resolve));
    registry.instances.clear();
    await reregistered;
    expect(lost).toEqual(['lease-not-found']);
    expect(registry.instances.size).toBe(1);
    expect(handle.state).toBe('registered');
  });

  it('rides out failing heartbeats while the lease lasts, without losing it', async () => {
    const handle = track(await register(optionsFor(registry, { ttlSeconds: 5 })));
    const lost = jest.fn();
    handle.on('lost', lost);
    let failures = 0;
    registry.script((req) => {
      if (!req.path.endsWith('/heartbeat') || failures >= 3) return undefined;
      failures++;
      return { status: 503, body: { code: 'REG_ERR_REDIS_UNAVAILABLE', message: 'redis down' } };
    });
    const beats = registry.count('PUT', '/heartbeat');
    await waitFor(() => registry.count('PUT', '/heartbeat') >= beats + 5, {
      what: 'heartbeats to resume',
    });
    expect(failures).toBe(3);
    expect(lost).not.toHaveBeenCalled();
    expect(handle.state).toBe('registered');
  });

  it('reports lease-expired when the registry is gone longer than the TTL, and registers when it is back', async () => {
    const handle = track(await register(optionsFor(registry, { ttlSeconds: 1 })));
    const port = Number(new URL(registry.url).port);
    const lost = new Promise<string>((resolve) => handle.once('lost', (e) => resolve(e.reason)));
    await registry.stop();
    expect(await lost).toBe('lease-expired');
    expect(handle.state).toBe('reregistering');
    registry = await new FakeRegistry().start(port);
    await new Promise((resolve) => handle.once('reregistered', resolve));
    expect(registry.instances.size).toBe(1);
  });

  it('resolves at once when the registry is down and registers when it comes up', async () => {
    const port = await freePort();
    const handle = track(
      await register(optionsFor(`http://127.0.0.1:${port}`, { waitForRegistration: false })),
    );
    expect(handle.state).toBe('registering');
    const registered = handle.whenRegistered();
    await registry.stop();
    registry = await new FakeRegistry().start(port);
    const reply = await registered;
    expect(reply.instance.instanceId).toBe('127.0.0.1-3000');
    expect(handle.state).toBe('registered');
  });

  it('stops at the first 401 with SDK_ERR_UNAUTHORIZED and sends nothing more', async () => {
    registry.script(() => ({
      status: 401,
      body: { code: 'REG_ERR_UNAUTHORIZED', message: 'bad token' },
    }));
    const error = (await register(optionsFor(registry)).catch((e: unknown) => e)) as SdkError;
    expect(error.code).toBe('SDK_ERR_UNAUTHORIZED');
    expect(error.registryCode).toBe('REG_ERR_UNAUTHORIZED');
    expect(error.message).toContain('bad token');
    expect(registry.requests).toHaveLength(1);
  });

  it('reports 403 on a background registration as an error event, state failed, no retry storm', async () => {
    registry.script(() => ({
      status: 403,
      body: { code: 'REG_ERR_FORBIDDEN', message: 'token is for billing' },
    }));
    const handle = track(await register(optionsFor(registry, { waitForRegistration: false })));
    const error = await new Promise<SdkError>((resolve) => handle.once('error', resolve));
    expect(error.code).toBe('SDK_ERR_FORBIDDEN');
    expect(handle.state).toBe('failed');
    await handle.close();
    expect(registry.requests).toHaveLength(1);
  });

  it('keeps the registry code of another 4xx (SDK_ERR_REJECTED) and does not retry it', async () => {
    registry.script(() => ({
      status: 409,
      body: { code: 'REG_ERR_PREFIX_CONFLICT', message: 'owned by billing' },
    }));
    const error = (await register(optionsFor(registry)).catch((e: unknown) => e)) as SdkError;
    expect(error).toMatchObject({
      code: 'SDK_ERR_REJECTED',
      statusCode: 409,
      registryCode: 'REG_ERR_PREFIX_CONFLICT',
    });
    expect(registry.count('PUT')).toBe(1);
  });

  it('retries 503 and 429 (honouring Retry-After) until registered', async () => {
    let n = 0;
    registry.script((req) => {
      if (req.method !== 'PUT') return undefined;
      n++;
      if (n === 1)
        return { status: 503, body: { code: 'REG_ERR_REDIS_UNAVAILABLE', message: 'redis down' } };
      if (n === 2)
        return {
          status: 429,
          body: { code: 'REG_ERR_RATE', message: 'slow down' },
          headers: { 'retry-after': '0' },
        };
      return undefined;
    });
    const handle = track(await register(optionsFor(registry)));
    expect(handle.state).toBe('registered');
    expect(n).toBeGreaterThanOrEqual(3);
  });

  it('times out a registry that never answers with SDK_ERR_TIMEOUT and keeps retrying', async () => {
    registry.script((req) =>
      registry.count('PUT') <= 1 && req.method === 'PUT' ? { status: 0, hang: true } : undefined,
    );
    const warnings: unknown[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (_m: string, f?: unknown) => warnings.push(f),
    };
    const handle = track(await register(optionsFor(registry, { requestTimeoutMs: 100, logger })));
    expect(handle.state).toBe('registered');
    expect(warnings[0]).toMatchObject({ code: 'SDK_ERR_TIMEOUT' });
  });

  it('close() returns the same promise, deregisters once and emits closed', async () => {
    const handle = await register(optionsFor(registry));
    const closed = jest.fn();
    handle.on('closed', closed);
    const first = handle.close();
    expect(handle.close()).toBe(first);
    await first;
    await handle.close();
    expect(registry.count('DELETE')).toBe(1);
    expect(registry.instances.size).toBe(0);
    expect(closed).toHaveBeenCalledTimes(1);
    expect(handle.state).toBe('closed');
  });

  it('close() during a registration in flight deregisters after it (PUT, then DELETE)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    registry.script((req) => (req.method === 'PUT' ? { status: 0, release: gate } : undefined));
    const handle = await register(optionsFor(registry, { waitForRegistration: false }));
    await waitFor(() => registry.count('PUT') === 1, { what: 'the registration to be in flight' });
    const closing = handle.close();
    release();
    await closing;
    expect(registry.requests.map((r) => r.method)).toEqual(['PUT', 'DELETE']);
    expect(registry.instances.size).toBe(0);
  });

  it('closes when the given AbortSignal aborts', async () => {
    const controller = new AbortController();
    const handle = await register(optionsFor(registry, { signal: controller.signal }));
    const closed = new Promise<void>((resolve) => handle.once('closed', () => resolve()));
    controller.abort();
    await closed;
    expect(registry.instances.size).toBe(0);
  });

  it('rejects with SDK_ERR_ABORTED when aborted before the first registration', async () => {
    const controller = new AbortController();
    const port = await freePort();
    const pending = register(optionsFor(`http://127.0.0.1:${port}`, { signal: controller.signal }));
    setImmediate(() => controller.abort());
    await expect(pending).rejects.toMatchObject({ code: 'SDK_ERR_ABORTED' });
  });

  it('survives a listener that throws', async () => {
    const handle = track(await register(optionsFor(registry)));
    handle.on('heartbeat', () => {
      throw new Error('listener bug');
    });
    const before = registry.count('PUT', '/heartbeat');
    await waitFor(() => registry.count('PUT', '/heartbeat') >= before + 2, {
      what: 'heartbeats after a throwing listener',
    });
    expect(handle.state).toBe('registered');
  });

  it('rejects bad options with every problem listed', async () => {
    await expect(
      register({ registryUrl: 'ftp://x', token: '', service: 'bad name', port: 0 }),
    ).rejects.toMatchObject({
      code: 'SDK_ERR_INVALID_OPTIONS',
      message: expect.stringMatching(/registryUrl.*token.*service.*port/),
    });
  });
});

describe('drain()', () => {
  let registry: FakeRegistry;
  let server: Server | undefined;

  beforeEach(async () => {
    registry = await new FakeRegistry().start();
  });
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    await registry.stop();
  });

  it('marks draining, waits for a request in flight, then deregisters', async () => {
    const handle = await register(optionsFor(registry));
    let finishSlowRequest: (() => void) | undefined;
    server = handle.trackServer(
      createServer((_req, res) => {
        finishSlowRequest = () => res.end('done');
      }),
    );
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const answer = new Promise<string>((resolve) => {
      request({ port, host: '127.0.0.1', path: '/slow' }, (res) => {
        let text = '';
        res.on('data', (c) => (text += String(c)));
        res.on('end', () => resolve(text));
      }).end();
    });
    await waitFor(() => handle.inFlight === 1, { what: 'the slow request to arrive' });

    const drained = handle.drain({ timeoutMs: 10_000 });
    await waitFor(
      () => registry.requests.some((r) => r.method === 'DELETE' && r.path.includes('drain=true')),
      {
        what: 'DELETE ?drain=true',
      },
    );
    expect(handle.isDraining).toBe(true);
    expect(registry.instances.get('orders/127.0.0.1-3000')?.draining).toBe(true);
    expect(registry.count('DELETE')).toBe(1);

    finishSlowRequest?.();
    expect(await answer).toBe('done');
    expect(await drained).toEqual({ timedOut: false, inFlight: 0 });
    expect(registry.count('DELETE')).toBe(2);
    expect(registry.instances.size).toBe(0);
    expect(handle.state).toBe('closed');
  });

  it('holds at weight 0 for the drainHoldMs option when drain() is given no hold', async () => {
    const handle = await register(optionsFor(registry, { drainHoldMs: 600_000 }));
    const drained = handle.drain();
    await waitFor(
      () => registry.requests.some((r) => r.method === 'DELETE' && r.path.includes('drain=true')),
      { what: 'DELETE ?drain=true' },
    );
    // Nothing is in flight, yet the instance stays registered (draining) through the hold.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(registry.count('DELETE')).toBe(1);
    expect(handle.state).toBe('draining');
    await handle.close();
    expect(await drained).toEqual({ timedOut: false, inFlight: 0 });
    expect(registry.instances.size).toBe(0);
  });

  it('gives up waiting after timeoutMs and still deregisters', async () => {
    const handle = await register(optionsFor(registry));
    handle.begin();
    const result = await handle.drain({ timeoutMs: 20 });
    expect(result).toEqual({ timedOut: true, inFlight: 1 });
    expect(registry.instances.size).toBe(0);
  });
});
