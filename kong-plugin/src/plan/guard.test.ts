import type { Tombstone } from '@kong-registry/sdk';
import { INSTANCE_TAG_PREFIX } from '../naming';
import { makeInstance, makeService, makeSnapshot, TEST_NOW } from '../__tests__/snapshot-factory';
import { guardMassExpiry, type GuardInput, type GuardSnapshot } from './guard';
import type { PlanOp } from './types';

const HOLD_MS = 60_000;
/** The snapshot's generatedAt (the registry's clock), which tombstone ages are measured against. */
const SNAPSHOT_AT = TEST_NOW.getTime();

const del = (service: string, instanceId: string): PlanOp => ({
  op: 'delete',
  kind: 'target',
  id: `${service}-${instanceId}`,
  name: `${service}.upstream/${instanceId}`,
  service,
  consumer: undefined,
  body: { tags: [`${INSTANCE_TAG_PREFIX}${instanceId}`] },
  changes: [],
});

/** `[reason, how long before the snapshot]` per removed instance of `orders`. */
type Removals = Record<string, [Tombstone['reason'], number]>;

/** A snapshot of `orders` with `live` instances and the tombstones of `removals`. */
function snapshotOf(live: string[], removals: Removals = {}): GuardSnapshot {
  const tombstones = Object.entries(removals).map(
    ([instanceId, [reason, agoMs]], i): Tombstone => ({
      service: 'orders',
      instanceId,
      reason,
      revision: 10 + i,
      at: new Date(SNAPSHOT_AT - agoMs).toISOString(),
    }),
  );
  const services =
    live.length > 0
      ? [
          makeService(
            'orders',
            live.map((id) => makeInstance('orders', id)),
          ),
        ]
      : [];
  return makeSnapshot(services, [], 20, tombstones);
}

function run(
  ops: PlanOp[],
  snapshot: GuardSnapshot,
  total: number,
  unexplainedSince = new Map<string, number>(),
  now = 1000,
  holdUnexplained?: boolean,
) {
  const input: GuardInput = {
    ops,
    targetCounts: new Map([['orders', total]]),
    snapshot,
    unexplainedSince,
    now,
    options: {
      threshold: 0.5,
      holdMs: HOLD_MS,
      minTargets: 2,
      ...(holdUnexplained !== undefined && { holdUnexplained }),
    },
  };
  return { ...guardMassExpiry(input), unexplainedSince };
}

