/**
 * Reads Kong's current state through the Admin API: entities carrying the ownership tag (decK
 * `SelectorTags`), plus every route, service, upstream and plugin so the planner can see unmanaged ones
 * that collide. Lists page on `offset` with size 1000. Works in DB and DB-less mode alike. The
 * per-upstream target lists (one request per service) may be paced.
 */
import type { KongAdminClient } from '../admin-api/client';
import { errorStatus } from '../errors';
import { allSettledOrThrow, mapLimited } from '../apply/concurrency';
import type { Pacer } from '../http/pacing';
import type { KongBody } from '../kong/entities';
import type { KongLists } from '../kong/lists';
import { isOwned, SERVICE_TAG_PREFIX } from '../naming';
import type { CurrentState } from '../plan/types';
import { currentFromLists } from './split';

/** Target lists read at once: decK's default parallelism (one request per owned upstream). */
export const TARGET_READ_CONCURRENCY = 10;

/**
 * Every list the planner needs, as plain Kong JSON. The eight top-level lists are read at once;
 * the per-upstream target lists with at most `concurrency` in flight, so 5,000 upstreams do not
 * queue 5,000 requests (and their buffers) at the same moment.
 */
export async function readKongLists(
  client: KongAdminClient,
  ownershipTag: string,
  concurrency = TARGET_READ_CONCURRENCY,
  pace?: Pacer,
): Promise<KongLists> {
  const tag = encodeTag(ownershipTag);
  // On a failure every other list has ended too, so no read (and no retry) outlives this call.
  const [services, routes, upstreams, consumers, plugins, keyAuths, jwts, acls] =
    await allSettledOrThrow([
      client.listAll<KongBody>('/services'),
      client.listAll<KongBody>('/routes'),
      client.listAll<KongBody>('/upstreams'),
      client.listAll<KongBody>('/consumers', tag),
      client.listAll<KongBody>('/plugins'),
      client.listAll<KongBody>('/key-auths', tag),
      client.listAll<KongBody>('/jwts', tag),
      client.listAll<KongBody>('/acls', tag),
    ]);
  // Nested target lists ignore ?tags= (kong-sim/KONG_BEHAVIOUR.md#lists-paging-and-tags), so
  // filter them here.
  const owned = upstreams.filter((u) => isOwned(u.tags, ownershipTag));
  const targetLists = await mapLimited(owned, concurrency, (u) => upstreamTargets(client, u, pace));
  const targets = targetLists.flat().filter((t) => isOwned(t.tags, ownershipTag));
  return {
    services,
    routes,
    upstreams,
    consumers,
    plugins,
    keyauth_credentials: keyAuths,
    jwt_secrets: jwts,
    acls,
    targets,
  };
}

/**
 * The managed entities of `services` only: services, routes, upstreams and plugins listed by
 * the ownership tag AND each service's tag (Kong's `?tags=a,b`), then the targets of the
 * upstreams found. No consumers or credentials (they belong to no service), and no unmanaged
 * entities: the caller brings those from its last whole read.
 */
export async function readServiceLists(
  client: KongAdminClient,
  ownershipTag: string,
  services: readonly string[],
  concurrency = TARGET_READ_CONCURRENCY,
): Promise<KongLists> {
  const collections = ['services', 'routes', 'upstreams', 'plugins'] as const;
  const reads = services.flatMap((service) =>
    collections.map((collection) => ({
      collection,
      tags: `${encodeTag(ownershipTag)},${encodeTag(`${SERVICE_TAG_PREFIX}${service}`)}`,
    })),
  );
  const lists = await mapLimited(reads, concurrency * collections.length, (read) =>
    client.listAll<KongBody>(`/${read.collection}`, read.tags),
  );
  const found = (collection: string): KongBody[] =>
    reads.flatMap((read, i) => (read.collection === collection ? (lists[i] ?? []) : []));
  const upstreams = found('upstreams');
  const targetLists = await mapLimited(upstreams, concurrency, (u) => upstreamTargets(client, u));
  return {
    services: found('services'),
    routes: found('routes'),
    upstreams,
    plugins: found('plugins'),
    targets: targetLists.flat().filter((t) => isOwned(t.tags, ownershipTag)),
  };
}

/**
 * One upstream's targets. A 404 means the upstream went after it was listed (a per-service
 * reconcile removed it while a paced whole read went on): it has no targets, and the whole
 * reconcile leaves its service to the one that removed it.
 */
async function upstreamTargets(
  client: KongAdminClient,
  upstream: KongBody,
  pace?: Pacer,
): Promise<KongBody[]> {
  await pace?.turn();
  try {
    return await client.listAll<KongBody>(`/upstreams/${String(upstream.id)}/targets`);
  } catch (err) {
    if (errorStatus(err) === 404) return [];
    throw err;
  }
}

/** Tags are sent raw in the query; only the separators `,` and `/` would change its meaning. */
function encodeTag(tag: string): string {
  if (tag.includes(',') || tag.includes('/'))
    throw new Error(`ownership tag '${tag}' must not contain ',' or '/'`);
  return tag;
}

/** Current state of one Kong node, split into managed and unmanaged entities. */
export async function readCurrentState(
  client: KongAdminClient,
  ownershipTag: string,
  concurrency = TARGET_READ_CONCURRENCY,
  pace?: Pacer,
): Promise<CurrentState> {
  return currentFromLists(
    await readKongLists(client, ownershipTag, concurrency, pace),
    ownershipTag,
  );
}
