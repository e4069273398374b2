import { aclPlugin } from '../auth/acl';
import { jwtPlugin } from '../auth/jwt';
import { keyAuthPlugin } from '../auth/key-auth';
import type { AccessPlugin, AuthContext, PluginExit } from '../auth/types';
import type { PluginEntity } from '../store/types';
import { corsPlugin } from './traffic/cors';
import { createRateLimitingPlugin } from './traffic/rate-limiting';

/**
 * The runtime plugins kong-sim executes, highest priority first
 * (kong-sim/KONG_BEHAVIOUR.md#plugin-scope-and-priority); others are stored only. A fresh set per
 * proxy, because rate-limiting keeps counters.
 */
export function createAccessPlugins(): readonly AccessPlugin[] {
  return [corsPlugin, jwtPlugin, keyAuthPlugin, aclPlugin, createRateLimitingPlugin()].sort(
    (a, b) => b.priority - a.priority,
  );
}

type Scope = { route: string | null; service: string | null; consumer: string | null };

/** Scopes in Kong's lookup order, most specific first (K:kong/runloop/plugins_iterator.lua). */
function scopesFor(route: string | null, service: string | null, consumer: string | null): Scope[] {
  const all: Scope[] = [
    { route, service, consumer },
    { route, service: null, consumer },
    { route: null, service, consumer },
    { route, service, consumer: null },
    { route: null, service: null, consumer },
    { route, service: null, consumer: null },
    { route: null, service, consumer: null },
    { route: null, service: null, consumer: null },
  ];
  // A scope naming an entity the request does not have cannot match anything.
  return all.filter(
    (s) =>
      (s.route === null || route !== null) &&
      (s.service === null || service !== null) &&
      (s.consumer === null || consumer !== null),
  );
}

/** The plugin instance of `name` that applies, by scope precedence; disabled instances are skipped. */
export function resolvePlugin(
  plugins: readonly PluginEntity[],
  name: string,
  protocol: string,
  ids: { route: string | null; service: string | null; consumer: string | null },
): PluginEntity | undefined {
  const candidates = plugins.filter(
    (p) => p.name === name && p.enabled && p.protocols.includes(protocol),
  );
  for (const scope of scopesFor(ids.route, ids.service, ids.consumer)) {
    const found = candidates.find(
      (p) =>
        (p.route?.id ?? null) === scope.route &&
        (p.service?.id ?? null) === scope.service &&
        (p.consumer?.id ?? null) === scope.consumer,
    );
    if (found) return found;
  }
  return undefined;
}

/** Runs the access phase of every applicable plugin in priority order; the first exit wins. */
export function runAccessPhase(
  plugins: readonly PluginEntity[],
  runtimePlugins: readonly AccessPlugin[],
  ctx: AuthContext,
  ids: { route: string | null; service: string | null },
  protocol = 'http',
): PluginExit | undefined {
  for (const plugin of runtimePlugins) {
    const instance = resolvePlugin(plugins, plugin.name, protocol, {
      ...ids,
      consumer: ctx.consumer?.id ?? null,
    });
    if (!instance) continue;
    const exit = plugin.access(instance.config, ctx, instance.id);
    if (exit) return exit;
  }
  return undefined;
}