describe('guardMassExpiry', () => {
  // Kong has `total` targets of orders; the plan deletes those of `deleted`; the snapshot has the
  // `live` instances and the tombstones of `removals`.
  it.each<{
    label: string;
    deleted: string[];
    live?: string[];
    removals?: Removals;
    total: number;
    kept: string[];
  }>([
    {
      label: 'holds when most targets expired at once',
      deleted: ['a', 'b', 'c'],
      removals: { a: ['expired', 1000], b: ['expired', 1000], c: ['expired', 900] },
      total: 4,
      kept: [],
    },
    {
      label: 'lets half or less through (threshold is strict)',
      deleted: ['a', 'b', 'c'],
      removals: { a: ['expired', 1000], b: ['expired', 1000], c: ['deregistered', 1000] },
      total: 4,
      kept: ['a', 'b', 'c'],
    },
    {
      label: 'never holds deregistrations',
      deleted: ['a', 'b', 'c'],
      removals: { a: ['deregistered', 0], b: ['deregistered', 0], c: ['deregistered', 0] },
      total: 4,
      kept: ['a', 'b', 'c'],
    },
    {
      label: 'never holds admin deletes or ended drains',
      deleted: ['a', 'b', 'c'],
      removals: { a: ['deleted', 0], b: ['drained', 0], c: ['deleted', 0] },
      total: 4,
      kept: ['a', 'b', 'c'],
    },
    {
      label: 'holds removals no tombstone explains (the registry lost its state)',
      deleted: ['a', 'b', 'c'],
      total: 4,
      kept: [],
    },
    {
      label: 'counts unexplained removals with the expiries',
      deleted: ['a', 'b', 'c'],
      removals: { a: ['expired', 1000] },
      total: 4,
      kept: [],
    },
    {
      label: 'does not guard services below the minimum size',
      deleted: ['a'],
      removals: { a: ['expired', 0] },
      total: 1,
      kept: ['a'],
    },
    {
      label: 'a live instance whose target changed is no removal',
      deleted: ['a', 'b', 'c'],
      live: ['a', 'b', 'c'],
      total: 4,
      kept: ['a', 'b', 'c'],
    },
    {
      label: 'an instance registered again is no removal, whatever its last tombstone says',
      deleted: ['a', 'b', 'c'],
      live: ['a', 'b'],
      removals: { a: ['expired', 5000], b: ['expired', 5000], c: ['expired', 5000] },
      total: 4,
      kept: ['a', 'b', 'c'],
    },
    {
      label: 'resumes a hold from the tombstones (a restarted controller)',
      deleted: ['a', 'b'],
      removals: { a: ['expired', HOLD_MS - 1], b: ['expired', HOLD_MS - 1] },
      total: 2,
      kept: [],
    },
    {
      label: 'lets expiries go once the newest is held long enough',
      deleted: ['a', 'b'],
      removals: { a: ['expired', HOLD_MS + 5000], b: ['expired', HOLD_MS] },
      total: 2,
      kept: ['a', 'b'],
    },
    {
      label: 'holds while the newest expiry is younger than the hold',
      deleted: ['a', 'b'],
      removals: { a: ['expired', HOLD_MS + 5000], b: ['expired', 10_000] },
      total: 2,
      kept: [],
    },
  ])('$label', ({ deleted, live = [], removals = {}, total, kept }) => {
    const result = run(
      deleted.map((id) => del('orders', id)),
      snapshotOf(live, removals),
      total,
    );
    expect(result.ops.map((op) => op.name)).toEqual(kept.map((id) => `orders.upstream/${id}`));
  });

  it('in a one-shot sync holds only removals whose tombstone says expired', () => {
    const deletes = ['a', 'b', 'c'].map((id) => del('orders', id));
    const unexplained = run(deletes, snapshotOf([], {}), 4, new Map(), 1000, false);
    expect(unexplained.ops).toHaveLength(3);
    const expired = run(
      deletes,
      snapshotOf([], { a: ['expired', 0], b: ['expired', 0], c: ['expired', 0] }),
      4,
      new Map(),
      1000,
      false,
    );
    expect(expired.ops).toEqual([]);
  });

  it('reports how long the newest held removal has waited', () => {
    const result = run(
      ['a', 'b', 'c'].map((id) => del('orders', id)),
      snapshotOf([], { a: ['expired', 40_000], b: ['expired', 25_000], c: ['expired', 30_000] }),
      3,
    );
    expect(result.held).toEqual([
      {
        service: 'orders',
        targets: ['orders.upstream/a', 'orders.upstream/b', 'orders.upstream/c'],
        heldForMs: 25_000,
      },
    ]);
  });

  it('holds the whole removal of a service whose targets are held (upstream delete would cascade)', () => {
    const upstream: PlanOp = {
      ...del('orders', 'x'),
      kind: 'upstream',
      id: 'u',
      name: 'orders.upstream',
      body: {},
    };
    const other: PlanOp = {
      ...del('billing', 'y'),
      kind: 'route',
      id: 'r',
      name: 'billing',
      body: {},
    };
    const result = run(
      [del('orders', 'a'), del('orders', 'b'), upstream, other],
      snapshotOf([], { a: ['expired', 0], b: ['expired', 0] }),
      2,
    );
    expect(result.ops).toEqual([other]);
  });

  it('holds unexplained removals for a bounded time on its own clock, then releases', () => {
    const ops = ['a', 'b'].map((id) => del('orders', id));
    const lost = snapshotOf([]);
    const first = run(ops, lost, 2, new Map(), 1000);
    expect(first.held).toEqual([
      { service: 'orders', targets: ['orders.upstream/a', 'orders.upstream/b'], heldForMs: 0 },
    ]);
    const later = run(ops, lost, 2, first.unexplainedSince, 30_000);
    expect(later.ops).toEqual([]);
    expect(later.held[0]?.heldForMs).toBe(29_000);
    const after = run(ops, lost, 2, later.unexplainedSince, 61_001);
    expect(after.ops).toHaveLength(2);
    expect(after.held).toEqual([]);
    // Released, not forgotten: the same removals are not held again while they are pending.
    expect(run(ops, lost, 2, after.unexplainedSince, 70_000).ops).toHaveLength(2);
    // Once they are gone, the next unexplained mass removal starts a new hold.
    const gone = run([], lost, 2, after.unexplainedSince, 80_000);
    expect(gone.unexplainedSince.size).toBe(0);
    expect(run(ops, lost, 2, gone.unexplainedSince, 90_000).ops).toEqual([]);
  });

  it('times expiries with tombstones by the registry clock only, whatever the controller clock says', () => {
    const ops = ['a', 'b'].map((id) => del('orders', id));
    const snapshot = snapshotOf([], { a: ['expired', 10_000], b: ['expired', 10_000] });
    // A controller clock far ahead (or behind) the registry's changes nothing.
    for (const now of [0, SNAPSHOT_AT + 3_600_000]) {
      const result = run(ops, snapshot, 2, new Map(), now);
      expect(result.ops).toEqual([]);
      expect(result.held[0]?.heldForMs).toBe(10_000);
      expect(result.unexplainedSince.size).toBe(0);
    }
  });
});
