/**
 * Hand-made telemetry plugins win. Kong holds one plugin of a name per scope (the `cache_key` of
 * Kong 3.9.3's kong/db/schema/entities/plugins.lua), so when an unmanaged prometheus, http-log or
 * file-log already sits in the scope one of ours would take (global, or a service's), ours is left
 * out of the plan: no second one, no write Kong would refuse, and the hand-made one untouched.
 * Unlike an auth plugin's collision (plan/conflicts.ts) this quarantines nothing. Pure.
 */
import { TELEMETRY_PLUGINS } from '../desired/telemetry';
import { foreignId, type Entity, type KongState } from '../kong/entities';

/** One of our plugins left out because a hand-made one holds its scope. */
export interface YieldedPlugin {
  /** Our plugin's id and name (`global/prometheus`, `orders/http-log`). */
  id: string;
  name: string;
  plugin: string;
  /** The registry service it would be on; undefined for a global one. */
  service: string | undefined;
  /** The unmanaged plugin that holds the scope. */
  entity: { kind: 'plugin'; id: string; name: string };
}

/** `name|service|route|consumer`: one plugin per key in Kong. */
function scopeKey(body: Entity['body']): string {
  return [
    String(body.name),
    foreignId(body, 'service') ?? '',
    foreignId(body, 'route') ?? '',
    foreignId(body, 'consumer') ?? '',
  ].join('|');
}

/** Our telemetry plugins whose scope an unmanaged plugin of the same name already holds. */
export function findYields(desired: KongState, unmanaged: readonly Entity[]): YieldedPlugin[] {
  const held = new Map<string, Entity>();
  for (const other of unmanaged)
    if (other.kind === 'plugin' && TELEMETRY_PLUGINS.has(String(other.body.name)))
      held.set(scopeKey(other.body), other);
  const yields: YieldedPlugin[] = [];
  for (const want of desired.plugin.values()) {
    if (!TELEMETRY_PLUGINS.has(String(want.body.name))) continue;
    const other = held.get(scopeKey(want.body));
    if (!other || other.id === want.id) continue;
    yields.push({
      id: want.id,
      name: want.name,
      plugin: String(want.body.name),
      service: want.service,
      entity: { kind: 'plugin', id: other.id, name: other.name },
    });
  }
  return yields.sort((a, b) => a.name.localeCompare(b.name));
}
