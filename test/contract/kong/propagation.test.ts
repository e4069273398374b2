/**
 * When an Admin API write reaches the proxy (kong-sim/KONG_BEHAVIOUR.md#when-a-write-reaches-the-proxy):
 * under Kong's default `worker_consistency = eventual` the router and the plugins iterator are
 * rebuilt on a timer, the balancer at once; `strict` rebuilds at the next request; DB-less swaps
 * everything at `POST /config`. Each test starts its own kong-sim with the settings it is about
 * (a real Kong would have to be restarted with each), so this file always runs on the double.
 */
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import { waitFor } from '../../helpers/wait';
import {
  adminJson,
  proxyCall,
  startEchoUpstream,
  uniqueName,
  type EchoUpstream,
  type KongTarget,
} from './proxy-helpers';

describe('propagation: when a write reaches the proxy', () => {
  let a: EchoUpstream;
  let b: EchoUpstream;
  const sims: KongSim[] = [];

  beforeAll(async () => {
    a = await startEchoUpstream('a');
    b = await startEchoUpstream('b');
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((sim) => sim.close()));
  });
  afterAll(async () => {
    await a.kill();
    await b.kill();
  });

  async function kong(options: Parameters<typeof startKongSim>[0]): Promise<KongTarget> {
    const sim = await startKongSim(options);
    sims.push(sim);
    return { admin: sim.admin, proxy: sim.proxy, sim, close: () => sim.close() };
  }

  /** A service on an upstream with targets `a` (and `b`), and a route; returns their names. */
  async function publish(target: KongTarget, withB = false) {
    const upstream = uniqueName('up');
    await adminJson(target, 'POST', '/upstreams', { name: upstream });
    await adminJson(target, 'POST', `/upstreams/${upstream}/targets`, { target: a.address });
    if (withB)
      await adminJson(target, 'POST', `/upstreams/${upstream}/targets`, { target: b.address });
    const service = uniqueName('svc');
    await adminJson(target, 'POST', '/services', { name: service, host: upstream });
    const path = `/${uniqueName('p')}`;
    const route = await adminJson<{ id: string }>(target, 'POST', `/services/${service}/routes`, {
      paths: [path],
    });
    return { upstream, service, path, routeId: route.id };
  }

  it('refuses a rebuild period that is not a positive number of seconds', async () => {
    for (const bad of [0, -1, Number.NaN])
      await expect(startKongSim({ workerStateUpdateFrequency: bad })).rejects.toThrow(RangeError);
  });

  it("reports the two settings in GET /'s configuration, with Kong's defaults", async () => {
    const target = await kong({});
    const node = await adminJson<{ configuration: Record<string, unknown> }>(target, 'GET', '/');
    expect(node.configuration).toMatchObject({
      worker_consistency: 'eventual',
      worker_state_update_frequency: 5,
      db_update_frequency: 5,
    });
  });

  it('eventual: the Admin API shows a new route at once, the proxy routes it from the next rebuild on', async () => {
    const frequencyMs = 2000;
    const startedAt = Date.now();
    const target = await kong({ workerStateUpdateFrequency: frequencyMs / 1000 });
    const { path, routeId } = await publish(target);
    // The timer's first tick is one period after start: nothing has been rebuilt yet.
    await adminJson(target, 'GET', `/routes/${routeId}`);
    const before = await proxyCall(target, path);
    expect(before.status).toBe(404);
    expect(before.json().message).toBe('no Route matched with those values');

    await waitFor(async () => (await proxyCall(target, path)).status === 200, {
      timeoutMs: 3 * frequencyMs,
      intervalMs: 20,
      what: 'the route in the proxy',
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(frequencyMs);
  });

  it('eventual: a plugin added to a live route applies from the next rebuild on', async () => {
    const target = await kong({ workerStateUpdateFrequency: 1 });
    const { service, path } = await publish(target);
    await waitFor(async () => (await proxyCall(target, path)).status === 200, {
      timeoutMs: 5000,
      intervalMs: 20,
      what: 'the route in the proxy',
    });
    // Just after a rebuild: the next one is almost a full period away.
    await adminJson(target, 'POST', `/services/${service}/plugins`, { name: 'key-auth' });
    expect((await proxyCall(target, path)).status).toBe(200);
    await waitFor(async () => (await proxyCall(target, path)).status === 401, {
      timeoutMs: 5000,
      intervalMs: 20,
      what: 'key-auth enforced',
    });
  });

  it('eventual: target changes reach the balancer at once (weight 0, a new target)', async () => {
    const target = await kong({ workerStateUpdateFrequency: 1 });
    const { upstream, path } = await publish(target, true);
    await waitFor(async () => (await proxyCall(target, path)).status === 200, {
      timeoutMs: 5000,
      intervalMs: 20,
      what: 'the route in the proxy',
    });
    await adminJson(target, 'PUT', `/upstreams/${upstream}/targets/${a.address}`, { weight: 0 });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await proxyCall(target, path)).json().upstream);
    expect(answers).toEqual(Array(6).fill('b'));
  });

  it('eventual: a deleted route stays in the router until the next rebuild; its upstream is gone at once', async () => {
    const target = await kong({ workerStateUpdateFrequency: 1 });
    const { upstream, service, path, routeId } = await publish(target);
    await waitFor(async () => (await proxyCall(target, path)).status === 200, {
      timeoutMs: 5000,
      intervalMs: 20,
      what: 'the route in the proxy',
    });
    await adminJson(target, 'DELETE', `/routes/${routeId}`);
    await adminJson(target, 'DELETE', `/services/${service}`);
    await adminJson(target, 'DELETE', `/upstreams/${upstream}`);
    // The old router still holds the route and its service, whose host is now a plain name.
    const stale = await proxyCall(target, path);
    expect(stale.status).toBe(503);
    expect(stale.json().message).toBe('name resolution failed');
    await waitFor(async () => (await proxyCall(target, path)).status === 404, {
      timeoutMs: 5000,
      intervalMs: 20,
      what: 'the route gone from the proxy',
    });
  });

  it('strict: the first request after a write is routed with it', async () => {
    const target = await kong({ workerConsistency: 'strict', workerStateUpdateFrequency: 60 });
    const { service, path } = await publish(target);
    expect((await proxyCall(target, path)).status).toBe(200);
    await adminJson(target, 'POST', `/services/${service}/plugins`, { name: 'key-auth' });
    expect((await proxyCall(target, path)).status).toBe(401);
  });

  it('DB-less: POST /config reaches the proxy at once, whatever the settings', async () => {
    const target = await kong({ mode: 'dbless', workerStateUpdateFrequency: 60 });
    const path = `/${uniqueName('p')}`;
    await adminJson(target, 'POST', '/config', {
      _format_version: '3.0',
      services: [{ name: 'svc', url: `http://${a.address}`, routes: [{ paths: [path] }] }],
    });
    expect((await proxyCall(target, path)).status).toBe(200);
  });
});
