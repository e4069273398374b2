/**
 * Convergence property: for random desired and current states, applying the plan to current (in
 * an in-memory Kong that echoes bodies the way the Admin API does) yields desired, and planning
 * again yields nothing.
 */
import fc from 'fast-check';
import type { Consumer, Instance, ServiceView } from '@kong-registry/sdk';
import { applyOpsToState } from '../apply/memory';
import { buildDesiredState } from '../desired/build';
import { emptyState, ENTITY_KINDS, type KongState } from '../kong/entities';
import { DEFAULT_OWNERSHIP_TAG } from '../naming';
import {
  makeConsumer,
  makeDefinition,
  makeInstance,
  makeSnapshot,
  TEST_NOW,
} from '../__tests__/snapshot-factory';
import { normalizeEntity } from './normalize';
import { planChanges } from './plan';
import type { CurrentState } from './types';

const TAG = DEFAULT_OWNERSHIP_TAG;

const instanceArb = (service: string): fc.Arbitrary<Instance> =>
  fc
    .record({
      id: fc.constantFrom('i1', 'i2', 'i3', 'i4'),
      host: fc.constantFrom('10.0.0.1', '10.0.0.2', 'svc.internal', '::1'),
      port: fc.constantFrom(80, 8080, 9000),
      weight: fc.integer({ min: 0, max: 1000 }),
      draining: fc.boolean(),
    })
    .map(({ id, host, port, weight, draining }) =>
      makeInstance(service, id, {
        host,
        port,
        weight,
        draining,
        drainUntil: draining ? '2026-01-01T00:05:00.000Z' : null,
      }),
    );

const serviceArb: fc.Arbitrary<ServiceView> = fc
  .record({
    name: fc.constantFrom('orders', 'billing', 'rpc', 'users', 'Bad_Name'),
    prefix: fc.constantFrom('/a', '/b', '/c', '/orders', 'broken'),
    protocol: fc.constantFrom('http' as const, 'https' as const, 'grpc' as const),
    stripPrefix: fc.boolean(),
    auth: fc.constantFrom('none' as const, 'key-auth' as const, 'jwt' as const),
    groups: fc.subarray(['staff', 'ops']),
    interval: fc.integer({ min: 1, max: 30 }),
    // Kong's timeouts and retries: absent (Kong's defaults) half the time, so services gain and
    // lose them.
    upstream: fc.option(
      fc.record({
        connectTimeoutMs: fc.constantFrom(1, 2000, 60_000),
        readTimeoutMs: fc.constantFrom(60_000, 300_000),
        writeTimeoutMs: fc.constantFrom(60_000, 2_147_483_646),
        retries: fc.constantFrom(0, 5, 32_767),
      }),
      { nil: undefined },
    ),
    // One in four route-less (a worker): had and want differ, so services switch both ways.
    routed: fc.constantFrom(true, true, true, false),
  })
  .chain((def) =>
    fc
      .uniqueArray(instanceArb(def.name), { maxLength: 4, selector: (i) => i.instanceId })
      .map((instances) => ({
        name: def.name,
        instances,
        definition: makeDefinition(def.name, {
          route: def.routed,
          prefix: def.routed ? def.prefix : null,
          protocol: def.protocol,
          stripPrefix: def.stripPrefix,
          auth: { type: def.auth, allowGroups: def.auth === 'none' ? [] : def.groups },
          healthCheck: {
            path: '/health',
            intervalSeconds: def.interval,
            healthyThreshold: 2,
            unhealthyThreshold: 3,
            timeoutSeconds: 1,
          },
          ...(def.upstream && { upstream: def.upstream }),
        }),
      })),
  );

const consumerArb: fc.Arbitrary<Consumer> = fc
  .record({
    username: fc.constantFrom('alice', 'bob', 'carol'),
    groups: fc.subarray(['staff', 'ops']),
    key: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }),
  })
  .map(({ username, groups, key }) =>
    makeConsumer(username, {
      groups,
      credentials: key
        ? [{ id: `${username}-${key}`, type: 'key-auth', createdAt: '', key: `${username}-${key}` }]
        : [],
    }),
  );

const snapshotArb = fc
  .record({
    services: fc.uniqueArray(serviceArb, { maxLength: 4, selector: (s) => s.name }),
    consumers: fc.uniqueArray(consumerArb, { maxLength: 3, selector: (c) => c.username }),
  })
  .map(({ services, consumers }) => makeSnapshot(services, consumers));

/** Hand edits and stray entities applied to a converged Kong. */
const mutationArb = fc.array(
  fc.record({
    pick: fc.nat(),
    edit: fc.constantFrom('delete', 'retries', 'weight', 'tags', 'config', 'paths'),
  }),
  { maxLength: 6 },
);

function mutate(state: KongState, mutations: { pick: number; edit: string }[]): void {
  const all = ENTITY_KINDS.flatMap((kind) => [...state[kind].values()]);
  for (const { pick, edit } of mutations) {
    if (all.length === 0) return;
    const entity = all[pick % all.length]!;
    const body = entity.body;
    if (edit === 'delete') state[entity.kind].delete(entity.id);
    else if (edit === 'retries') body.retries = 1;
    else if (edit === 'weight') body.weight = 3;
    else if (edit === 'tags')
      body.tags = [...((body.tags as string[] | null) ?? []), TAG].reverse();
    else if (edit === 'config') body.config = { hide_credentials: false };
    else if (edit === 'paths') body.paths = ['/hand-edited'];
  }
}

function converge(snapshot: ReturnType<typeof makeSnapshot>): KongState {
  const desired = buildDesiredState(snapshot, { ownershipTag: TAG, now: TEST_NOW });
  return applyOpsToState(
    emptyState(),
    planChanges(desired, { managed: emptyState(), unmanaged: [] }).ops,
  );
}

function normalizedView(
  state: KongState,
  skip: (service?: string, consumer?: string) => boolean,
): string[] {
  return ENTITY_KINDS.flatMap((kind) =>
    [...state[kind].values()]
      .filter((e) => !skip(e.service, e.consumer))
      .map((e) => `${kind}:${e.id}:${JSON.stringify(normalizeEntity(kind, e.body))}`),
  ).sort();
}

describe('planner convergence (property)', () => {
  it('apply(plan) reaches desired and a second plan is empty', () => {
    fc.assert(
      fc.property(snapshotArb, snapshotArb, mutationArb, (want, had, mutations) => {
        const desired = buildDesiredState(want, { ownershipTag: TAG, now: TEST_NOW });
        const kong = converge(had);
        mutate(kong, mutations);
        const current: CurrentState = { managed: kong, unmanaged: [] };

        const plan = planChanges(desired, current);
        const after = applyOpsToState(kong, plan.ops);
        const services = new Set(plan.quarantined.services);
        const consumers = new Set(plan.quarantined.consumers);
        const skip = (s?: string, c?: string) =>
          (s !== undefined && services.has(s)) || (c !== undefined && consumers.has(c));

        expect(normalizedView(after, skip)).toEqual(normalizedView(desired.state, skip));
        expect(planChanges(desired, { managed: after, unmanaged: [] }).ops).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
