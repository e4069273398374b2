/**
 * DB-mode executor (decK `pkg/diff/diff.go` `Run`): batches of one level run with bounded
 * concurrency, batches run in plan order. Creates and updates are PUT-by-id upserts (safe to
 * repeat); targets are created with POST because their PUT is not an upsert (Kong 3.9.3:
 * kong/api/routes/upstreams.lua answers 404 for a target it does not have).
 * A failed parent skips its children; a failed child delete keeps its parent.
 */
import type { KongAdminClient } from '../admin-api/client';
import { isKongStatus } from '../admin-api/errors';
import { foreignId, type KongBody } from '../kong/entities';
import { batchByLevel } from '../plan/order';
import type { PlanOp } from '../plan/types';
import { forEachLimited } from './concurrency';
import { ApplyError, type Applier, type ApplyInput, type ApplyResult } from './types';

const REFERENCE_FIELDS = ['service', 'route', 'consumer', 'upstream'] as const;

function requireRef(op: PlanOp, field: string): string {
  const id = foreignId(op.body, field);
  if (!id) throw new Error(`${op.kind} ${op.name} has no ${field} reference`);
  return id;
}

/** Admin API path of one entity. */
export function entityPath(op: PlanOp): string {
  switch (op.kind) {
    case 'service':
      return `/services/${op.id}`;
    case 'route':
      return `/routes/${op.id}`;
    case 'upstream':
      return `/upstreams/${op.id}`;
    case 'consumer':
      return `/consumers/${op.id}`;
    case 'plugin':
      return `/plugins/${op.id}`;
    case 'target':
      return `/upstreams/${requireRef(op, 'upstream')}/targets/${op.id}`;
    case 'key-auth':
      return `/consumers/${requireRef(op, 'consumer')}/key-auth/${op.id}`;
    case 'jwt':
      return `/consumers/${requireRef(op, 'consumer')}/jwt/${op.id}`;
    case 'acl':
      return `/consumers/${requireRef(op, 'consumer')}/acls/${op.id}`;
  }
}

/** Options of DbApplier. */
export interface DbApplierOptions {
  /** Requests in flight within one level. @default 10 */
  concurrency?: number;
  /** Called before every batch; throws to stop writing (e.g. the leader lock was lost). */
  beforeBatch?: () => Promise<void>;
  onOp?: (op: PlanOp, error?: ApplyError) => void;
}

/** Applies a plan to a DB-backed Kong through per-entity Admin API calls. */
export class DbApplier implements Applier {
  readonly target: string;

  constructor(
    private readonly client: KongAdminClient,
    private readonly options: DbApplierOptions = {},
  ) {
    this.target = client.baseUrl;
  }

  async apply({ plan }: ApplyInput): Promise<ApplyResult> {
    const applied: PlanOp[] = [];
    const errors: ApplyError[] = [];
    const failedWrites = new Map<string, PlanOp>();
    const failedDeletes: PlanOp[] = [];
    const writesBefore = this.client.writes;

    for (const batch of batchByLevel(plan.ops)) {
      await this.options.beforeBatch?.();
      await forEachLimited(batch, this.options.concurrency ?? 10, async (op) => {
        const blocker = this.blockedBy(op, failedWrites, failedDeletes);
        if (blocker) {
          const error = new ApplyError(op, new Error(`skipped: ${blocker} failed`));
          errors.push(error);
          if (op.op === 'delete') failedDeletes.push(op);
          else failedWrites.set(op.id, op);
          this.options.onOp?.(op, error);
          return;
        }
        try {
          await this.execute(op);
          applied.push(op);
          this.options.onOp?.(op);
        } catch (err) {
          const error = new ApplyError(op, err);
          errors.push(error);
          if (op.op === 'delete') failedDeletes.push(op);
          else failedWrites.set(op.id, op);
          this.options.onOp?.(op, error);
        }
      });
    }
    return { applied, errors, writes: this.client.writes - writesBefore };
  }

  private blockedBy(
    op: PlanOp,
    failedWrites: ReadonlyMap<string, PlanOp>,
    failedDeletes: PlanOp[],
  ): string | undefined {
    if (op.op === 'delete') {
      const child = failedDeletes.find((d) =>
        REFERENCE_FIELDS.some((f) => foreignId(d.body, f) === op.id),
      );
      return child ? `delete of ${child.kind} ${child.name}` : undefined;
    }
    for (const field of REFERENCE_FIELDS) {
      const ref = foreignId(op.body, field);
      if (ref && failedWrites.has(ref)) return `write of its ${field}`;
    }
    // Fail closed: a route is not written while a plugin guarding its service failed to be.
    if (op.kind === 'route') {
      const service = foreignId(op.body, 'service');
      for (const failed of failedWrites.values())
        if (failed.kind === 'plugin' && service && foreignId(failed.body, 'service') === service)
          return `write of its service's plugin ${failed.name}`;
    }
    return undefined;
  }

  private async execute(op: PlanOp): Promise<void> {
    const path = entityPath(op);
    if (op.op === 'delete') {
      try {
        await this.client.delete(path);
      } catch (err) {
        // Nested deletes answer 404 when the parent already cascaded them away (Kong 3.9.3:
        // kong/api/endpoints.lua `delete_entity_endpoint`).
        if (!isKongStatus(err, 404)) throw err;
      }
      return;
    }
    const body: KongBody = { ...op.body, id: op.id };
    if (op.kind === 'target' && op.op === 'create') {
      await this.client.post(`/upstreams/${requireRef(op, 'upstream')}/targets`, body);
      return;
    }
    await this.client.put(path, body);
  }
}
