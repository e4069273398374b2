/**
 * The base file's global plugins (DBLESS_BASE_FILE, config we do not own), seen as unmanaged
 * entities of a DB-less node before the first push has put them there: a hand-made global
 * prometheus or log plugin in the base file keeps its scope, and ours gives way
 * (plan/yields.ts). Only top-level plugins of no service, route or consumer. Pure.
 */
import type { Entity } from '../kong/entities';

/** The base document's global plugins as unmanaged plugin entities. */
export function baseGlobalPlugins(base: Record<string, unknown>): Entity[] {
  const plugins = Array.isArray(base.plugins) ? (base.plugins as unknown[]) : [];
  const found: Entity[] = [];
  for (const item of plugins) {
    if (typeof item !== 'object' || item === null) continue;
    const body = item as Record<string, unknown>;
    if (typeof body.name !== 'string') continue;
    if (body.service != null || body.route != null || body.consumer != null) continue;
    found.push({
      kind: 'plugin',
      id: typeof body.id === 'string' ? body.id : `base:${body.name}`,
      name: `base/${body.name}`,
      service: undefined,
      consumer: undefined,
      body,
    });
  }
  return found;
}
