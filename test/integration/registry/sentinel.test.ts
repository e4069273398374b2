import Redis from 'ioredis';
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { registration, TEST_SECRET } from './harness';

/**
 * Redis Sentinel through ioredis's own support: a private master, one Sentinel watching it, and a
 * registry configured with REDIS_SENTINELS + REDIS_SENTINEL_NAME only (no REDIS_URL).
 */
describe('registry: Redis Sentinel', () => {
  let master: RedisServerHandle;
  let sentinel: RedisServerHandle | undefined;
  let sentinelPort: number;
  let registry: RunningRegistry | undefined;

  beforeAll(async () => {
    master = await startRedisServer();
    sentinel = await startRedisServer({
      sentinel: true,
      args: [
        ...['--sentinel', 'monitor', 'kr-master', '127.0.0.1', String(master.port), '1'],
        ...['--sentinel', 'down-after-milliseconds', 'kr-master', '5000'],
      ],
    });
    sentinelPort = sentinel.port;
    const probe = new Redis({
      port: sentinelPort,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => 100,
    });
    probe.on('error', () => undefined);
    try {
      await waitFor(
        async () => {
          if (probe.status === 'wait') await probe.connect();
          const reply = (await probe.call('SENTINEL', 'get-master-addr-by-name', 'kr-master')) as
            string[] | null;
          return reply?.[1] === String(master.port);
        },
        { what: 'the Sentinel to know the master', timeoutMs: 15_000 },
      );
    } finally {
      probe.disconnect();
    }
  });

  afterAll(async () => {
    await registry?.close();
    await sentinel?.stop();
    await master.stop();
  });

  it('finds the master through the Sentinel and serves registrations', async () => {
    const keyPrefix = uniquePrefix('sentinel');
    registry = await startRegistry({
      port: 0,
      host: '127.0.0.1',
      reaper: false,
      env: {
        REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`,
        REDIS_SENTINEL_NAME: 'kr-master',
        REGISTRY_JWT_SECRET: TEST_SECRET,
        REGISTRY_KEY_PREFIX: keyPrefix,
        LOG_LEVEL: 'silent',
      },
    });
    expect(registry.config.redis).toMatchObject({ mode: 'sentinel', name: 'kr-master' });
    const res = await fetch(`${registry.url}/v1/services/orders/instances/i-1`, {
      method: 'PUT',
      headers: {
        Authorization: `Bearer ${registry.adminToken ?? ''}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(registration()),
    });
    expect(res.status).toBe(201);
    // The write landed on the master the Sentinel named.
    const direct = new Redis(master.url);
    try {
      expect(await direct.hlen(`${keyPrefix}service:orders:instances`)).toBe(1);
    } finally {
      direct.disconnect();
    }
  });
});
