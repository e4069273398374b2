import { applyOpsToState } from '../apply/memory';
import { splitByOwnership } from '../current/split';
import { buildDesiredState } from '../desired/build';
import { emptyState, type Entity, type KongState } from '../kong/entities';
import { DEFAULT_OWNERSHIP_TAG, ids } from '../naming';
import { makeInstance, makeService, makeSnapshot, TEST_NOW } from '../__tests__/snapshot-factory';
import { planChanges } from './plan';
import type { Plan } from './types';

const TAG = DEFAULT_OWNERSHIP_TAG;
const desiredOf = (...services: ReturnType<typeof makeService>[]) =>
  buildDesiredState(makeSnapshot(services), { ownershipTag: TAG, now: TEST_NOW });

/** Kong after applying the plan from nothing: bodies as Kong echoes them. */
function converged(desired: ReturnType<typeof desiredOf>): KongState {
  return applyOpsToState(
    emptyState(),
    planChanges(desired, { managed: emptyState(), unmanaged: [] }).ops,
  );
}

const summary = (plan: Plan) => plan.ops.map((op) => `${op.op} ${op.kind} ${op.name}`);

const orders = (weight = 100) =>
  makeService('orders', [
    makeInstance('orders', 'a', { host: '10.0.0.1' }),
    makeInstance('orders', 'b', { host: '10.0.0.2', weight }),
  ]);

function unmanagedRoute(name: string, paths: string[]): Entity {
  return {
    kind: 'route',
    id: `id-${name}`,
    name,
    service: undefined,
    consumer: undefined,
    body: { id: `id-${name}`, name, paths, tags: null },
  };
}

