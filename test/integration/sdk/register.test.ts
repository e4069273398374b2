import type { RunningRegistry } from '@kong-registry/registry';
import { register, type RegistrationHandle, type SdkError } from '@kong-registry/sdk';
import { freePort } from '../../helpers/ports';
import { sharedRedisUrl, startRedisServer, type RedisServerHandle } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { instancesOf, spyOnRegistryCalls, startTestRegistry } from './harness';

const fastRetry = { initialDelayMs: 50, maxDelayMs: 200, retries: 2 };

describe('SDK against the real registry and Redis', () => {
  let registry: RunningRegistry | undefined;
  const handles: RegistrationHandle[] = [];
  const keep = (h: RegistrationHandle): RegistrationHandle => (handles.push(h), h);

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await registry?.close();
    registry = undefined;
  });

  function tokenFor(service: string): string {
    if (!registry) throw new Error('no registry');
    return registry.mintToken({ role: 'service', service });
  }

  it('registers, heartbeats at the interval the registry gave, and close() deregisters', async () => {
    registry = await startTestRegistry(sharedRedisUrl());
    const handle = keep(
      await register({
        registryUrl: registry.url,
        token: tokenFor('orders'),
        service: 'orders',
        host: '127.0.0.1',
        port: 3101,
        ttlSeconds: 3,
        version: '1.0.0',
        metadata: { zone: 'a' },
      }),
    );
    expect(handle.lease?.heartbeatIntervalSeconds).toBe(1);
    const [stored] = await instancesOf(registry, 'orders');
    expect(stored).toMatchObject({
      instanceId: '127.0.0.1-3101',
      host: '127.0.0.1',
      port: 3101,
      version: '1.0.0',
    });

    const beats: string[] = [];
    handle.on('heartbeat', (reply) => beats.push(reply.instance.lastHeartbeatAt));
    await waitFor(() => beats.length >= 2, { what: 'two heartbeats', timeoutMs: 5000 });
    const [after] = await instancesOf(registry, 'orders');
    expect(after && after.lastHeartbeatAt > (stored?.lastHeartbeatAt ?? '')).toBe(true);

    await handle.close();
    expect(await instancesOf(registry, 'orders')).toEqual([]);
  });

  it("sends upstream settings, which the registry stores with Kong's defaults filled in", async () => {
    registry = await startTestRegistry(sharedRedisUrl());
    const handle = keep(
      await register({
        registryUrl: registry.url,
        token: tokenFor('reports'),
        service: 'reports',
        host: '127.0.0.1',
        port: 3102,
        upstream: { connectTimeoutMs: 2000, readTimeoutMs: 300_000 },
      }),
    );
    expect(handle.lease?.definition.upstream).toEqual({
      connectTimeoutMs: 2000,
      readTimeoutMs: 300_000,
      writeTimeoutMs: 60_000,
      retries: 5,
    });
  });

  it('keeps the service running while the registry is down at startup, and registers once it is up', async () => {
    const port = await freePort();
    const redisUrl = sharedRedisUrl();
    const handle = keep(
      await register({
        registryUrl: `http://127.0.0.1:${port}`,
        // Tokens are checked by signature only, so one minted by a registry with the same secret works.
        token: () => tokenFor('late'),
        service: 'late',
        host: '127.0.0.1',
        port: 3102,
        waitForRegistration: false,
        retry: fastRetry,
      }),
    );
    expect(handle.state).toBe('registering');
    registry = await startTestRegistry(redisUrl, { port });
    const reply = await handle.whenRegistered();
    expect(reply.instance.instanceId).toBe('127.0.0.1-3102');
    expect(await instancesOf(registry, 'late')).toHaveLength(1);
  });

  it('gives a clear error and sends no more requests when the token is for another service', async () => {
    registry = await startTestRegistry(sharedRedisUrl());
    const calls = spyOnRegistryCalls();
    try {
      const failure = (await register({
        registryUrl: registry.url,
        token: tokenFor('billing'),
        service: 'orders',
        host: '127.0.0.1',
        port: 3103,
        retry: fastRetry,
      }).catch((e: unknown) => e)) as SdkError;
      expect(failure.code).toBe('SDK_ERR_FORBIDDEN');
      expect(failure.statusCode).toBe(403);

      const background = keep(
        await register({
          registryUrl: registry.url,
          token: tokenFor('billing'),
          service: 'orders',
          host: '127.0.0.1',
          port: 3104,
          waitForRegistration: false,
          retry: fastRetry,
        }),
      );
      const error = await new Promise<SdkError>((resolve) => background.once('error', resolve));
      expect(error.code).toBe('SDK_ERR_FORBIDDEN');
      expect(background.state).toBe('failed');

      // Let time pass measurably (a healthy instance heartbeats twice), then count again.
      const healthy = keep(
        await register({
          registryUrl: registry.url,
          token: tokenFor('billing'),
          service: 'billing',
          host: '127.0.0.1',
          port: 3105,
          ttlSeconds: 1,
        }),
      );
      let beats = 0;
      healthy.on('heartbeat', () => beats++);
      await waitFor(() => beats >= 2, { what: 'time to pass' });
      expect(calls.count('PUT', '/services/orders/')).toBe(2);
      expect(await instancesOf(registry, 'orders')).toEqual([]);
    } finally {
      calls.restore();
    }
  });

  it('close() twice returns the same promise and deregisters once', async () => {
    registry = await startTestRegistry(sharedRedisUrl());
    const calls = spyOnRegistryCalls();
    try {
      const handle = await register({
        registryUrl: registry.url,
        token: tokenFor('twice'),
        service: 'twice',
        host: '127.0.0.1',
        port: 3106,
      });
      const first = handle.close();
      const second = handle.close();
      expect(second).toBe(first);
      await Promise.all([first, second]);
      await handle.close();
      expect(calls.count('DELETE', '/services/twice/')).toBe(1);
      expect(handle.state).toBe('closed');
      expect(await instancesOf(registry, 'twice')).toEqual([]);
    } finally {
      calls.restore();
    }
  });

  describe('with a private Redis', () => {
    let redis: RedisServerHandle | undefined;
    afterEach(async () => {
      await Promise.all(handles.splice(0).map((h) => h.close()));
      await registry?.close();
      registry = undefined;
      await redis?.stop();
      redis = undefined;
    });

    it('re-registers right after the first heartbeat that finds the lease gone (Redis flushed)', async () => {
      redis = await startRedisServer();
      registry = await startTestRegistry(redis.url);
      const handle = keep(
        await register({
          registryUrl: registry.url,
          token: tokenFor('flushy'),
          service: 'flushy',
          host: '127.0.0.1',
          port: 3107,
          ttlSeconds: 3,
        }),
      );
      const events: string[] = [];
      handle.on('heartbeat', () => events.push('heartbeat'));
      handle.on('lost', (e) => events.push(`lost:${e.reason}`));
      handle.on('reregistered', () => events.push('reregistered'));
      await registry.redis.flushall();
      expect(await instancesOf(registry, 'flushy')).toEqual([]);

      await waitFor(() => events.includes('reregistered'), {
        what: 're-registration',
        timeoutMs: 5000,
      });
      // The very next heartbeat after the flush got 404 and re-registered: no interval was skipped.
      expect(events.slice(0, 2)).toEqual(['lost:lease-not-found', 'reregistered']);
      expect(await instancesOf(registry, 'flushy')).toHaveLength(1);
    });
  });
});
