/**
 * Finds registry services that would collide with Kong entities we do not own: an unmanaged
 * route that already claims the same prefix (two routes on one prefix make Kong's choice depend
 * on UUID order, kong-sim/KONG_BEHAVIOUR.md#route-priority rule 7), an unmanaged
 * service/route/upstream holding the name we
 * would use, or an unmanaged plugin of the same name on our service (Kong would answer 409). Such services are quarantined, never clobbered.
 */
import { TELEMETRY_PLUGINS } from '../desired/telemetry';
import { foreignId, type Entity, type KongState } from '../kong/entities';
import { prefixesOfRoutePaths } from '../kong/prefix-paths';
import type { Conflict } from './types';

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Conflicts between the desired routes/services/upstreams and unmanaged Kong entities. */
export function findConflicts(desired: KongState, unmanaged: readonly Entity[]): Conflict[] {
  const conflicts: Conflict[] = [];
  const ref = (e: Entity): Conflict['entity'] => ({ kind: e.kind, id: e.id, name: e.name });
  for (const route of desired.route.values()) {
    const svc = route.service;
    if (svc === undefined) continue;
    const prefixes = prefixesOfRoutePaths(stringList(route.body.paths)) ?? [];
    for (const other of unmanaged) {
      if (other.kind !== 'route') continue;
      // A hand-made route on one of the prefixes, written either way (`/orders`, `/orders/`,
      // the pair).
      const paths = stringList(other.body.paths);
      const theirs = prefixesOfRoutePaths(paths) ?? [];
      const claimed = prefixes.find(
        (prefix) =>
          theirs.includes(prefix) || paths.some((p) => p === prefix || p === `${prefix}/`),
      );
      if (claimed !== undefined) {
        conflicts.push({
          service: svc,
          reason: `unmanaged route '${other.name}' already claims prefix '${claimed}'`,
          entity: ref(other),
        });
      }
    }
  }
  for (const kind of ['service', 'route', 'upstream'] as const) {
    for (const want of desired[kind].values()) {
      if (want.service === undefined) continue;
      const other = unmanaged.find(
        (e) => e.kind === kind && e.body.name === want.body.name && e.id !== want.id,
      );
      if (other) {
        conflicts.push({
          service: want.service,
          reason: `an unmanaged ${kind} is already named '${String(want.body.name)}'`,
          entity: ref(other),
        });
      }
    }
  }
  // Kong allows one plugin of a name per scope (the `cache_key` of Kong 3.9.3's
  // kong/db/schema/entities/plugins.lua): a hand-made one on our service wins.
  for (const want of desired.plugin.values()) {
    // Telemetry plugins give way instead (./yields.ts).
    if (want.service === undefined || TELEMETRY_PLUGINS.has(String(want.body.name))) continue;
    const serviceId = foreignId(want.body, 'service');
    const other = unmanaged.find(
      (e) =>
        e.kind === 'plugin' &&
        e.body.name === want.body.name &&
        foreignId(e.body, 'service') === serviceId &&
        !foreignId(e.body, 'route') &&
        !foreignId(e.body, 'consumer'),
    );
    if (other) {
      conflicts.push({
        service: want.service,
        reason: `an unmanaged ${String(want.body.name)} plugin is already on service '${want.service}'`,
        entity: ref(other),
      });
    }
  }
  return conflicts;
}
