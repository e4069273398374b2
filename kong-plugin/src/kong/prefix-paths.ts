/**
 * How a registry prefix becomes a Kong route's `paths`, matching path segments the way a
 * Kubernetes Ingress `pathType: Prefix` does: `/orders` receives `/orders`, `/orders/` and
 * `/orders/...`, never `/orders-archive` or `/ordersX`. Kong matches plain paths as string
 * prefixes, so the route gets two paths, as Kong's own ingress controller writes them:
 *
 * - `/orders/`, a plain prefix: everything below the prefix. Among plain paths the longest wins
 *   (Kong 3.9.3: kong/router/transform.lua `get_priority`), so `/api/v2/` beats `/api/` and
 *   nested prefixes go to the most specific service.
 * - `~/orders$`, a regex (anchored at the start by Kong, kong/router/transform.lua
 *   `path_val_transform`; `$` ends it): the prefix itself. A regex path outranks every plain one,
 *   and two such paths can only both match when their prefixes are equal.
 *
 * With `strip_path`, Kong strips what matched (the whole regex match, or the plain path;
 * kong/router/atc.lua), so `/orders` and `/orders/` reach the service as `/` and `/orders/42` as
 * `/42`. Kong merges slashes before matching (kong/router/utils.lua `strip_uri_args`), so
 * `//orders` is `/orders`; matching is case-sensitive.
 */

/** Regex metacharacters a prefix may hold: prefixes are `/segment` of `[A-Za-z0-9._-]` only. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The route paths of a service published under `prefix`. */
export function prefixRoutePaths(prefix: string): string[] {
  return [`${prefix}/`, `~${escapeRegex(prefix)}$`];
}

/** The route paths of a service published under several prefixes: each one's pair, in order. */
export function prefixesRoutePaths(prefixes: readonly string[]): string[] {
  return prefixes.flatMap(prefixRoutePaths);
}

/**
 * The prefixes a route's paths stand for: the registry prefixes when they are pairs as above,
 * the path itself when there is one plain path (routes written before segment matching, or by
 * hand), else undefined.
 */
export function prefixesOfRoutePaths(paths: readonly string[]): string[] | undefined {
  if (paths.length === 1 && !paths[0]!.startsWith('~')) {
    const only = paths[0]!;
    return [only.length > 1 && only.endsWith('/') ? only.slice(0, -1) : only];
  }
  if (paths.length === 0 || paths.length % 2 !== 0) return undefined;
  const plain = paths.filter((p) => !p.startsWith('~'));
  if (plain.length !== paths.length / 2) return undefined;
  const prefixes: string[] = [];
  for (const path of plain) {
    if (path.length < 2 || !path.endsWith('/')) return undefined;
    const prefix = path.slice(0, -1);
    if (!paths.includes(prefixRoutePaths(prefix)[1]!)) return undefined;
    prefixes.push(prefix);
  }
  return prefixes;
}

/** The one prefix a route's paths stand for, or undefined (none, or several). */
export function prefixOfRoutePaths(paths: readonly string[]): string | undefined {
  const prefixes = prefixesOfRoutePaths(paths);
  return prefixes?.length === 1 ? prefixes[0] : undefined;
}

/** How `routes` and `explain` show a route's paths: `/orders (and /orders/...)` per prefix. */
export function describeRoutePaths(paths: readonly string[]): string {
  if (paths.length === 0) return '(no paths)';
  const prefixes = prefixesOfRoutePaths(paths);
  if (prefixes !== undefined && paths.length === 2 * prefixes.length)
    return prefixes.map((prefix) => `${prefix} (and ${prefix}/...)`).join(', ');
  return paths.join(', ');
}
