/**
 * What `routes` and `explain` read from Kong: every route, service, upstream and plugin (managed
 * or not), the node's settings, plus upstream health on demand.
 */
import type { KongAdminClient } from '../admin-api/client';
import { foreignId, type KongBody } from '../kong/entities';
import {
  pendingRouting,
  workerTimingOf,
  type PendingRouting,
  type WorkerTiming,
} from '../kong/propagation';

/** Kong's configuration as plain lists. */
export interface KongView {
  routes: KongBody[];
  services: KongBody[];
  upstreams: KongBody[];
  plugins: KongBody[];
  /** When the node's workers take up a write (from `GET /`). */
  timing: WorkerTiming;
}

/** Reads every route, service, upstream and plugin, and the node's settings. */
export async function readKongView(client: KongAdminClient): Promise<KongView> {
  const [routes, services, upstreams, plugins, node] = await Promise.all([
    client.listAll<KongBody>('/routes'),
    client.listAll<KongBody>('/services'),
    client.listAll<KongBody>('/upstreams'),
    client.listAll<KongBody>('/plugins'),
    client.get<KongBody>('/'),
  ]);
  return { routes, services, upstreams, plugins, timing: workerTimingOf(node) };
}

/**
 * Whether Kong's workers may not route `route` as the Admin API shows it yet: the route, its
 * service, or a plugin on either was written too recently for the node's settings.
 */
export function pendingFor(
  view: KongView,
  route: KongBody,
  nowMs: number,
): PendingRouting | undefined {
  const service = serviceOf(view, route);
  const serviceId = service ? String(service.id) : undefined;
  const plugins = view.plugins.filter(
    (p) =>
      foreignId(p, 'route') === String(route.id) ||
      (serviceId !== undefined && foreignId(p, 'service') === serviceId),
  );
  return pendingRouting(view.timing, [route, ...(service ? [service] : []), ...plugins], nowMs);
}

/** Auth plugins that apply to a route (route, then service, then global scope), e.g. `key-auth, acl(staff)`. */
export function authOf(view: KongView, route: KongBody): string[] {
  const routeId = String(route.id);
  const serviceId = foreignId(route, 'service');
  const byName = new Map<string, KongBody>();
  const scopes: ((p: KongBody) => boolean)[] = [
    (p) => foreignId(p, 'route') === routeId,
    (p) =>
      !foreignId(p, 'route') && serviceId !== undefined && foreignId(p, 'service') === serviceId,
    (p) => !foreignId(p, 'route') && !foreignId(p, 'service') && !foreignId(p, 'consumer'),
  ];
  for (const inScope of scopes) {
    for (const plugin of view.plugins) {
      const name = String(plugin.name);
      if (!byName.has(name) && plugin.enabled !== false && inScope(plugin))
        byName.set(name, plugin);
    }
  }
  const auth = ['key-auth', 'jwt', 'basic-auth', 'hmac-auth', 'oauth2', 'acl'];
  return [...byName.values()]
    .filter((p) => auth.includes(String(p.name)))
    .map((p) => {
      if (p.name !== 'acl') return String(p.name);
      const config = (p.config ?? {}) as { allow?: unknown; deny?: unknown };
      if (Array.isArray(config.allow)) return `acl(allow: ${config.allow.join(', ')})`;
      if (Array.isArray(config.deny)) return `acl(deny: ${config.deny.join(', ')})`;
      return 'acl';
    });
}

/** The service a route points at, if any. */
export function serviceOf(view: KongView, route: KongBody): KongBody | undefined {
  const id = foreignId(route, 'service');
  return id === undefined ? undefined : view.services.find((s) => s.id === id);
}

/** The upstream a service's host names, if any. */
export function upstreamOf(view: KongView, service: KongBody | undefined): KongBody | undefined {
  return service ? view.upstreams.find((u) => u.name === service.host) : undefined;
}

/** Target rows of `GET /upstreams/{u}/health` (empty when unreachable). */
export async function readUpstreamHealth(
  client: KongAdminClient,
  upstream: KongBody,
): Promise<KongBody[]> {
  try {
    return await client.listAll<KongBody>(`/upstreams/${String(upstream.id)}/health`);
  } catch {
    return [];
  }
}
