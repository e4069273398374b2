/**
 * Splits what was read from Kong into the entities we own (ownership tag) and the unmanaged
 * routes/services/upstreams/plugins the planner only checks for collisions. Pure.
 */
import { ENTITY_KINDS, emptyState, type Entity, type KongState } from '../kong/entities';
import { stateFromLists, type KongLists } from '../kong/lists';
import { isOwned } from '../naming';
import type { CurrentState } from '../plan/types';

const CHECKED_UNMANAGED = new Set(['route', 'service', 'upstream', 'plugin']);

/** Splits a full state into managed entities and the unmanaged ones that matter for conflicts. */
export function splitByOwnership(state: KongState, ownershipTag: string): CurrentState {
  const managed = emptyState();
  const unmanaged: Entity[] = [];
  for (const kind of ENTITY_KINDS) {
    for (const [id, entity] of state[kind]) {
      if (isOwned(entity.body.tags, ownershipTag)) managed[kind].set(id, entity);
      else if (CHECKED_UNMANAGED.has(kind)) unmanaged.push(entity);
    }
  }
  return { managed, unmanaged };
}

/** CurrentState from plain Kong lists (Admin API pages or a test fixture). */
export function currentFromLists(lists: KongLists, ownershipTag: string): CurrentState {
  return splitByOwnership(stateFromLists(lists), ownershipTag);
}