describe('planChanges', () => {
  it('creates everything top-down on an empty Kong', () => {
    const plan = planChanges(desiredOf(orders()), { managed: emptyState(), unmanaged: [] });
    expect(summary(plan)).toEqual([
      'create service orders',
      'create upstream orders.upstream',
      'create target orders.upstream/10.0.0.1:8080',
      'create target orders.upstream/10.0.0.2:8080',
      'create route orders',
    ]);
  });

  it("writes a service's auth plugins before its route, so the route is never up unguarded", () => {
    const guarded = makeService('orders', [makeInstance('orders', 'a')], {
      auth: { type: 'key-auth', allowGroups: ['g'] },
    });
    const plan = planChanges(desiredOf(guarded), { managed: emptyState(), unmanaged: [] });
    expect(summary(plan)).toEqual([
      'create service orders',
      'create upstream orders.upstream',
      'create plugin orders/acl',
      'create plugin orders/key-auth',
      'create target orders.upstream/10.0.0.1:8080',
      'create route orders',
    ]);
  });

  it('switches auth by adding the new plugin before removing the old one', () => {
    const withAuth = (type: 'key-auth' | 'jwt') =>
      desiredOf(
        makeService('orders', [makeInstance('orders', 'a')], {
          auth: { type, allowGroups: [] },
        }),
      );
    const kong = converged(withAuth('key-auth'));
    expect(summary(planChanges(withAuth('jwt'), { managed: kong, unmanaged: [] }))).toEqual([
      'create plugin orders/jwt',
      'delete plugin orders/key-auth',
    ]);
  });

  const cases: { name: string; change: (kong: KongState) => void; want: string[] }[] = [
    {
      name: 'nothing when Kong already matches (defaults echoed back)',
      change: () => undefined,
      want: [],
    },
    {
      name: 'an update when a managed entity was edited by hand',
      change: (kong) => {
        kong.service.get(ids.service('orders'))!.body.retries = 9;
      },
      want: ['update service orders'],
    },
    {
      name: 'nothing when only the order of a set (tags) differs',
      change: (kong) => {
        const body = kong.service.get(ids.service('orders'))!.body;
        body.tags = [...(body.tags as string[])].reverse();
      },
      want: [],
    },
    {
      name: 'a delete for a managed entity nobody asks for any more',
      change: (kong) => {
        const stray = structuredClone(kong.target.get(ids.target('orders', '10.0.0.1:8080'))!);
        stray.id = 'stray';
        stray.name = 'orders.upstream/10.9.9.9:1';
        stray.body = { ...stray.body, id: 'stray', target: '10.9.9.9:1' };
        kong.target.set('stray', stray);
      },
      want: ['delete target orders.upstream/10.9.9.9:1'],
    },
    {
      name: 'a create when a managed entity was deleted by hand',
      change: (kong) => {
        kong.route.delete(ids.route('orders'));
      },
      want: ['create route orders'],
    },
  ];
  it.each(cases)('plans $name', ({ change, want }) => {
    const desired = desiredOf(orders());
    const kong = converged(desired);
    change(kong);
    expect(summary(planChanges(desired, { managed: kong, unmanaged: [] }))).toEqual(want);
  });

  it('plans exactly one target update for a weight change', () => {
    const kong = converged(desiredOf(orders()));
    const plan = planChanges(desiredOf(orders(5)), { managed: kong, unmanaged: [] });
    expect(summary(plan)).toEqual(['update target orders.upstream/10.0.0.2:8080']);
    expect(plan.ops[0]?.changes).toEqual([{ path: 'weight', from: 100, to: 5 }]);
  });

  it("plans one service update when the timeouts change, and one back to Kong's defaults", () => {
    const upstream = {
      connectTimeoutMs: 2000,
      readTimeoutMs: 300_000,
      writeTimeoutMs: 60_000,
      retries: 5,
    };
    const withTimeouts = () =>
      makeService('orders', [makeInstance('orders', 'a', { host: '10.0.0.1' })], { upstream });
    const without = () =>
      makeService('orders', [makeInstance('orders', 'a', { host: '10.0.0.1' })]);

    const kong = converged(desiredOf(without()));
    const set = planChanges(desiredOf(withTimeouts()), { managed: kong, unmanaged: [] });
    expect(summary(set)).toEqual(['update service orders']);
    expect(set.ops[0]?.changes).toEqual([
      { path: 'connect_timeout', from: 60_000, to: 2000 },
      { path: 'read_timeout', from: 60_000, to: 300_000 },
    ]);

    const kongWith = applyOpsToState(kong, set.ops);
    expect(
      planChanges(desiredOf(withTimeouts()), { managed: kongWith, unmanaged: [] }).ops,
    ).toEqual([]);
    const back = planChanges(desiredOf(without()), { managed: kongWith, unmanaged: [] });
    expect(summary(back)).toEqual(['update service orders']);
    expect(back.ops[0]?.changes).toEqual([
      { path: 'connect_timeout', from: 2000, to: 60_000 },
      { path: 'read_timeout', from: 300_000, to: 60_000 },
    ]);
    // Kong's defaults spelled out plan nothing against a Kong that has them.
    const defaults = makeService('orders', [makeInstance('orders', 'a', { host: '10.0.0.1' })], {
      upstream: {
        connectTimeoutMs: 60_000,
        readTimeoutMs: 60_000,
        writeTimeoutMs: 60_000,
        retries: 5,
      },
    });
    expect(planChanges(desiredOf(defaults), { managed: kong, unmanaged: [] }).ops).toEqual([]);
  });

  it('deletes bottom-up when a service goes away', () => {
    const kong = converged(
      desiredOf(
        makeService('orders', [makeInstance('orders', 'a')], {
          auth: { type: 'key-auth', allowGroups: ['g'] },
        }),
      ),
    );
    const plan = planChanges(desiredOf(), { managed: kong, unmanaged: [] });
    expect(summary(plan)).toEqual([
      'delete route orders',
      'delete plugin orders/acl',
      'delete plugin orders/key-auth',
      'delete target orders.upstream/10.0.0.1:8080',
      'delete service orders',
      'delete upstream orders.upstream',
    ]);
  });

  it('quarantines a service whose prefix an unmanaged route claims, and plans the others', () => {
    const plan = planChanges(desiredOf(orders(), makeService('billing', [])), {
      managed: emptyState(),
      unmanaged: [unmanagedRoute('legacy', ['/orders/'])],
    });
    expect(plan.quarantined.services).toEqual(['orders']);
    expect(plan.conflicts).toEqual([
      {
        service: 'orders',
        reason: "unmanaged route 'legacy' already claims prefix '/orders'",
        entity: { kind: 'route', id: 'id-legacy', name: 'legacy' },
      },
    ]);
    expect(plan.ops.every((op) => op.service === 'billing')).toBe(true);
  });

  it('quarantines a service that already carries an unmanaged plugin of the same name', () => {
    const desired = desiredOf(
      makeService('orders', [], { auth: { type: 'jwt', allowGroups: [] } }),
    );
    const handMade: Entity = {
      kind: 'plugin',
      id: 'p1',
      name: 'orders/jwt',
      service: undefined,
      consumer: undefined,
      body: {
        id: 'p1',
        name: 'jwt',
        service: { id: ids.service('orders') },
        route: null,
        consumer: null,
        tags: null,
      },
    };
    const plan = planChanges(desired, { managed: emptyState(), unmanaged: [handMade] });
    expect(plan.quarantined.services).toEqual(['orders']);
    expect(plan.ops).toEqual([]);
  });

  it('keeps the last applied config of a service that fails translation', () => {
    const kong = converged(desiredOf(orders()));
    const broken = orders();
    broken.definition.prefix = 'no-slash';
    const plan = planChanges(desiredOf(broken), { managed: kong, unmanaged: [] });
    expect(plan.ops).toEqual([]);
    expect(plan.quarantined.services).toEqual(['orders']);
  });

  it('ignores unmanaged entities when they do not collide', () => {
    const current = splitByOwnership(converged(desiredOf(orders())), TAG);
    current.unmanaged.push(unmanagedRoute('other', ['/other']));
    expect(planChanges(desiredOf(orders()), current).ops).toEqual([]);
  });
});
