/**
 * Reads Kong's current state through the Admin API: entities carrying the ownership tag (decK
 * `SelectorTags`), plus every route, service, upstream and plugin so the planner can see unmanaged ones
 * that collide. Lists page on `offset` with size 1000. Works in DB and DB-less mode alike.
 */
import type { KongAdminClient } from '../admin-api/client';
import { allSettledOrThrow, mapLimited } from '../apply/concurrency';
import type { KongBody } from '../kong/entities';
import type { KongLists } from '../kong/lists';
import { isOwned } from '../naming';
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
  const targetLists = await mapLimited(owned, concurrency, (u) =>
    client.listAll<KongBody>(`/upstreams/${String(u.id)}/targets`),
  );
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
): Promise<CurrentState> {
  return currentFromLists(await readKongLists(client, ownershipTag, concurrency), ownershipTag);
}
