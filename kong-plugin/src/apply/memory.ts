/**
 * An in-memory Kong for unit and property tests, and the "what will Kong hold after this plan"
 * computation the DB-less applier needs. Stored bodies look like the Admin API's output (every
 * field present, defaults filled, nulls kept, timestamps added), so re-planning against them
 * exercises normalize.ts the way a real Kong would.
 */
import { cloneState, type Entity, type KongBody, type KongState } from '../kong/entities';
import { ENTITY_DEFAULTS, PLUGIN_CONFIG_DEFAULTS } from '../plan/defaults';
import type { PlanOp } from '../plan/types';
import type { Applier, ApplyInput, ApplyResult } from './types';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withDefaults(value: unknown, defaults: unknown): unknown {
  if (!isRecord(defaults)) return value === undefined ? structuredClone(defaults) : value;
  const source = isRecord(value) ? value : {};
  const out: Record<string, unknown> = { ...source };
  for (const [key, def] of Object.entries(defaults)) out[key] = withDefaults(source[key], def);
  return out;
}

/** The body as Kong would echo it after a PUT of `body` (full replacement, defaults filled). */
export function kongify(entity: Entity, body: KongBody): KongBody {
  const out = withDefaults(body, ENTITY_DEFAULTS[entity.kind]) as KongBody;
  if (entity.kind === 'plugin' && typeof body.name === 'string') {
    const config = PLUGIN_CONFIG_DEFAULTS[body.name];
    if (config) out.config = withDefaults(body.config, config);
  }
  if (entity.kind === 'route' && body.strip_path === undefined) {
    const protocols = Array.isArray(body.protocols) ? body.protocols : [];
    if (protocols.includes('grpc') || protocols.includes('grpcs')) out.strip_path = false;
  }
  out.id = entity.id;
  out.created_at = 1_700_000_000;
  return out;
}

/** Applies ops to a copy of `state`; returns the new state. */
export function applyOpsToState(state: KongState, ops: readonly PlanOp[]): KongState {
  const next = cloneState(state);
  for (const op of ops) {
    if (op.op === 'delete') {
      next[op.kind].delete(op.id);
      continue;
    }
    const entity: Entity = {
      kind: op.kind,
      id: op.id,
      name: op.name,
      service: op.service,
      consumer: op.consumer,
      body: {},
    };
    entity.body = kongify(entity, op.body);
    next[op.kind].set(op.id, entity);
  }
  return next;
}

/** Applier over an in-memory state; `state` holds the result of every apply so far. */
export class MemoryApplier implements Applier {
  readonly target = 'memory';
  state: KongState;

  constructor(initial: KongState) {
    this.state = cloneState(initial);
  }

  apply(input: ApplyInput): Promise<ApplyResult> {
    this.state = applyOpsToState(this.state, input.plan.ops);
    return Promise.resolve({
      applied: [...input.plan.ops],
      errors: [],
      writes: input.plan.ops.length,
    });
  }
}
