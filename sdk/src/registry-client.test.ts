import { DEFAULT_RETRY_POLICY } from './backoff';
import { silentLogger } from './options';
import { RegistryClient } from './registry-client';
import { FakeRegistry } from './__tests__/fake-registry';
import { waitFor } from '../../test/helpers/wait';

describe('RegistryClient', () => {
  let registry: FakeRegistry;
  let client: RegistryClient;

  beforeEach(async () => {
    registry = await new FakeRegistry().start();
    client = new RegistryClient({
      baseUrl: registry.url,
      token: () => 'tok',
      service: 'a b',
      instanceId: 'i/1',
      requestTimeoutMs: 5000,
      retry: { ...DEFAULT_RETRY_POLICY, initialDelayMs: 5, maxDelayMs: 10 },
      logger: silentLogger,
    });
  });
  afterEach(() => registry.stop());

  it('escapes service and instance id in the path', async () => {
    await client.register({ port: 1 }, { retries: 0 });
    expect(registry.requests[0]?.path).toBe('/v1/services/a%20b/instances/i%2F1');
  });

  it('lets a request already sent finish when abortInFlight is false (the lease loop)', async () => {
    let release!: () => void;
    registry.script(() => ({
      status: 0,
      release: new Promise<void>((resolve) => (release = resolve)),
    }));
    const controller = new AbortController();
    const call = client.register(
      { port: 1 },
      { retries: 5, signal: controller.signal, abortInFlight: false },
    );
    await waitFor(() => registry.requests.length === 1, { what: 'the request to arrive' });
    controller.abort();
    release();
    await expect(call).resolves.toMatchObject({ instance: { port: 1 } });
  });

  it('aborts the request in flight by default', async () => {
    registry.script(() => ({ status: 0, hang: true }));
    const controller = new AbortController();
    const call = client.register({ port: 1 }, { retries: 5, signal: controller.signal });
    await waitFor(() => registry.requests.length === 1, { what: 'the request to arrive' });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'SDK_ERR_ABORTED' });
  });

  it('treats 404 on deregister as done and keeps other failures', async () => {
    await expect(client.deregister(false, { retries: 0 })).resolves.toBeUndefined();
    registry.script(() => ({
      status: 400,
      body: { code: 'REG_ERR_VALIDATION', message: 'bad query' },
    }));
    await expect(client.deregister(true, { retries: 3 })).rejects.toMatchObject({
      code: 'SDK_ERR_REJECTED',
      registryCode: 'REG_ERR_VALIDATION',
    });
    expect(registry.requests.at(-1)?.path).toContain('?drain=true');
    expect(registry.count('DELETE')).toBe(2);
  });

  it('markDraining tells a confirmed mark from an instance already gone (404)', async () => {
    await client.register({ port: 1 }, { retries: 0 });
    await expect(client.markDraining({ retries: 0 })).resolves.toBe('marked');
    expect(registry.instances.get('a%20b/i%2F1')).toMatchObject({ draining: true, weight: 0 });
    registry.instances.clear();
    await expect(client.markDraining({ retries: 0 })).resolves.toBe('gone');
    expect(registry.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/v1/services/a%20b/instances/i%2F1?drain=true',
    });
  });

  it('stops after `retries` retries of a 5xx and reports SDK_ERR_REGISTRY_UNAVAILABLE', async () => {
    registry.script(() => ({ status: 502, body: 'not json' }));
    await expect(client.heartbeat({ retries: 2 })).rejects.toMatchObject({
      code: 'SDK_ERR_REGISTRY_UNAVAILABLE',
      statusCode: 502,
    });
    expect(registry.requests).toHaveLength(3);
  });

  it('rejects a 2xx without an instance as SDK_ERR_BAD_RESPONSE', async () => {
    registry.script(() => ({ status: 200, body: { ok: true } }));
    await expect(client.heartbeat({ retries: 3 })).rejects.toMatchObject({
      code: 'SDK_ERR_BAD_RESPONSE',
    });
    expect(registry.requests).toHaveLength(1);
  });
});
