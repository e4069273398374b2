/**
 * The Kong entities this control plane manages, in one uniform shape so that the planner, the
 * appliers and the in-memory Kong used by tests can treat every kind alike (decK keeps one state
 * table per kind; we keep one map per kind, keyed by id).
 */

/** Kinds of entity we create. Credentials are split by DAO because each has its own Admin path. */
export type EntityKind =
  'consumer' | 'service' | 'upstream' | 'route' | 'target' | 'key-auth' | 'jwt' | 'acl' | 'plugin';

/** Every kind, in create order (see plan/order.ts). */
export const ENTITY_KINDS: readonly EntityKind[] = [
  'consumer',
  'service',
  'upstream',
  'route',
  'target',
  'key-auth',
  'jwt',
  'acl',
  'plugin',
];

/** A Kong entity as JSON, exactly as the Admin API would accept or return it. */
export type KongBody = Record<string, unknown>;

/** One entity plus the bookkeeping the planner needs. */
export interface Entity {
  kind: EntityKind;
  /** Kong id; deterministic for the entities we create (naming.ts). */
  id: string;
  /** Human name for output: `orders`, `orders.upstream/10.0.0.1:8080`, `alice/acl:staff`. */
  name: string;
  /** Registry service this entity belongs to (from the `kr-service:` tag), if any. */
  service: string | undefined;
  /** Registry consumer this entity belongs to (from the `kr-consumer:` tag), if any. */
  consumer: string | undefined;
  body: KongBody;
}

/** A set of entities, one map per kind keyed by id. */
export type KongState = Record<EntityKind, Map<string, Entity>>;

/** An empty state. */
export function emptyState(): KongState {
  const state = {} as KongState;
  for (const kind of ENTITY_KINDS) state[kind] = new Map();
  return state;
}

/** Deep copy, so that appliers that mutate state never touch the caller's copy. */
export function cloneState(state: KongState): KongState {
  const copy = emptyState();
  for (const kind of ENTITY_KINDS) {
    for (const [id, entity] of state[kind]) {
      copy[kind].set(id, { ...entity, body: structuredClone(entity.body) });
    }
  }
  return copy;
}

/** Every entity of a state, in create order. */
export function allEntities(state: KongState): Entity[] {
  return ENTITY_KINDS.flatMap((kind) => [...state[kind].values()]);
}

/** Number of entities in a state. */
export function countEntities(state: KongState): number {
  return ENTITY_KINDS.reduce((sum, kind) => sum + state[kind].size, 0);
}

/** The `{id}` of a foreign key field, or undefined when unset. */
export function foreignId(body: KongBody, field: string): string | undefined {
  const ref = body[field];
  if (ref && typeof ref === 'object' && 'id' in ref) {
    const id = (ref as { id: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

/** Kong's JSON key for each kind in a declarative document / plain-JSON fixture. */
export const COLLECTION_KEY: Record<EntityKind, string> = {
  consumer: 'consumers',
  service: 'services',
  upstream: 'upstreams',
  route: 'routes',
  target: 'targets',
  'key-auth': 'keyauth_credentials',
  jwt: 'jwt_secrets',
  acl: 'acls',
  plugin: 'plugins',
};
