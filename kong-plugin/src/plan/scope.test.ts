/**
 * Per-service reconciles against whole ones: on random sequences of registry changes, a
 * controller that reconciles only the services each change names (widening to everything when
 * its PrefixBook says so, as the reconciler does) keeps Kong in exactly the state a controller
 * that reconciles everything after every change keeps it in.
 */
import fc from 'fast-check';
import type { Consumer, ServiceDefinition, ServiceView, StateSnapshot } from '@kong-registry/sdk';
import { applyOpsToState } from '../apply/memory';
import { buildDesiredState } from '../desired/build';
import { NO_TELEMETRY, type TelemetrySettings } from '../desired/telemetry';
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
import { PrefixBook, ScopeCoverage } from './scope';

const TAG = DEFAULT_OWNERSHIP_TAG;
const SERVICES = ['orders', 'billing', 'users', 'rpc', 'stock'];

type Change =
  | { kind: 'register'; service: string; id: string; host: string; weight: number; drain: boolean }
  | { kind: 'deregister'; service: string; id: string }
  | { kind: 'define'; service: string; definition: Partial<ServiceDefinition> }
  | { kind: 'consumers'; consumers: Consumer[] };

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({
    kind: fc.constant('register' as const),
    service: fc.constantFrom(...SERVICES),
    id: fc.constantFrom('i1', 'i2', 'i3'),
    host: fc.constantFrom('10.0.0.1', '10.0.0.2', 'svc.internal'),
    weight: fc.integer({ min: 0, max: 200 }),
    drain: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('deregister' as const),
    service: fc.constantFrom(...SERVICES),
    id: fc.constantFrom('i1', 'i2', 'i3'),
  }),
  fc.record({
    kind: fc.constant('define' as const),
    service: fc.constantFrom(...SERVICES),
    // A small pool of prefixes, so that services claim each other's (the registry refuses that;
    // migrated or hand-written data may not).
    // null: the service turns route-less (a worker), so scopes switch it both ways.
    definition: fc
      .record({
        prefix: fc.constantFrom('/a', '/b', '/orders', '/shared', null),
        protocol: fc.constantFrom('http' as const, 'grpc' as const),
        stripPrefix: fc.boolean(),
        auth: fc
          .constantFrom('none' as const, 'key-auth' as const, 'jwt' as const)
          .map((type) => ({ type, allowGroups: type === 'key-auth' ? ['staff'] : [] })),
      })
      .map((d) => ({ ...d, route: d.prefix !== null })),
  }),
  fc.record({
    kind: fc.constant('consumers' as const),
    consumers: fc.uniqueArray(
      fc.constantFrom('alice', 'bob').map((username) => makeConsumer(username)),
      { selector: (c) => c.username },
    ),
  }),
);

/** The registry as a model: services with their definition and instances, and consumers. */
class RegistryModel {
  private readonly definitions = new Map<string, ServiceDefinition>();
  private readonly instances = new Map<string, Map<string, ServiceView['instances'][number]>>();
  private consumers: Consumer[] = [];

  /** Applies a change; returns the service it names, or undefined for a consumer change. */
  apply(change: Change): string | undefined {
    switch (change.kind) {
      case 'register': {
        const { service, id, host, weight, drain } = change;
        if (!this.definitions.has(service)) this.definitions.set(service, makeDefinition(service));
        const instances = this.instances.get(service) ?? new Map();
        instances.set(
          id,
          makeInstance(service, id, {
            host,
            weight,
            draining: drain,
            drainUntil: drain ? '2026-01-01T00:05:00.000Z' : null,
          }),
        );
        this.instances.set(service, instances);
        return service;
      }
      case 'deregister':
        this.instances.get(change.service)?.delete(change.id);
        return change.service;
      case 'define':
        this.definitions.set(change.service, makeDefinition(change.service, change.definition));
        return change.service;
      case 'consumers':
        this.consumers = change.consumers;
        return undefined;
    }
  }

  /** `GET /v1/state`, or `GET /v1/state?service=...` with `scope`. */
  snapshot(scope?: string[]): StateSnapshot {
    const views: ServiceView[] = [];
    for (const [name, definition] of [...this.definitions].sort(([a], [b]) => a.localeCompare(b))) {
      if (scope && !scope.includes(name)) continue;
      const instances = [...(this.instances.get(name)?.values() ?? [])];
      if (instances.length > 0) views.push({ name, definition, instances });
    }
    const snapshot = makeSnapshot(views, scope ? [] : this.consumers);
    return scope ? { ...snapshot, scope } : snapshot;
  }
}

/** Kong's answer to `?tags=<ownership>,kr-service:<name>` for each of `services`. */
function taggedWith(state: KongState, services: string[]): KongState {
  const out = emptyState();
  for (const kind of ENTITY_KINDS) {
    for (const [id, entity] of state[kind])
      if (entity.service !== undefined && services.includes(entity.service))
        out[kind].set(id, entity);
  }
  return out;
}

function reconcile(
  kong: KongState,
  snapshot: StateSnapshot,
  scoped: KongState,
  telemetry: TelemetrySettings = NO_TELEMETRY,
): KongState {
  const desired = buildDesiredState(snapshot, { ownershipTag: TAG, now: TEST_NOW, telemetry });
  return applyOpsToState(kong, planChanges(desired, { managed: scoped, unmanaged: [] }).ops);
}

/** The ops of a plan that touch entities of no service and no consumer. */
function globalOps(snapshot: StateSnapshot, seen: KongState, telemetry: TelemetrySettings) {
  const desired = buildDesiredState(snapshot, { ownershipTag: TAG, now: TEST_NOW, telemetry });
  return planChanges(desired, { managed: seen, unmanaged: [] })
    .ops.filter((op) => op.service === undefined && op.consumer === undefined)
    .map((op) => `${op.op} ${op.name}`);
}

