import type { ServiceView } from '@kong-registry/sdk';
import { RegistryError } from './errors';
import { RegistryMetrics } from './metrics';

const orders = {
  name: 'orders',
  definition: { prefix: '/orders' },
  instances: [
    {
      service: 'orders',
      instanceId: 'o-1',
      registeredAt: new Date().toISOString(),
      draining: false,
      gatewayHealth: null,
      selfHealth: null,
    },
  ],
} as unknown as ServiceView;

/** A registry whose fleet read answers what `next` says, counting the reads. */
function withFleet(next: () => Promise<readonly ServiceView[]>) {
  const metrics = new RegistryMetrics({ defaultMetrics: false });
  let reads = 0;
  metrics.observeFleet(() => {
    reads += 1;
    return next();
  });
  return { metrics, reads: () => reads, scrape: () => metrics.registry.metrics() };
}

it('reads the fleet once per scrape, for every fleet series and registry_redis_up', async () => {
  const fleet = withFleet(async () => [orders]);
  const text = await fleet.scrape();
  expect(fleet.reads()).toBe(1);
  expect(text).toContain('registry_redis_up 1');
  expect(text).toContain('kr_service_healthy_instances{service="orders",routed="true"} 1');
  expect(text).toContain('kr_service_draining_instances{service="orders",routed="true"} 0');
  expect(text).toContain(
    'kr_instance_draining{service="orders",instance_id="o-1",routed="true"} 0',
  );
  expect(text).toMatch(
    /kr_instance_lease_age_seconds\{service="orders",instance_id="o-1",routed="true"\} \d/,
  );
  // No report from the controller yet: no gateway series.
  expect(text).not.toContain('kr_instance_gateway_up{');
  await fleet.scrape();
  expect(fleet.reads()).toBe(2);
});

it('says Redis is down when the fleet read finds it unavailable, and empties the fleet series', async () => {
  let fail: Error | undefined;
  const fleet = withFleet(async () => {
    if (fail) throw fail;
    return [orders];
  });
  expect(await fleet.scrape()).toContain('registry_redis_up 1');
  fail = new RegistryError('REG_ERR_REDIS_UNAVAILABLE');
  const down = await fleet.scrape();
  expect(down).toContain('registry_redis_up 0');
  expect(down).not.toContain('kr_service_instances{');
  expect(down).not.toContain('kr_instance_up{');
  // A failure that is not Redis's says nothing of Redis: the last answer stands.
  fail = new Error('a bug');
  expect(await fleet.scrape()).toContain('registry_redis_up 0');
  fail = undefined;
  expect(await fleet.scrape()).toContain('registry_redis_up 1');
});
