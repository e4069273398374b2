/** Types of the planner's output. */
import type { Entity, EntityKind, KongBody, KongState } from '../kong/entities';
import type { FieldChange } from './normalize';
import type { YieldedPlugin } from './yields';

/** What to do with one entity. */
export type OpKind = 'create' | 'update' | 'delete';

/** One planned change (decK's CRUD event): the entity it is about, and what to do with it. */
export interface PlanOp extends Entity {
  op: OpKind;
  /** Desired body for create/update (sent as is); the current body for delete. */
  body: KongBody;
  /** Current body, for update and delete. */
  previous?: KongBody;
  /** Field-level changes (update only), for decK-style output. */
  changes: FieldChange[];
}

/** A registry service that cannot be applied because something we do not own is in the way. */
export interface Conflict {
  service: string;
  reason: string;
  /** The unmanaged Kong entity in the way. */
  entity: { kind: EntityKind; id: string; name: string };
}

/** What the planner knows about Kong: managed entities plus unmanaged ones that may collide. */
export interface CurrentState {
  /** Entities carrying the ownership tag. */
  managed: KongState;
  /** Routes, services and upstreams without the ownership tag (never changed, only checked). */
  unmanaged: Entity[];
}

/** The planner's output. Ops are in execution order: deletes bottom-up, then creates/updates top-down. */
export interface Plan {
  ops: PlanOp[];
  conflicts: Conflict[];
  /** Services and consumers left as they are in Kong (translation failure or conflict). */
  quarantined: { services: string[]; consumers: string[] };
  /** Our telemetry plugins left out because a hand-made one holds their scope (./yields.ts). */
  yielded: YieldedPlugin[];
}

/** Counts per op kind. */
export interface PlanSummary {
  created: number;
  updated: number;
  deleted: number;
}

/** Counts of a plan's ops. */
export function summarizePlan(ops: readonly PlanOp[]): PlanSummary {
  return {
    created: ops.filter((o) => o.op === 'create').length,
    updated: ops.filter((o) => o.op === 'update').length,
    deleted: ops.filter((o) => o.op === 'delete').length,
  };
}
