import { DEFAULT_RETRY_POLICY } from './backoff';
import { SdkError } from './errors';
import { register, type RegisterOptions, type RegistrationHandle } from './index';
import { silentLogger } from './options';
import { RegistryClient, shouldFailOver } from './registry-client';
import { FakeRegistry } from './__tests__/fake-registry';
import { waitFor } from '../../test/helpers/wait';

const fastRetry = { initialDelayMs: 5, maxDelayMs: 20, jitter: 0, retries: 2 };

describe('shouldFailOver', () => {
  it('moves on for network errors, timeouts and 5xx, not for 4xx, 408 or 429', () => {
    const unavailable = (statusCode?: number): SdkError =>
      new SdkError('SDK_ERR_REGISTRY_UNAVAILABLE', undefined, { statusCode });
    expect(shouldFailOver(unavailable())).toBe(true);
    expect(shouldFailOver(unavailable(500))).toBe(true);
    expect(shouldFailOver(unavailable(503))).toBe(true);
    expect(shouldFailOver(new SdkError('SDK_ERR_TIMEOUT'))).toBe(true);
    expect(shouldFailOver(unavailable(429))).toBe(false);
    expect(shouldFailOver(unavailable(408))).toBe(false);
    for (const code of [
      'SDK_ERR_UNAUTHORIZED',
      'SDK_ERR_FORBIDDEN',
      'SDK_ERR_REJECTED',
      'SDK_ERR_BAD_RESPONSE',
      'SDK_ERR_ABORTED',
    ] as const) {
      expect(shouldFailOver(new SdkError(code, undefined, { statusCode: 400 }))).toBe(false);
    }
  });
});

describe('several registry URLs', () => {
  let first: FakeRegistry;
  let second: FakeRegistry;
  const handles: RegistrationHandle[] = [];

  beforeEach(async () => {
    first = await new FakeRegistry().start();
    second = await new FakeRegistry().start();
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await Promise.all([first.stop(), second.stop()]);
  });

  function clientFor(urls: string[], requestTimeoutMs = 5000): RegistryClient {
    return new RegistryClient({
      baseUrl: urls[0] ?? '',
      baseUrls: urls,
      token: () => 'tok',
      service: 'orders',
      instanceId: 'i-1',
      requestTimeoutMs,
      retry: { ...DEFAULT_RETRY_POLICY, ...fastRetry },
      logger: silentLogger,
    });
  }

  function optionsFor(extra: Partial<RegisterOptions> = {}): RegisterOptions {
    return {
      registryUrl: [first.url, second.url],
      token: 'service-token',
      service: 'orders',
      host: '127.0.0.1',
      port: 3000,
      retry: fastRetry,
      requestTimeoutMs: 1000,
      ...extra,
    };
  }

  it('registers through the second registry when the first is closed', async () => {
    await first.stop();
    const handle = await register(optionsFor());
    handles.push(handle);
    expect(handle.state).toBe('registered');
    expect(second.instances.has('orders/127.0.0.1-3000')).toBe(true);
    await waitFor(() => second.count('PUT', '/heartbeat') >= 2, {
      what: 'heartbeats to stay on the second registry',
    });
  });

  it('keeps the instance registered through the second registry once the first dies', async () => {
    const handle = await register(optionsFor());
    handles.push(handle);
    expect(first.instances.size).toBe(1);
    await first.stop();
    // The fake second registry shares no store with the first, so it answers the heartbeat 404
    // and the SDK registers again there (the real registries share Redis: see the integration test).
    await waitFor(() => second.instances.has('orders/127.0.0.1-3000'), {
      what: 'the instance to be registered on the second registry',
    });
    await waitFor(() => second.count('PUT', '/heartbeat') >= 2, {
      what: 'heartbeats to go to the second registry',
    });
    expect(handle.state).toBe('registered');
  });

  it('moves on after a 5xx, stays while the replica answers, and wraps round to the first', async () => {
    const unavailable = { status: 503, body: { code: 'REG_ERR_UNAVAILABLE', message: 'no redis' } };
    first.script(() => unavailable);
    const client = clientFor([first.url, second.url]);
    await expect(client.register({ port: 1 }, { retries: 1 })).resolves.toMatchObject({
      instance: { port: 1 },
    });
    expect([first.count('PUT'), second.count('PUT')]).toEqual([1, 1]);
    await client.heartbeat({ retries: 0 });
    expect(second.count('PUT', '/heartbeat')).toBe(1);
    first.script(undefined);
    second.script(() => unavailable);
    await client.register({ port: 1 }, { retries: 1 });
    expect([first.count('PUT'), second.count('PUT')]).toEqual([2, 3]);
    expect(first.instances.size).toBe(1);
  });

  it('moves on after a timeout', async () => {
    first.script(() => ({ status: 0, hang: true }));
    const client = clientFor([first.url, second.url], 100);
    await expect(client.register({ port: 2 }, { retries: 1 })).resolves.toMatchObject({
      instance: { port: 2 },
    });
    expect(second.instances.size).toBe(1);
  });

  it('moves on even when a call gives up, so the next call uses the next replica', async () => {
    first.script(() => ({ status: 500, body: { code: 'REG_ERR_INTERNAL', message: 'boom' } }));
    const client = clientFor([first.url, second.url]);
    await expect(client.heartbeat({ retries: 0 })).rejects.toMatchObject({ statusCode: 500 });
    await client.register({ port: 1 }, { retries: 0 });
    expect(second.count('PUT')).toBe(1);
    expect(first.count('PUT')).toBe(1);
  });

  it('stays on the replica when its own abort cut the request short', async () => {
    first.script(() => ({ status: 0, hang: true }));
    const client = clientFor([first.url, second.url]);
    const controller = new AbortController();
    const call = client.register({ port: 1 }, { retries: 5, signal: controller.signal });
    await waitFor(() => first.requests.length === 1, { what: 'the request to arrive' });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'SDK_ERR_ABORTED' });
    first.script(undefined);
    await client.register({ port: 1 }, { retries: 0 });
    expect(first.instances.size).toBe(1);
    expect(second.requests).toHaveLength(0);
  });

  it('does not try another replica after a 4xx: it is the registry verdict', async () => {
    first.script(() => ({
      status: 409,
      body: { code: 'REG_ERR_PREFIX_CONFLICT', message: 'prefix taken' },
    }));
    await expect(register(optionsFor())).rejects.toMatchObject({
      code: 'SDK_ERR_REJECTED',
      registryCode: 'REG_ERR_PREFIX_CONFLICT',
    });
    expect(first.count('PUT')).toBe(1);
    expect(second.requests).toHaveLength(0);
  });

  it('does not try another replica after a 401', async () => {
    first.script(() => ({ status: 401, body: { code: 'REG_ERR_UNAUTHORIZED', message: 'no' } }));
    const client = clientFor([first.url, second.url]);
    await expect(client.register({ port: 1 }, { retries: 3 })).rejects.toMatchObject({
      code: 'SDK_ERR_UNAUTHORIZED',
    });
    await expect(client.deregister(false, { retries: 3 })).rejects.toMatchObject({
      code: 'SDK_ERR_UNAUTHORIZED',
    });
    expect(second.requests).toHaveLength(0);
  });
});
