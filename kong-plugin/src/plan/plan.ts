/**
 * The planner: `planChanges(desired, current)` -> ordered operations. Pure. Services that failed
 * translation or conflict with unmanaged entities are quarantined: their entities are taken out
 * of both sides, so whatever Kong has for them stays as it is and nobody else is blocked.
 */
import type { DesiredState } from '../desired/types';
import { emptyState, ENTITY_KINDS, type Entity, type KongState } from '../kong/entities';
import { findConflicts } from './conflicts';
import { DIFFERS } from './entities';
import { orderOps } from './order';
import type { CurrentState, Plan } from './types';
import { findYields } from './yields';

function withoutQuarantined(
  state: KongState,
  services: ReadonlySet<string>,
  consumers: ReadonlySet<string>,
): KongState {
  const kept = emptyState();
  const quarantined = (e: Entity): boolean =>
    (e.service !== undefined && services.has(e.service)) ||
    (e.consumer !== undefined && consumers.has(e.consumer));
  for (const kind of ENTITY_KINDS) {
    for (const [id, entity] of state[kind]) if (!quarantined(entity)) kept[kind].set(id, entity);
  }
  return kept;
}

/** `state` without the entities of `services`. */
export function omitServices(state: KongState, services: ReadonlySet<string>): KongState {
  return withoutQuarantined(state, services, new Set());
}

/** Plans the operations that turn `current` into `desired`. */
export function planChanges(desired: DesiredState, current: CurrentState): Plan {
  const conflicts = findConflicts(desired.state, current.unmanaged);
  const services = new Set<string>();
  const consumers = new Set<string>();
  for (const failure of desired.failures) {
    if (failure.service !== undefined) services.add(failure.service);
    if (failure.consumer !== undefined) consumers.add(failure.consumer);
  }
  for (const conflict of conflicts) services.add(conflict.service);

  const want = withoutQuarantined(desired.state, services, consumers);
  const yielded = findYields(want, current.unmanaged);
  for (const y of yielded) want.plugin.delete(y.id);
  const have = withoutQuarantined(current.managed, services, consumers);
  const ops = DIFFERS.flatMap((differ) => [
    ...differ.deletes(want, have),
    ...differ.createsAndUpdates(want, have),
  ]);
  return {
    ops: orderOps(ops),
    conflicts,
    quarantined: { services: [...services].sort(), consumers: [...consumers].sort() },
    yielded,
  };
}
