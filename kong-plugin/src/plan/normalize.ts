/**
 * Puts an entity in canonical form before comparison, the same way on the desired and the current
 * side (decK `EqualWithOpts`): every known field present with Kong's default filled in, ids and
 * timestamps dropped, sets sorted, empty sets treated as absent, foreign keys reduced to `{id}`.
 * Fields Kong returns that we do not know about are ignored, so a newer Kong adding a field
 * does not make the planner update forever.
 */
import type { EntityKind, KongBody } from '../kong/entities';
import { ENTITY_DEFAULTS, PLUGIN_CONFIG_DEFAULTS, SET_FIELDS } from './defaults';

const FOREIGN_FIELDS = new Set(['service', 'route', 'consumer', 'upstream', 'client_certificate']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalizeSet(value: unknown): unknown {
  if (!Array.isArray(value)) return value ?? null;
  if (value.length === 0) return null;
  return [...new Set(value)].sort((a, b) => String(a).localeCompare(String(b)));
}

/**
 * Fills `defaults` into `value`, recursing into records. Keys outside `defaults` are kept only
 * when `keepExtra` (the desired side may set fields we have no default for, e.g. unknown plugins).
 */
function fill(value: unknown, defaults: unknown, key: string): unknown {
  if (isRecord(defaults)) {
    const source = isRecord(value) ? value : {};
    const out: Record<string, unknown> = {};
    for (const field of Object.keys(defaults).sort()) {
      out[field] = fill(source[field], defaults[field], field);
    }
    return out;
  }
  const chosen = value === undefined || value === null ? defaults : value;
  return SET_FIELDS.has(key) ? normalizeSet(chosen) : canonical(chosen);
}

/** Deterministic key order for records we have no defaults for (e.g. unknown plugin config). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isRecord(value)) return value ?? null;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = canonical(value[key]);
  return out;
}

function normalizeForeign(value: unknown): unknown {
  if (isRecord(value) && typeof value.id === 'string') return { id: value.id };
  return null;
}

/** Canonical form of one entity body of `kind`, ready for deep comparison. */
export function normalizeEntity(kind: EntityKind, body: KongBody): KongBody {
  const defaults = ENTITY_DEFAULTS[kind];
  const out: KongBody = {};
  for (const field of Object.keys(defaults).sort()) {
    if (FOREIGN_FIELDS.has(field)) {
      out[field] = normalizeForeign(body[field]);
    } else if (kind === 'plugin' && field === 'config') {
      const pluginName = typeof body.name === 'string' ? body.name : '';
      const configDefaults = PLUGIN_CONFIG_DEFAULTS[pluginName];
      out.config = configDefaults
        ? fill(body.config, configDefaults, 'config')
        : canonical(body.config);
    } else {
      out[field] = fill(body[field], defaults[field], field);
    }
  }
  // A grpc route cannot strip the path; Kong's default for it is false (Kong 3.9.3:
  // kong/db/schema/entities/routes_subschemas.lua).
  if (kind === 'route' && body.strip_path === undefined && isGrpcRoute(body))
    out.strip_path = false;
  // Kong generates a random secret for asymmetric jwt credentials; it is never used, so ignore it.
  if (kind === 'jwt' && !String(out.algorithm).startsWith('HS')) out.secret = null;
  return out;
}

function isGrpcRoute(body: KongBody): boolean {
  const protocols = body.protocols;
  return Array.isArray(protocols) && protocols.some((p) => p === 'grpc' || p === 'grpcs');
}

/** One changed field between two normalized bodies: `path` is dotted, e.g. `healthchecks.active.timeout`. */
export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** Field-level differences between two normalized bodies (empty when equal). */
export function diffBodies(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (isRecord(from) && isRecord(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => diffBodies(from[key], to[key], path ? `${path}.${key}` : key));
  }
  if (JSON.stringify(from ?? null) === JSON.stringify(to ?? null)) return [];
  return [{ path, from: from ?? null, to: to ?? null }];
}
