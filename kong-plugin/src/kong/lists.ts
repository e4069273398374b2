/**
 * Conversions between plain Kong JSON lists (`{services: [...], routes: [...]}`, as read from the
 * Admin API or stored in test fixtures) and the planner's KongState.
 */
import { CONSUMER_TAG_PREFIX, SERVICE_TAG_PREFIX, tagValue } from '../naming';
import {
  COLLECTION_KEY,
  ENTITY_KINDS,
  emptyState,
  foreignId,
  type EntityKind,
  type KongBody,
  type KongState,
} from './entities';

/** Plain JSON lists keyed by Kong collection name; every key optional. */
export type KongLists = Partial<Record<string, KongBody[]>>;

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The human name of an entity, resolving foreign keys through `byId` for readable output. */
export function displayName(
  kind: EntityKind,
  body: KongBody,
  nameOf: (id: string) => string,
): string {
  const parent = (field: string): string => {
    const id = foreignId(body, field);
    return id === undefined ? '' : nameOf(id);
  };
  switch (kind) {
    case 'service':
    case 'route':
    case 'upstream':
      return str(body.name) || str(body.id);
    case 'consumer':
      return str(body.username) || str(body.custom_id) || str(body.id);
    case 'target':
      return `${parent('upstream')}/${str(body.target)}`;
    case 'plugin': {
      const scope = parent('route') || parent('service') || parent('consumer') || 'global';
      return `${scope}/${str(body.name)}`;
    }
    case 'key-auth':
    case 'jwt':
      return `${parent('consumer')}/${kind}:${str(body.id).slice(0, 8)}`;
    case 'acl':
      return `${parent('consumer')}/acl:${str(body.group)}`;
  }
}

/** Builds a state from plain lists; names come from the lists themselves. */
export function stateFromLists(lists: KongLists): KongState {
  const state = emptyState();
  const nameById = new Map<string, string>();
  for (const kind of ENTITY_KINDS) {
    for (const body of lists[COLLECTION_KEY[kind]] ?? []) {
      const name = str(body.name) || str(body.username);
      if (name) nameById.set(str(body.id), name);
    }
  }
  const nameOf = (id: string): string => nameById.get(id) ?? id;
  for (const kind of ENTITY_KINDS) {
    for (const body of lists[COLLECTION_KEY[kind]] ?? []) {
      const id = str(body.id);
      state[kind].set(id, {
        kind,
        id,
        name: displayName(kind, body, nameOf),
        service: tagValue(body.tags, SERVICE_TAG_PREFIX),
        consumer: tagValue(body.tags, CONSUMER_TAG_PREFIX),
        body,
      });
    }
  }
  return state;
}

/** Plain lists from a state, each sorted by id so fixtures and documents are stable. */
export function listsFromState(state: KongState): Record<string, KongBody[]> {
  const lists: Record<string, KongBody[]> = {};
  for (const kind of ENTITY_KINDS) {
    lists[COLLECTION_KEY[kind]] = [...state[kind].values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((entity) => entity.body);
  }
  return lists;
}
