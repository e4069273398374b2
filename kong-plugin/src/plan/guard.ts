/**
 * Mass-expiry guard. When a large share of a service's targets would go in one reconcile because
 * their leases expired (not because they were deregistered, deleted or drained), the likelier
 * story is a registry or network hiccup rather than a fleet dying at once, so the removals are
 * held for a bounded time.
 *
 * Why an instance left is data, not timing: the registry snapshot carries a tombstone for every
 * recent removal, written with the removal and read with the instances, so the guard decides from
 * one snapshot. A target whose instance is gone without a tombstone (the registry's Redis came
 * back empty, or the removal is older than the registry keeps tombstones) counts as an expiry.
 *
 * A held service waits until its newest expiry is `holdMs` old, measured as a tombstone's `at`
 * against the snapshot's `generatedAt` (both the registry's clock), so a restarted controller
 * resumes a hold instead of starting over or forgetting it. A removal without a tombstone has no
 * time: it counts from when this controller first saw its service's mass removal
 * (`unexplainedSince`, the caller's clock). Pure: the caller keeps `unexplainedSince` between
 * calls.
 */
import type { StateSnapshot, Tombstone } from '@kong-registry/sdk';
import { INSTANCE_TAG_PREFIX, tagValue } from '../naming';
import type { PlanOp } from './types';

/** Guard settings (config: MASS_EXPIRY_*). */
export interface GuardOptions {
  /** Share of a service's targets above which expiry removals are held. */
  threshold: number;
  holdMs: number;
  /** Services with fewer current targets are never held. */
  minTargets: number;
  /**
   * Whether a removal without a tombstone counts as an expiry (default true). A one-shot `sync`
   * sets false: run from cron it meets removals older than the registry keeps tombstones, which
   * it would otherwise hold on every run, since each run starts its count afresh.
   */
  holdUnexplained?: boolean;
}

/** Removals held back for one service. */
export interface HeldRemoval {
  service: string;
  targets: string[];
  /** Age of the newest of them: they go `holdMs - heldForMs` from the snapshot. */
  heldForMs: number;
}

/** What the guard reads of a registry snapshot. */
export type GuardSnapshot = Pick<StateSnapshot, 'generatedAt' | 'services' | 'tombstones'>;

/** Input of guardMassExpiry. */
export interface GuardInput {
  ops: readonly PlanOp[];
  /** Current number of managed targets per service. */
  targetCounts: ReadonlyMap<string, number>;
  /** The snapshot the plan was made from: live instances, tombstones and their clock. */
  snapshot: GuardSnapshot;
  /**
   * Per service, when this controller first held removals without a tombstone (ms of `now`'s
   * clock); updated in place.
   */
  unexplainedSince: Map<string, number>;
  /** The controller's clock (ms); only removals without a tombstone are timed by it. */
  now: number;
  options: GuardOptions;
}

/** A target delete whose instance is gone, by lease expiry or for no recorded reason. */
interface Expiry {
  op: PlanOp;
  /** The tombstone's time (ms, registry clock); undefined without a tombstone. */
  at: number | undefined;
}

const memberOf = (service: string, instanceId: string): string => `${service}/${instanceId}`;

/** Removes held target deletes from `ops`; returns what is held. */
export function guardMassExpiry(input: GuardInput): { ops: PlanOp[]; held: HeldRemoval[] } {
  const deletes: { op: PlanOp; service: string; instanceId: string }[] = [];
  for (const op of input.ops) {
    if (op.op !== 'delete' || op.kind !== 'target' || op.service === undefined) continue;
    const instanceId = tagValue(op.body.tags, INSTANCE_TAG_PREFIX);
    if (instanceId !== undefined) deletes.push({ op, service: op.service, instanceId });
  }
  if (deletes.length === 0) {
    input.unexplainedSince.clear();
    return { ops: [...input.ops], held: [] };
  }

  const services = new Set(deletes.map((d) => d.service));
  const live = new Set<string>();
  for (const view of input.snapshot.services) {
    if (!services.has(view.name)) continue;
    for (const instance of view.instances) live.add(memberOf(view.name, instance.instanceId));
  }
  const tombstones = new Map<string, Tombstone>();
  for (const t of input.snapshot.tombstones) {
    if (services.has(t.service)) tombstones.set(memberOf(t.service, t.instanceId), t);
  }

  const expiriesByService = new Map<string, Expiry[]>();
  for (const { op, service, instanceId } of deletes) {
    const member = memberOf(service, instanceId);
    // A live instance whose target changed is not a removal.
    if (live.has(member)) continue;
    const tombstone = tombstones.get(member);
    if (tombstone && tombstone.reason !== 'expired') continue; // deliberate: never held
    if (!tombstone && input.options.holdUnexplained === false) continue;
    const list = expiriesByService.get(service) ?? [];
    list.push({ op, at: tombstone ? Date.parse(tombstone.at) : undefined });
    expiriesByService.set(service, list);
  }

  const snapshotAt = Date.parse(input.snapshot.generatedAt);
  const { holdMs, minTargets, threshold } = input.options;
  const heldOps = new Set<PlanOp>();
  const held: HeldRemoval[] = [];
  const unexplained = new Set<string>();
  for (const [service, expiries] of expiriesByService) {
    const total = input.targetCounts.get(service) ?? 0;
    const massive = total >= minTargets && expiries.length / total > threshold;
    if (!massive) continue;
    let since: number | undefined;
    if (expiries.some((e) => e.at === undefined)) {
      since = input.unexplainedSince.get(service) ?? input.now;
      unexplained.add(service);
      input.unexplainedSince.set(service, since);
    }
    const ageOf = (e: Expiry): number =>
      e.at === undefined ? input.now - (since ?? input.now) : Math.max(0, snapshotAt - e.at);
    const newest = expiries.reduce((min, e) => Math.min(min, ageOf(e)), Infinity);
    if (newest >= holdMs) continue; // held long enough: let them go
    expiries.forEach((e) => heldOps.add(e.op));
    held.push({ service, targets: expiries.map((e) => e.op.name), heldForMs: newest });
  }
  for (const service of [...input.unexplainedSince.keys()]) {
    if (!unexplained.has(service)) input.unexplainedSince.delete(service);
  }
  // A service whose last instances expired is removed whole; deleting its upstream would cascade
  // to the held targets, so every delete of a held service waits with them.
  const heldServices = new Set(held.map((h) => h.service));
  const keep = (op: PlanOp): boolean =>
    !heldOps.has(op) &&
    !(op.op === 'delete' && op.service !== undefined && heldServices.has(op.service));
  return { ops: input.ops.filter(keep), held };
}

/**
 * The guard on a plan that covers only some services (a per-service reconcile, or a whole one
 * that leaves some out). The guard forgets the services it sees nothing held for, so it gets the
 * covered part of `memory` only, and only that part is written back.
 */
export function guardCovered(
  input: Omit<GuardInput, 'unexplainedSince'>,
  memory: Map<string, number>,
  covers: (service: string) => boolean,
): { ops: PlanOp[]; held: HeldRemoval[] } {
  const part = new Map([...memory].filter(([service]) => covers(service)));
  const guarded = guardMassExpiry({ ...input, unexplainedSince: part });
  for (const service of [...memory.keys()]) if (covers(service)) memory.delete(service);
  for (const [service, since] of part) memory.set(service, since);
  return guarded;
}
