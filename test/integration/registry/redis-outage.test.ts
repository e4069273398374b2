import request from 'supertest';
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { createHarness, registration, TEST_SECRET, type Harness } from './harness';

describe('registry: Redis stopped mid-test', () => {
  let redisServer: RedisServerHandle;
  let h: Harness;
  beforeAll(async () => {
    redisServer = await startRedisServer();
    h = await createHarness({}, { redisUrl: redisServer.url, label: 'outage' });
  });
  afterAll(async () => {
    await h.close();
    await redisServer.stop();
  });

  it('answers 503 REG_ERR_REDIS_UNAVAILABLE quickly while Redis is down, then recovers', async () => {
    const put = () =>
      request(h.app)
        .put('/v1/services/orders/instances/i-1')
        .set('Authorization', `Bearer ${h.admin}`)
        .send(registration());
    expect((await put()).status).toBe(201);
    expect((await request(h.app).get('/readyz')).status).toBe(200);

    await redisServer.kill();
    await waitFor(() => h.redis.status !== 'ready', { what: 'the client to notice' });
    const down = await put();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ code: 'REG_ERR_REDIS_UNAVAILABLE' });
    expect(down.headers['retry-after']).toBe('1');
    const state = await request(h.app).get('/v1/state').set('Authorization', `Bearer ${h.admin}`);
    expect(state.status).toBe(503);
    expect((await request(h.app).get('/readyz')).status).toBe(503);
    expect((await request(h.app).get('/healthz')).status).toBe(200);
    // Client mistakes are still 4xx, not 503.
    const bad = await request(h.app)
      .put('/v1/services/orders/instances/i-1')
      .set('Authorization', `Bearer ${h.admin}`)
      .send({ port: -1 });
    expect(bad.status).toBe(400);

    await redisServer.restart();
    await waitFor(async () => (await request(h.app).get('/readyz')).status === 200, {
      what: 'readiness after Redis returns',
      timeoutMs: 15_000,
    });
    // The restarted Redis is empty (no persistence): registering again works.
    expect((await put()).status).toBe(201);
  });

  it('startRegistry starts while Redis is down and serves once it is back', async () => {
    const server = await startRedisServer();
    await server.kill();
    let registry: RunningRegistry | undefined;
    try {
      registry = await startRegistry({
        port: 0,
        host: '127.0.0.1',
        reaper: false,
        env: {
          REDIS_URL: server.url,
          REGISTRY_JWT_SECRET: TEST_SECRET,
          LOG_LEVEL: 'silent',
          REGISTRY_KEY_PREFIX: uniquePrefix('down'),
        },
      });
      const ready = await fetch(`${registry.url}/readyz`);
      expect(ready.status).toBe(503);
      await server.restart();
      const url = registry.url;
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, {
        what: 'readiness',
        timeoutMs: 15_000,
      });
    } finally {
      await registry?.close();
      await server.stop();
    }
  });
});
