/**
 * The naming and tagging scheme (documented in kong-plugin/README.md). Names derive from registry
 * names and ids are UUIDv5 of those names, so a restarted controller computes the same ids and
 * plans nothing (KIC `FillIDs` does the same), and PUT-by-id upserts are safe to repeat.
 */
import { createHash } from 'node:crypto';

/** Default ownership tag: entities without it are never changed or deleted. */
export const DEFAULT_OWNERSHIP_TAG = 'managed-by:kong-registry';
/** Tag prefix naming the registry service an entity belongs to. */
export const SERVICE_TAG_PREFIX = 'kr-service:';
/** Tag prefix naming the registry consumer an entity belongs to. */
export const CONSUMER_TAG_PREFIX = 'kr-consumer:';
/** Tag prefix naming the registry instance behind a target (health feedback maps targets back). */
export const INSTANCE_TAG_PREFIX = 'kr-instance:';

/** Fixed namespace for our UUIDv5 ids; changing it would re-create every entity. */
const ID_NAMESPACE = 'b5a1f0e2-6c1d-4f0b-9a51-3d2f7e0c4a10';

/** RFC 4122 UUIDv5 (SHA-1, name-based). Small enough not to warrant a dependency. */
export function uuidV5(name: string, namespace: string = ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Kong names for the entities of one registry service. */
export const names = {
  service: (svc: string): string => svc,
  route: (svc: string): string => svc,
  upstream: (svc: string): string => `${svc}.upstream`,
  /** `host:port`, with IPv6 hosts in brackets as Kong normalises them. */
  target: (host: string, port: number): string =>
    host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`,
  /** A plugin of no service (Kong's global scope), as the plan shows it. */
  globalPlugin: (plugin: string): string => `global/${plugin}`,
};

/** Deterministic ids, one namespace string per kind so names never collide across kinds. */
export const ids = {
  service: (svc: string): string => uuidV5(`service:${svc}`),
  route: (svc: string): string => uuidV5(`route:${svc}`),
  upstream: (svc: string): string => uuidV5(`upstream:${svc}`),
  target: (svc: string, target: string): string => uuidV5(`target:${svc}:${target}`),
  plugin: (svc: string, plugin: string): string => uuidV5(`plugin:${svc}:${plugin}`),
  /** Registry service names cannot be empty, so `plugin::x` collides with no service's plugin. */
  globalPlugin: (plugin: string): string => uuidV5(`plugin::${plugin}`),
  consumer: (username: string): string => uuidV5(`consumer:${username}`),
  credential: (username: string, kind: string, credentialId: string): string =>
    uuidV5(`${kind}:${username}:${credentialId}`),
  acl: (username: string, group: string): string => uuidV5(`acl:${username}:${group}`),
};

/** Tags of an entity that belongs to a registry service. */
export function serviceTags(ownershipTag: string, svc: string, extra: string[] = []): string[] {
  return [ownershipTag, `${SERVICE_TAG_PREFIX}${svc}`, ...extra].sort();
}

/** Tags of an entity of no service or consumer (a global plugin): the ownership tag alone. */
export function globalTags(ownershipTag: string): string[] {
  return [ownershipTag];
}

/** Tags of an entity that belongs to a registry consumer. */
export function consumerTags(ownershipTag: string, username: string): string[] {
  return [ownershipTag, `${CONSUMER_TAG_PREFIX}${username}`].sort();
}

/** The value after `prefix` of the first tag that starts with it. */
export function tagValue(tags: unknown, prefix: string): string | undefined {
  if (!Array.isArray(tags)) return undefined;
  for (const tag of tags) {
    if (typeof tag === 'string' && tag.startsWith(prefix)) return tag.slice(prefix.length);
  }
  return undefined;
}

/** True when the entity carries the ownership tag. */
export function isOwned(tags: unknown, ownershipTag: string): boolean {
  return Array.isArray(tags) && tags.includes(ownershipTag);
}
