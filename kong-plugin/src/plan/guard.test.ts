import { INSTANCE_TAG_PREFIX } from '../naming';
import { guardMassExpiry, type GuardInput } from './guard';
import type { PlanOp } from './types';

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

function run(
  ops: PlanOp[],
  reasons: Record<string, string>,
  total: number,
  heldSince = new Map<string, number>(),
  now = 1000,
) {
  const input: GuardInput = {
    ops,
    targetCounts: new Map([['orders', total]]),
    reasonOf: (_s, id) => reasons[id],
    heldSince,
    now,
    options: { threshold: 0.5, holdMs: 60_000, minTargets: 2 },
  };
  return { ...guardMassExpiry(input), heldSince };
}

describe('guardMassExpiry', () => {
  it.each([
    ['holds when most targets expired at once', { a: 'expired', b: 'expired', c: 'expired' }, 4, 0],
    [
      'lets half or less through (threshold is strict)',
      { a: 'expired', b: 'expired', c: 'deregistered' },
      4,
      3,
    ],
    [
      'never holds deregistrations',
      { a: 'deregistered', b: 'deregistered', c: 'deregistered' },
      4,
      3,
    ],
    ['never holds unknown reasons', {}, 4, 3],
    ['does not guard services below the minimum size', { a: 'expired' }, 1, 1],
  ])('%s', (_label, reasons, total, remaining) => {
    const ops =
      Object.keys(reasons).length > 0
        ? Object.keys(reasons).map((id) => del('orders', id))
        : ['a', 'b', 'c'].map((id) => del('orders', id));
    const result = run(ops.slice(0, Math.min(ops.length, total)), reasons, total);
    expect(result.ops.length).toBe(Math.min(remaining, total));
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
      { a: 'expired', b: 'expired' },
      2,
    );
    expect(result.ops).toEqual([other]);
  });

  it('holds for a bounded time, then releases', () => {
    const ops = ['a', 'b'].map((id) => del('orders', id));
    const reasons = { a: 'expired', b: 'expired' };
    const first = run(ops, reasons, 2, new Map(), 1000);
    expect(first.held).toEqual([
      { service: 'orders', targets: ['orders.upstream/a', 'orders.upstream/b'], heldForMs: 0 },
    ]);
    const later = run(ops, reasons, 2, first.heldSince, 30_000);
    expect(later.ops).toEqual([]);
    const after = run(ops, reasons, 2, later.heldSince, 61_001);
    expect(after.ops).toHaveLength(2);
    expect(after.held).toEqual([]);
  });
});
