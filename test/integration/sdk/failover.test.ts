import type { RunningRegistry } from '@kong-registry/registry';
import { register, type RegistrationHandle } from '@kong-registry/sdk';
import { sharedRedisUrl, uniquePrefix } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { instancesOf, spyOnRegistryCalls, startTestRegistry } from './harness';

describe('SDK with two registry replicas sharing Redis', () => {
  let first: RunningRegistry | undefined;
  let second: RunningRegistry | undefined;
  let handle: RegistrationHandle | undefined;
  let calls: ReturnType<typeof spyOnRegistryCalls> | undefined;

  afterEach(async () => {
    calls?.restore();
    await handle?.close();
    await Promise.all([first?.close(), second?.close()]);
    first = second = handle = calls = undefined;
  });

  it('stays registered through the second replica when the first is closed mid-heartbeats', async () => {
    const keyPrefix = uniquePrefix('sdk-failover');
    first = await startTestRegistry(sharedRedisUrl(), { keyPrefix });
    second = await startTestRegistry(sharedRedisUrl(), { keyPrefix });
    const secondUrl = second.url;
    calls = spyOnRegistryCalls();
    const lost: unknown[] = [];
    handle = await register({
      registryUrl: [first.url, secondUrl],
      token: first.mintToken({ role: 'service', service: 'orders' }),
      service: 'orders',
      host: '127.0.0.1',
      port: 3301,
      ttlSeconds: 3,
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      requestTimeoutMs: 1000,
    });
    handle.on('lost', (event) => lost.push(event));
    const [registered] = await instancesOf(second, 'orders');
    expect(registered).toMatchObject({ instanceId: '127.0.0.1-3301', port: 3301 });
    expect(calls.count('PUT', secondUrl)).toBe(0);

    let beats = 0;
    handle.on('heartbeat', () => beats++);
    await waitFor(() => beats >= 1, {
      what: 'a heartbeat through the first replica',
      timeoutMs: 5000,
    });
    await first.close();
    first = undefined;

    await waitFor(
      () =>
        calls?.count(
          'PUT',
          `${secondUrl}/v1/services/orders/instances/127.0.0.1-3301/heartbeat`,
        ) === 3,
      {
        what: 'three heartbeats through the second replica',
        timeoutMs: 10_000,
      },
    );
    const [after] = await instancesOf(second, 'orders');
    expect(after?.registeredAt).toBe(registered?.registeredAt);
    expect(after && after.lastHeartbeatAt > (registered?.lastHeartbeatAt ?? '')).toBe(true);
    expect(handle.state).toBe('registered');
    // The lease never lapsed: the SDK moved over within one heartbeat interval.
    expect(lost).toEqual([]);

    await handle.close();
    expect(await instancesOf(second, 'orders')).toEqual([]);
  });
});
