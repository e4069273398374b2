import fc from 'fast-check';
import { Dao } from '../dao/dao';
import { MemoryStore } from '../dao/memory-store';
import type { Row } from '../schema/types';
import { silentLogger } from './checker';
import { HealthRegistry } from './registry';

const deps = { probe: () => Promise.resolve({ kind: 'connected' as const }), logger: silentLogger };

/**
 * Passive-only checks (no timers); `tcpFailures` 0 switches checking off
 * (K:kong/runloop/balancer/healthcheckers.lua `is_upstream_using_healthcheck`).
 */
function healthchecks(tcpFailures: number): Row {
  return { passive: { unhealthy: { tcp_failures: tcpFailures } } };
}

type Op =
  | { op: 'upstream'; u: number; checks: number }
  | { op: 'target'; u: number; port: number; weight: number }
  | { op: 'patch-target'; u: number; weight: number }
  | { op: 'delete-target'; u: number }
  | { op: 'delete-upstream'; u: number }
  | { op: 'reload' };

const upstreamIndex = fc.integer({ min: 0, max: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('upstream' as const),
    u: upstreamIndex,
    checks: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({
    op: fc.constant('target' as const),
    u: upstreamIndex,
    port: fc.integer({ min: 1, max: 4 }),
    weight: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({
    op: fc.constant('patch-target' as const),
    u: upstreamIndex,
    weight: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ op: fc.constant('delete-target' as const), u: upstreamIndex }),
  fc.record({ op: fc.constant('delete-upstream' as const), u: upstreamIndex }),
  fc.constant({ op: 'reload' as const }),
);

/** Applies one operation through the DAO (or a DB-less style reload); invalid ones are no-ops. */
function apply(dao: Dao, store: MemoryStore, op: Op): void {
  const name = `u${op.op === 'reload' ? 0 : op.u}.upstream`;
  const upstream = dao.find('upstreams', name);
  const firstTarget = upstream
    ? store.rows('targets').find((t) => (t.upstream as Row).id === upstream.id)
    : undefined;
  switch (op.op) {
    case 'upstream':
      dao.upsert('upstreams', name, { healthchecks: healthchecks(op.checks) });
      return;
    case 'target':
      if (upstream && !store.rows('targets').some((t) => t.target === `10.0.0.${op.u}:${op.port}`))
        dao.insert('targets', {
          upstream: { id: upstream.id },
          target: `10.0.0.${op.u}:${op.port}`,
          weight: op.weight,
        });
      return;
    case 'patch-target':
      if (firstTarget) dao.update('targets', firstTarget, { weight: op.weight });
      return;
    case 'delete-target':
      if (firstTarget) dao.delete('targets', firstTarget);
      return;
    case 'delete-upstream':
      if (upstream) dao.delete('upstreams', upstream);
      return;
    case 'reload':
      // DB-less /config: every row deleted and created again, in one version.
      store.replaceAll({
        upstreams: [...store.rows('upstreams')],
        targets: [...store.rows('targets')],
      });
  }
}

describe('HealthRegistry incremental bookkeeping', () => {
  it('keeps the same checkers as a registry rebuilt from scratch, after any write sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { maxLength: 4 }), { maxLength: 8 }), (batches) => {
        const store = new MemoryStore();
        const dao = new Dao(store);
        const incremental = new HealthRegistry(store, deps);
        try {
          for (const batch of batches) {
            for (const op of batch) apply(dao, store, op);
            const fresh = new HealthRegistry(store, deps);
            expect(incremental.checkerSignatures()).toEqual(fresh.checkerSignatures());
            fresh.close();
          }
        } finally {
          incremental.close();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('revisits only the upstreams a write touched', () => {
    const store = new MemoryStore();
    const dao = new Dao(store);
    const a = dao.insert('upstreams', { name: 'a.upstream', healthchecks: healthchecks(1) });
    const b = dao.insert('upstreams', { name: 'b.upstream', healthchecks: healthchecks(1) });
    const registry = new HealthRegistry(store, deps);
    const before = registry.checkerFor(b.id as string);
    dao.insert('targets', { upstream: { id: a.id }, target: '10.0.0.1:80' });
    expect(
      registry.checkerFor(a.id as string)?.tracks(store.rows('targets')[0]?.id as string),
    ).toBe(true);
    expect(registry.checkerFor(b.id as string)).toBe(before);
    registry.close();
  });
});
