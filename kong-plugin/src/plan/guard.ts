/**
 * Mass-expiry guard. When a large share of a service's targets would go in one reconcile because
 * their leases expired (not because they deregistered), the likelier story is a registry or
 * network hiccup rather than a fleet dying at once, so the removals are held for a bounded time.
 * Deregistrations and drains are never held. Pure: the caller keeps `heldSince` between calls.
 */
import { INSTANCE_TAG_PREFIX, tagValue } from '../naming';
import type { PlanOp } from './types';

/** Guard settings (config: MASS_EXPIRY_*). */
export interface GuardOptions {
  /** Share of a service's targets above which expiry removals are held. */
  threshold: number;
  holdMs: number;
  /** Services with fewer current targets are never held. */
  minTargets: number;
}

/** Removals held back for one service. */
export interface HeldRemoval {
  service: string;
  targets: string[];
  heldForMs: number;
}

/** Input of guardMassExpiry. */
export interface GuardInput {
  ops: readonly PlanOp[];
  /** Current number of managed targets per service. */
  targetCounts: ReadonlyMap<string, number>;
  /** Why an instance left ('expired', 'deregistered', 'drained'), when an event said so. */
  reasonOf: (service: string, instanceId: string) => string | undefined;
  /** When holding started per service; updated in place. */
  heldSince: Map<string, number>;
  now: number;
  options: GuardOptions;
}

/** Removes held target deletes from `ops`; returns what is held. */
export function guardMassExpiry(input: GuardInput): { ops: PlanOp[]; held: HeldRemoval[] } {
  const expiredByService = new Map<string, PlanOp[]>();
  for (const op of input.ops) {
    if (op.op !== 'delete' || op.kind !== 'target' || op.service === undefined) continue;
    const instanceId = tagValue(op.body.tags, INSTANCE_TAG_PREFIX);
    if (instanceId === undefined || input.reasonOf(op.service, instanceId) !== 'expired') continue;
    const list = expiredByService.get(op.service) ?? [];
    list.push(op);
    expiredByService.set(op.service, list);
  }

  const heldOps = new Set<PlanOp>();
  const held: HeldRemoval[] = [];
  for (const [service, deletes] of expiredByService) {
    const total = input.targetCounts.get(service) ?? 0;
    const massive =
      total >= input.options.minTargets && deletes.length / total > input.options.threshold;
    if (!massive) continue;
    const since = input.heldSince.get(service) ?? input.now;
    const heldForMs = input.now - since;
    if (heldForMs >= input.options.holdMs) continue; // held long enough: let them go
    input.heldSince.set(service, since);
    deletes.forEach((op) => heldOps.add(op));
    held.push({ service, targets: deletes.map((op) => op.name), heldForMs });
  }
  for (const service of [...input.heldSince.keys()]) {
    if (!held.some((h) => h.service === service) && !expiredByService.has(service))
      input.heldSince.delete(service);
  }
  // A service whose last instances expired is removed whole; deleting its upstream would cascade
  // to the held targets, so every delete of a held service waits with them.
  const heldServices = new Set(held.map((h) => h.service));
  const keep = (op: PlanOp): boolean =>
    !heldOps.has(op) &&
    !(op.op === 'delete' && op.service !== undefined && heldServices.has(op.service));
  return { ops: input.ops.filter(keep), held };
}
