/**
 * Per-service reconciles: an event that names one service makes the started controller read and
 * write that service's entities only (kong-plugin/src/plan/scope.ts), in DB mode; DB-less nodes
 * and consumer changes still reconcile everything.
 */
import { ids } from '@kong-registry/kong-plugin';
import { waitFor } from '../../helpers/wait';
import { kongGet, kongQuiet, kongTargets, type Stack, startStack } from './harness';

const SERVICE_TAG = 'kr-service%3A';

describe('per-service reconciles (DB mode)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { METRICS_PORT: '0' } });
    await stack.register('orders', 'o-1', { host: '127.0.0.1', port: 9701 });
    await stack.register('users', 'u-1', { host: '127.0.0.1', port: 9702 });
    await stack.register('stock', 's-1', { host: '127.0.0.1', port: 9703 });
    await stack.controllers[0]!.start();
    await waitFor(async () => (await targets('stock')).length === 1, { what: 'first sync' });
    await quiet();
  });

  const quiet = () => kongQuiet(stack.kong);
  afterAll(async () => {
    await stack.close();
  });

  const targets = (svc: string) => kongTargets(stack.kong, svc);

  /** Paths and queries kong-sim saw since `reset`, GETs and writes apart. */
  const seen = () => {
    const requests = stack.kong.requests();
    return {
      reads: requests.filter((r) => r.method === 'GET').map((r) => `${r.path}?${r.query}`),
      writes: requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`),
    };
  };

  it('reads and writes only the entities of the service an event names', async () => {
    await quiet();
    stack.kong.resetRequests();
    await stack.register('orders', 'o-2', { host: '127.0.0.2', port: 9701 });
    await waitFor(async () => (await targets('orders')).length === 2, { what: 'the new target' });
    // The controller settles after its write; the check below reads no more of it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { reads, writes } = seen();
    const own = reads.filter((r) => !r.startsWith(`/upstreams/${ids.upstream('orders')}/targets`));
    expect(own.length).toBeGreaterThan(0);
    for (const read of own) expect(read).toContain(`${SERVICE_TAG}orders`);
    expect(reads.join('\n')).not.toMatch(/users|stock/);
    expect(writes).toEqual([`POST /upstreams/${ids.upstream('orders')}/targets`]);
    const status = stack.controllers[0]!.statusAddress!;
    const metrics = await (await fetch(`http://${status.host}:${status.port}/metrics`)).text();
    expect(metrics).toMatch(/kr_controller_reconciles_total\{result="ok",scope="services"\} [1-9]/);
  });

  it('removes a service whose last instance leaves, touching nothing else', async () => {
    await quiet();
    stack.kong.resetRequests();
    await stack.deregister('stock', 's-1');
    await waitFor(
      async () =>
        (await kongGet(stack.kong, `/services/${ids.service('stock')}`).catch(() => null)) === null,
      { what: 'the stock service to go' },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { reads, writes } = seen();
    expect(reads.join('\n')).not.toMatch(/orders|users/);
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) expect(write).toMatch(/^DELETE /);
    expect(await targets('orders')).toHaveLength(2);
    expect(await targets('users')).toHaveLength(1);
  });

  it('reconciles everything for a consumer change', async () => {
    await quiet();
    stack.kong.resetRequests();
    const created = await stack.api('POST', '/v1/consumers', { username: 'alice' });
    expect(created.status).toBe(201);
    await waitFor(
      async () => (await kongGet(stack.kong, '/consumers/alice').catch(() => null)) !== null,
      { what: 'the consumer in Kong' },
    );
    // A whole read lists every service, unfiltered.
    expect(seen().reads.some((r) => r.startsWith('/services?') && !r.includes(SERVICE_TAG))).toBe(
      true,
    );
  });
});

describe('a per-service reconcile during a paced whole one (DB mode)', () => {
  // Only the periodic drift check is paced; a whole reconcile an event asked for is not.
  let stack: Stack;
  beforeAll(async () => {
    // 2 target reads per second: a whole read of 6 services takes about 3 s.
    stack = await startStack({ env: { RESYNC_READ_RATE: '2' } });
    for (let i = 0; i < 6; i++)
      await stack.register(`svc-${i}`, 'i-1', { host: '127.0.0.1', port: 9710 + i });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('runs at once, and the whole one leaves its service to it', async () => {
    const controller = stack.controllers[0]!;
    const first = await controller.reconcileOnce();
    expect(first.ok).toBe(true);
    const unpaced = await controller.reconcileOnce();
    expect(unpaced.durationMs).toBeLessThan(2_000);

    // The service whose targets the whole read lists last (Kong lists upstreams in this order).
    const upstreams = (await kongGet(stack.kong, '/upstreams')).data as { name: string }[];
    const last = upstreams.at(-1)!.name.replace(/\.upstream$/, '');

    const wholeStarted = Date.now();
    const whole = controller.reconcileOnce({ paced: true });
    // The whole one has read the registry; its read of `last` is 2.5 s away. Change `last` now
    // and reconcile just it: the whole one will read the new target, which its snapshot lacks.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stack.register(last, 'i-2', { host: '127.0.0.2', port: 9799 });
    const scoped = await controller.reconcileOnce({
      scope: { kind: 'services', services: [last] },
    });
    const scopedDone = Date.now();
    expect(scoped.scope).toEqual([last]);
    expect(scoped.ok).toBe(true);
    expect(scoped.nodes[0]!.result!.applied.map((op) => `${op.op} ${op.kind}`)).toEqual([
      'create target',
    ]);

    const report = await whole;
    expect(report.scope).toBeUndefined();
    expect(report.ok).toBe(true);
    // The scoped one did not wait for the whole one's reads.
    expect(scopedDone).toBeLessThan(wholeStarted + report.durationMs);
    expect(report.durationMs).toBeGreaterThan(2_000);
    // Its snapshot predates the new target; it left the service to the scoped reconcile.
    expect(report.snapshot.services.find((v) => v.name === last)!.instances).toHaveLength(1);
    expect(report.nodes[0]!.plan!.ops).toEqual([]);
    const targets = (await kongGet(stack.kong, `/upstreams/${ids.upstream(last)}/targets`))
      .data as { target: string }[];
    expect(targets.map((t) => t.target)).toContain('127.0.0.2:9799');
    expect(targets).toHaveLength(2);
  });
});
