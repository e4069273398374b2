/**
 * A differ for one entity kind (decK `pkg/types/service.go`): `createsAndUpdates` walks the
 * desired side, `deletes` walks the current side. Entities are matched by id, which is
 * deterministic for everything we create (naming.ts).
 */
import type { Entity, EntityKind, KongState } from '../../kong/entities';
import { diffBodies, normalizeEntity } from '../normalize';
import type { PlanOp } from '../types';

/** Diffs one kind of entity. */
export interface Differ {
  kind: EntityKind;
  createsAndUpdates(desired: KongState, current: KongState): PlanOp[];
  deletes(desired: KongState, current: KongState): PlanOp[];
}

function op(kind: PlanOp['op'], entity: Entity, extra: Partial<PlanOp> = {}): PlanOp {
  return {
    op: kind,
    kind: entity.kind,
    id: entity.id,
    name: entity.name,
    service: entity.service,
    consumer: entity.consumer,
    body: entity.body,
    changes: [],
    ...extra,
  };
}

/** The default differ: normalize both sides, compare, emit create/update/delete. */
export function makeDiffer(kind: EntityKind): Differ {
  return {
    kind,
    createsAndUpdates(desired, current) {
      const ops: PlanOp[] = [];
      for (const want of desired[kind].values()) {
        const have = current[kind].get(want.id);
        if (!have) {
          ops.push(op('create', want));
          continue;
        }
        const changes = diffBodies(
          normalizeEntity(kind, have.body),
          normalizeEntity(kind, want.body),
        );
        if (changes.length > 0) ops.push(op('update', want, { previous: have.body, changes }));
      }
      return ops;
    },
    deletes(desired, current) {
      const ops: PlanOp[] = [];
      for (const have of current[kind].values()) {
        if (!desired[kind].has(have.id)) ops.push(op('delete', have, { previous: have.body }));
      }
      return ops;
    },
  };
}
