/**
 * Route-less services (`route: false`) end to end with the started controller, the real registry
 * and kong-sim: a worker shows up in /v1/services with its labels, goes unhealthy by its own
 * report, expires, and in all that Kong gets no write for it. A service switching between routed
 * and route-less has its Kong entities deleted and created again.
 */
import { ids } from '@kong-registry/kong-plugin';
import type { ServiceList } from '@kong-registry/sdk';
import { waitFor } from '../../helpers/wait';
import { kongGet, kongQuiet, kongTargets, type Stack, startStack } from './harness';

let stack: Stack;

beforeAll(async () => {
  // A 2 s lease lets the worker expire within the test (the default floor is 5 s).
  stack = await startStack({ registryEnv: { REGISTRY_LEASE_MIN_TTL_SECONDS: '1' } });
  await stack.register('orders', 'o-1', { host: '127.0.0.1', port: 9801 });
  await stack.controllers[0]!.start();
  await waitFor(async () => (await kongTargets(stack.kong, 'orders')).length === 1, {
    what: 'first sync',
  });
});

afterAll(async () => {
  await stack.close();
});

const quiet = () => kongQuiet(stack.kong);

const exists = async (path: string): Promise<boolean> =>
  (await kongGet(stack.kong, path).catch(() => null)) !== null;

const services = async (query = ''): Promise<ServiceList> => {
  const res = await stack.api('GET', `/v1/services${query}`);
  expect(res.status).toBe(200);
  return res.body as ServiceList;
};

it('a worker registers, reports itself unhealthy and expires without one write to Kong', async () => {
  await quiet();
  stack.kong.resetRequests();

  await stack.register('gpu-worker', 'box-2-1', {
    host: '127.0.0.1',
    port: 9802,
    route: false,
    ttlSeconds: 2,
    labels: { gpu: 'true', host: 'box-2' },
  });
  const listed = await services('?label=gpu%3Dtrue');
  expect(listed.services.map((s) => s.name)).toEqual(['gpu-worker']);
  expect(listed.services[0]!.definition).toMatchObject({ route: false, prefix: null });
  expect(listed.services[0]!.instances[0]!.labels).toEqual({ gpu: 'true', host: 'box-2' });

  const beat = await stack.api('PUT', '/v1/services/gpu-worker/instances/box-2-1/heartbeat', {
    health: { status: 'unhealthy', detail: 'CUDA device lost' },
  });
  expect(beat.status).toBe(200);
  const [worker] = (await services()).services.filter((s) => s.name === 'gpu-worker');
  expect(worker!.instances[0]!.selfHealth).toMatchObject({
    status: 'unhealthy',
    detail: 'CUDA device lost',
  });
  const metrics = await (await fetch(`${stack.registry.url}/metrics`)).text();
  expect(metrics).toContain('kr_service_healthy_instances{service="gpu-worker",routed="false"} 0');
  expect(metrics).toContain(
    'kr_instance_up{service="gpu-worker",instance_id="box-2-1",routed="false"} 0',
  );

  // No more heartbeats: the lease runs out and the reaper removes it.
  await waitFor(async () => !(await services()).services.some((s) => s.name === 'gpu-worker'), {
    what: 'the worker to expire',
  });
  const state = await stack.api('GET', '/v1/state');
  expect(state.body.tombstones).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ service: 'gpu-worker', instanceId: 'box-2-1', reason: 'expired' }),
    ]),
  );
  await quiet();

  const requests = stack.kong.requests();
  // The controller did follow the worker's events (it read the service's entities)...
  expect(requests.some((r) => r.method === 'GET' && r.query.includes('gpu-worker'))).toBe(true);
  // ...and wrote nothing at all, so nothing for the worker.
  expect(requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual(
    [],
  );
  expect(await exists(`/services/${ids.service('gpu-worker')}`)).toBe(false);
  expect(await exists(`/upstreams/${ids.upstream('gpu-worker')}`)).toBe(false);
  expect(await kongTargets(stack.kong, 'orders')).toEqual(['127.0.0.1:9801']);
});

it('switching a service to route-less deletes its Kong entities, and back creates them', async () => {
  await stack.register('jobs', 'j-1', { host: '127.0.0.1', port: 9803, auth: 'key-auth' });
  const routed = async () =>
    (await exists(`/services/${ids.service('jobs')}`)) &&
    (await exists(`/routes/${ids.route('jobs')}`)) &&
    (await kongTargets(stack.kong, 'jobs')).length === 1;
  await waitFor(routed, { what: 'jobs in Kong' });

  await stack.register('jobs', 'j-1', { host: '127.0.0.1', port: 9803, route: false });
  await waitFor(
    async () =>
      !(await exists(`/services/${ids.service('jobs')}`)) &&
      !(await exists(`/routes/${ids.route('jobs')}`)) &&
      !(await exists(`/upstreams/${ids.upstream('jobs')}`)),
    { what: 'jobs gone from Kong' },
  );
  const plugins = await kongGet<{ data: { tags: string[] }[] }>(stack.kong, '/plugins');
  expect(plugins.data.filter((p) => p.tags.includes('kr-service:jobs'))).toEqual([]);
  // Still registered, and its prefix free for another service.
  expect((await services()).services.map((s) => s.name)).toContain('jobs');
  await stack.register('archive', 'a-1', { host: '127.0.0.1', port: 9804, prefix: '/jobs' });
  await waitFor(async () => exists(`/routes/${ids.route('archive')}`), { what: 'archive route' });
  await stack.deregister('archive', 'a-1');

  await stack.register('jobs', 'j-1', { host: '127.0.0.1', port: 9803 });
  await waitFor(routed, { what: 'jobs back in Kong' });
  expect(await kongTargets(stack.kong, 'orders')).toEqual(['127.0.0.1:9801']);
});
