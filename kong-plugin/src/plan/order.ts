/**
 * Dependency levels of Kong entities (go-database-reconciler `pkg/diff/order.go`), with one change
 * for safety: a service's auth plugins come before its route.
 *
 *   creates and updates run top-down, deletes run bottom-up:
 *
 *        level 0     consumer        service        upstream
 *                       |               |               |
 *                       v               v               v
 *        level 1   key-auth, jwt,    plugin          target
 *                      acl              |
 *                                       v
 *        level 2                      route
 *
 * A child references its parent by id, so the parent must exist before the child is written,
 * and Kong refuses to delete a service that routes still point at (foreign key violation,
 * kong-sim/KONG_BEHAVIOUR.md#generated-endpoints-and-write-semantics), so children go first on the
 * way down. decK puts plugins after routes because a plugin may reference a route; the plugins
 * this controller owns are all scoped to a service, so they can go before it. They must: in DB
 * mode Kong serves a route as soon as its workers take it up, and a route that is up before the
 * plugin that protects it is open to anyone in between
 * (kong-sim/KONG_BEHAVIOUR.md#when-a-write-reaches-the-proxy). For the same reason a plugin of a
 * service that stays is removed only after the writes (a switch from key-auth to jwt adds jwt
 * first): for a moment both apply, never neither.
 */
import { foreignId, type EntityKind } from '../kong/entities';
import type { PlanOp } from './types';

/** Level of each kind; entities of one level never depend on each other. */
export const LEVEL: Record<EntityKind, number> = {
  consumer: 0,
  service: 0,
  upstream: 0,
  plugin: 1,
  target: 1,
  'key-auth': 1,
  jwt: 1,
  acl: 1,
  route: 2,
};

/** Number of levels. */
export const LEVEL_COUNT = 3;

const KIND_RANK: Record<EntityKind, number> = {
  consumer: 0,
  service: 1,
  upstream: 2,
  plugin: 3,
  target: 4,
  'key-auth': 5,
  jwt: 6,
  acl: 7,
  route: 8,
};

function stable(a: PlanOp, b: PlanOp): number {
  return (
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    a.name.localeCompare(b.name) ||
    a.id.localeCompare(b.id)
  );
}

/**
 * Sorts ops into execution order: deletes bottom-up first, then creates and updates top-down,
 * then the deletes of plugins whose service stays (see above).
 */
export function orderOps(ops: readonly PlanOp[]): PlanOp[] {
  const servicesLeaving = new Set(
    ops.filter((op) => op.op === 'delete' && op.kind === 'service').map((op) => op.id),
  );
  const removesLast = (op: PlanOp): boolean =>
    op.op === 'delete' &&
    op.kind === 'plugin' &&
    !servicesLeaving.has(foreignId(op.body, 'service') ?? '');
  const deletes = ops
    .filter((op) => op.op === 'delete' && !removesLast(op))
    .sort((a, b) => LEVEL[b.kind] - LEVEL[a.kind] || stable(a, b));
  const writes = ops
    .filter((op) => op.op !== 'delete')
    .sort((a, b) => LEVEL[a.kind] - LEVEL[b.kind] || stable(a, b));
  const lastDeletes = ops.filter(removesLast).sort(stable);
  return [...deletes, ...writes, ...lastDeletes];
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
