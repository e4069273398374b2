/**
 * A route-less worker through the SDK against the real registry: `route: false`, labels, and its
 * own health (`selfHealth` checks) sent with every heartbeat.
 */
import type { RunningRegistry } from '@kong-registry/registry';
import { register, type RegistrationHandle, type SdkError } from '@kong-registry/sdk';
import { sharedRedisUrl } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { instancesOf, startTestRegistry } from './harness';

let registry: RunningRegistry;
const handles: RegistrationHandle[] = [];

beforeAll(async () => {
  registry = await startTestRegistry(sharedRedisUrl());
});

afterAll(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
  await registry.close();
});

it('registers with no route and labels, and reports its checks with each heartbeat', async () => {
  let brokerUp = true;
  const handle = await register({
    registryUrl: registry.url,
    token: registry.mintToken({ role: 'service', service: 'queue-worker' }),
    service: 'queue-worker',
    host: '127.0.0.1',
    port: 3201,
    ttlSeconds: 3,
    route: false,
    labels: { gpu: 'true', version: '1.4.2' },
    selfHealth: {
      checks: {
        broker: () => brokerUp,
        disk: () => undefined,
      },
    },
  });
  handles.push(handle);
  expect(handle.lease?.definition).toMatchObject({ route: false, prefix: null });
  const [stored] = await instancesOf(registry, 'queue-worker');
  expect(stored?.labels).toEqual({ gpu: 'true', version: '1.4.2' });

  await waitFor(
    async () => (await instancesOf(registry, 'queue-worker'))[0]?.selfHealth?.status === 'healthy',
    { what: 'a healthy report' },
  );
  brokerUp = false;
  await waitFor(
    async () =>
      (await instancesOf(registry, 'queue-worker'))[0]?.selfHealth?.status === 'unhealthy',
    { what: 'an unhealthy report' },
  );
  expect((await instancesOf(registry, 'queue-worker'))[0]?.selfHealth?.detail).toBe(
    'broker: check returned false',
  );
});

it('refuses routing options and bad labels with route: false before sending anything', async () => {
  const attempt = register({
    registryUrl: registry.url,
    token: 'unused',
    service: 'queue-worker',
    port: 3202,
    route: false,
    prefix: '/queue',
    labels: { 'bad key': 'x' },
  });
  await expect(attempt).rejects.toMatchObject({
    code: 'SDK_ERR_INVALID_OPTIONS',
    message: expect.stringMatching(/leave out prefix.*labels\.bad key: label keys are/s),
  } satisfies Partial<SdkError>);
});
