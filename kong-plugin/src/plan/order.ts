/**
 * Dependency levels of Kong entities (go-database-reconciler `pkg/diff/order.go`).
 *
 *   creates and updates run top-down, deletes run bottom-up:
 *
 *        level 0     consumer        service        upstream
 *                       |               |               |
 *                       v               v               v
 *        level 1   key-auth, jwt,     route           target
 *                      acl              |
 *                       \               v
 *        level 2         `-------->   plugin  (scoped to a service; may reference a route
 *                                              or consumer, so it comes after all of them)
 *
 * A child references its parent by id, so the parent must exist before the child is written,
 * and Kong refuses to delete a service that routes still point at (foreign key violation,
 * kong-sim/KONG_BEHAVIOUR.md#generated-endpoints-and-write-semantics), so children go first on the
 * way down.
 */
import type { EntityKind } from '../kong/entities';
import type { PlanOp } from './types';

/** Level of each kind; entities of one level never depend on each other. */
export const LEVEL: Record<EntityKind, number> = {
  consumer: 0,
  service: 0,
  upstream: 0,
  route: 1,
  target: 1,
  'key-auth': 1,
  jwt: 1,
  acl: 1,
  plugin: 2,
};

/** Number of levels. */
export const LEVEL_COUNT = 3;

const KIND_RANK: Record<EntityKind, number> = {
  consumer: 0,
  service: 1,
  upstream: 2,
  route: 3,
  target: 4,
  'key-auth': 5,
  jwt: 6,
  acl: 7,
  plugin: 8,
};

function stable(a: PlanOp, b: PlanOp): number {
  return (
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    a.name.localeCompare(b.name) ||
    a.id.localeCompare(b.id)
  );
}

/** Sorts ops into execution order: deletes bottom-up first, then creates and updates top-down. */
export function orderOps(ops: readonly PlanOp[]): PlanOp[] {
  const deletes = ops
    .filter((op) => op.op === 'delete')
    .sort((a, b) => LEVEL[b.kind] - LEVEL[a.kind] || stable(a, b));
  const writes = ops
    .filter((op) => op.op !== 'delete')
    .sort((a, b) => LEVEL[a.kind] - LEVEL[b.kind] || stable(a, b));
  return [...deletes, ...writes];
}

/**
 * Splits ordered ops into batches whose members may run concurrently: consecutive ops of the
 * same phase (delete or write) and the same level.
 */
export function batchByLevel(ops: readonly PlanOp[]): PlanOp[][] {
  const batches: PlanOp[][] = [];
  let key = '';
  for (const op of ops) {
    const opKey = `${op.op === 'delete' ? 'delete' : 'write'}:${LEVEL[op.kind]}`;
    if (opKey !== key || batches.length === 0) {
      batches.push([]);
      key = opKey;
    }
    batches[batches.length - 1]!.push(op);
  }
  return batches;
}