function normalizedView(state: KongState): string[] {
  return ENTITY_KINDS.flatMap((kind) =>
    [...state[kind].values()].map(
      (e) => `${kind}:${e.id}:${JSON.stringify(normalizeEntity(kind, e.body))}`,
    ),
  ).sort();
}

/**
 * Runs `numRuns` random change sequences through both controllers; returns how often the scoped
 * one reconciled a scope and how often it widened to everything.
 */
function compareScopedWithWhole(
  telemetry: TelemetrySettings,
  numRuns: number,
): { scoped: number; widened: number } {
  const runs = { scoped: 0, widened: 0 };
  fc.assert(
    fc.property(
      fc.array(fc.array(changeArb, { minLength: 1, maxLength: 3 }), { maxLength: 12 }),
      (steps) => {
        const registry = new RegistryModel();
        const book = new PrefixBook();
        let whole = emptyState();
        let scoped = emptyState();
        const wholeRun = (kong: KongState): KongState => {
          const snapshot = registry.snapshot();
          book.record(snapshot);
          return reconcile(kong, snapshot, kong, telemetry);
        };
        scoped = wholeRun(scoped);
        whole = reconcile(whole, registry.snapshot(), whole, telemetry);
        for (const changes of steps) {
          const named = changes.map((change) => registry.apply(change));
          whole = reconcile(whole, registry.snapshot(), whole, telemetry);
          if (named.includes(undefined)) {
            scoped = wholeRun(scoped);
            continue;
          }
          const services = [...new Set(named as string[])].sort();
          const snapshot = registry.snapshot(services);
          if (book.sharedWith(snapshot).length > 0) {
            runs.widened++;
            scoped = wholeRun(scoped);
          } else {
            runs.scoped++;
            book.record(snapshot);
            const seen = taggedWith(scoped, services);
            // A scoped plan never writes an entity of no service (a global plugin).
            expect(globalOps(snapshot, seen, telemetry)).toEqual([]);
            scoped = reconcile(scoped, snapshot, seen, telemetry);
          }
          expect(normalizedView(scoped)).toEqual(normalizedView(whole));
        }
        expect(normalizedView(scoped)).toEqual(normalizedView(whole));
      },
    ),
    { numRuns },
  );
  return runs;
}

describe('per-service reconciles (property)', () => {
  it('keep Kong in the state whole reconciles keep it in', () => {
    const runs = compareScopedWithWhole(NO_TELEMETRY, 400);
    // Both paths were taken, many times.
    expect(runs.scoped).toBeGreaterThan(500);
    expect(runs.widened).toBeGreaterThan(20);
    // 400 sequences of whole and scoped plans: seconds alone, longer on a busy CI machine.
  }, 120_000);

  it("with Kong's telemetry on: global plugins from whole reconciles only, log plugins per service", () => {
    const log = { plugin: 'http-log' as const, endpoint: 'http://logstash:8080/kong' };
    for (const logScope of ['global', 'per-service'] as const) {
      const runs = compareScopedWithWhole({ prometheus: true, log, logScope }, 120);
      expect(runs.scoped).toBeGreaterThan(100);
    }
  }, 120_000);

  it('widens a scope whose prefix another service claims, now or before', () => {
    const book = new PrefixBook();
    const view = (name: string, prefix: string): ServiceView => ({
      name,
      definition: makeDefinition(name, { prefix }),
      instances: [makeInstance(name, 'i1')],
    });
    expect(book.ready).toBe(false);
    book.record(makeSnapshot([view('orders', '/orders'), view('users', '/users')]));
    expect(book.ready).toBe(true);
    const scoped = (views: ServiceView[], scope: string[]) => ({ services: views, scope });
    expect(book.sharedWith(scoped([view('orders', '/shop')], ['orders']))).toEqual([]);
    expect(book.sharedWith(scoped([view('orders', '/users')], ['orders']))).toEqual(['users']);
    book.record(scoped([view('billing', '/users')], ['billing']));
    // users lost /users to billing: a change of users now concerns billing too...
    expect(book.sharedWith(scoped([view('users', '/users')], ['users']))).toEqual(['billing']);
    // ...and so does users leaving (billing may claim what it lost).
    expect(book.sharedWith(scoped([], ['users']))).toEqual(['billing']);
    // Both in one scope: the build decides between them, as the whole build would.
    expect(book.sharedWith(scoped([view('users', '/users')], ['billing', 'users']))).toEqual([]);
  });

  it('counts extra prefixes as claims too', () => {
    const book = new PrefixBook();
    const shop: ServiceView = {
      name: 'shop',
      definition: makeDefinition('shop', { prefix: '/shop.Orders', extraPrefixes: ['/shop.Pay'] }),
      instances: [makeInstance('shop', 'i1')],
    };
    book.record(makeSnapshot([shop]));
    const payments: ServiceView = {
      name: 'payments',
      definition: makeDefinition('payments', { prefix: '/shop.Pay' }),
      instances: [makeInstance('payments', 'i1')],
    };
    expect(book.sharedWith({ services: [payments], scope: ['payments'] })).toEqual(['shop']);
  });
});

describe('ScopeCoverage', () => {
  it('tells what was covered after a mark, and forgets what came before one', () => {
    const coverage = new ScopeCoverage();
    coverage.cover(['a']);
    const mark = coverage.mark();
    expect(coverage.since(mark)).toEqual(new Set());
    coverage.cover(['b', 'c']);
    coverage.cover(['a']);
    expect(coverage.since(mark)).toEqual(new Set(['a', 'b', 'c']));
    coverage.forget(coverage.mark() - 1);
    expect(coverage.since(0)).toEqual(new Set(['a']));
  });
});
