/**
 * The Applier port (KIC `UpdateStrategy`): DB-backed Kong takes per-entity CRUD (DbApplier),
 * DB-less Kong takes one declarative document (DblessApplier), and tests use MemoryApplier.
 */
import { ErrorCodes, KongPluginError } from '../errors';
import type { EntityKind } from '../kong/entities';
import type { CurrentState, OpKind, Plan, PlanOp } from '../plan/types';

/** Everything an applier may need: the plan and the current state it was computed from. */
export interface ApplyInput {
  plan: Plan;
  current: CurrentState;
  /**
   * Hash of the whole desired state (`desiredStateHash`), given only when this plan carries
   * all of it: nothing held by the guard, nothing quarantined. An applier that can tell its node
   * still holds what it pushed for this hash may skip the next reads (see `holds`).
   */
  desiredHash?: string;
}

/** Outcome of one apply against one Kong node. */
export interface ApplyResult {
  /** Ops that Kong accepted. */
  applied: PlanOp[];
  /** Ops that failed; an op whose parent failed is skipped and reported too. */
  errors: ApplyError[];
  /** Admin API write requests sent. */
  writes: number;
  /** DB-less only: true when the document was unchanged and nothing was pushed. */
  skipped?: boolean;
}

/** Executes a plan against one Kong node. */
export interface Applier {
  /** Which node or mode this applier writes to, for logs. */
  readonly target: string;
  apply(input: ApplyInput): Promise<ApplyResult>;
  /**
   * True when the node provably still holds what was applied for `desiredHash`, so reading and
   * planning it again can be skipped. Only an applier that can prove it cheaply implements it.
   */
  holds?(desiredHash: string): Promise<boolean>;
  /**
   * What the node holds now against what was last pushed to it, from one cheap read (DB-less:
   * `GET /status`); rejects when the node cannot be reached. Only a whole-document applier, whose
   * node can lose everything in a restart, implements it (apply/node-watch.ts uses it).
   */
  configDrift?(): Promise<ConfigDrift>;
}

/**
 * A node's configuration against the last push: `current` (it holds what was pushed, or nothing
 * was pushed yet), `empty` (restarted without configuration) or `replaced` (someone else pushed).
 */
export interface ConfigDrift {
  state: 'current' | 'empty' | 'replaced';
  /** The node's configuration hash as it reported it. */
  hash: string;
}

/** One failed operation (decK `ActionError`): which op on which entity, and why. */
export class ApplyError extends KongPluginError {
  readonly op: OpKind;
  readonly kind: EntityKind;
  readonly entityName: string;

  constructor(op: PlanOp, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCodes.APPLY, `${op.op} ${op.kind} ${op.name}: ${why}`, { cause });
    this.op = op.op;
    this.kind = op.kind;
    this.entityName = op.name;
  }
}
