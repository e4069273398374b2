/**
 * REGISTRY_REDIS_MIN_REPLICAS_ACK: a registration is acknowledged only once a replica has it
 * (WAIT after the register.lua batch, on a connection of its own). Runs against a private master
 * and replica (real redis-servers); the replica is detached and attached again by REPLICAOF.
 */
import Redis from 'ioredis';
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { registration, TEST_SECRET } from './harness';

let master: RedisServerHandle;
let replica: RedisServerHandle;
let onReplica: Redis;
let registry: RunningRegistry;
const prefix = uniquePrefix('replica-ack');

/**
 * Waits until the master has `n` replicas that confirm writes: past their first sync and
 * answering WAIT (a replica just synced may take a moment before it answers one).
 */
async function replicasOnline(n: number): Promise<void> {
  const direct = new Redis(master.url);
  try {
    await waitFor(
      async () => {
        const online = (await direct.info('replication')).match(/state=online/g)?.length ?? 0;
        if (online !== n) return false;
        if (n === 0) return true;
        await direct.set(`${prefix}probe`, String(Date.now()));
        return Number(await direct.wait(n, 100)) >= n;
      },
      { what: `${n} replica(s) confirming writes`, timeoutMs: 15_000 },
    );
  } finally {
    direct.disconnect();
  }
}

const put = (id: string, path = '') =>
  fetch(`${registry.url}/v1/services/orders/instances/${id}${path}`, {
    method: 'PUT',
    headers: {
      Authorization: `Bearer ${registry.adminToken ?? ''}`,
      'Content-Type': 'application/json',
    },
    body: path === '' ? JSON.stringify(registration({ port: 9100 })) : '{}',
  });

beforeAll(async () => {
  // No 5 s wait for more replicas before the first (diskless) sync.
  master = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
  replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  await replicasOnline(1);
  onReplica = new Redis(replica.url);
  registry = await startRegistry({
    port: 0,
    host: '127.0.0.1',
    reaper: false,
    env: {
      REDIS_URL: master.url,
      REGISTRY_JWT_SECRET: TEST_SECRET,
      REGISTRY_KEY_PREFIX: prefix,
      REGISTRY_REDIS_MIN_REPLICAS_ACK: '1',
      REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS: '200',
      LOG_LEVEL: 'silent',
    },
  });
});

afterAll(async () => {
  await registry?.close();
  onReplica?.disconnect();
  await replica?.stop();
  await master?.stop();
});

it('acknowledges a registration only once the replica has it', async () => {
  expect(registry.config.replicaAck).toEqual({ replicas: 1, timeoutMs: 200 });
  for (const id of ['i-1', 'i-2', 'i-3']) {
    const res = await put(id);
    expect(res.status).toBe(201);
    // Read on the replica right after the reply: WAIT returned, so it is there already.
    expect(await onReplica.hexists(`${prefix}service:orders:instances`, id)).toBe(1);
  }
});

it('answers 503 REG_ERR_NOT_REPLICATED when no replica confirms in time; heartbeats go on', async () => {
  await onReplica.call('REPLICAOF', 'NO', 'ONE');
  await replicasOnline(0);
  const res = await put('i-4');
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  const body = (await res.json()) as { code: string; message: string };
  expect(body.code).toBe('REG_ERR_NOT_REPLICATED');
  expect(body.message).toMatch(/0 of 1 replica\(s\) confirmed it within 200 ms/);
  // Not acknowledged, but on the master (a write cannot be taken back): the client retries.
  const direct = new Redis(master.url);
  try {
    expect(await direct.hexists(`${prefix}service:orders:instances`, 'i-4')).toBe(1);
  } finally {
    direct.disconnect();
  }
  // Heartbeats are not waited for: they renew as before.
  expect((await put('i-1', '/heartbeat')).status).toBe(200);

  await onReplica.call('REPLICAOF', '127.0.0.1', String(master.port));
  await replicasOnline(1);
  const retried = await put('i-4');
  expect(retried.status).toBe(200);
  expect(await onReplica.hexists(`${prefix}service:orders:instances`, 'i-4')).toBe(1);
});
