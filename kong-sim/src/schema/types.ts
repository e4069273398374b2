/**
 * A small model of Kong's schema language (K:kong/db/schema/init.lua): enough to fill defaults,
 * validate with Kong's messages, and serve `/schemas/{entity}` in Kong's shape.
 */
import type { EntityKind } from '../store/types';

/** Field types Kong's schemas use; `foreign` is a reference to another entity's primary key. */
export type FieldType =
  'string' | 'integer' | 'number' | 'boolean' | 'array' | 'set' | 'map' | 'record' | 'foreign';

/** One field. Functions (`custom`) are stripped when the schema is served. */
export interface FieldDef {
  type: FieldType;
  required?: boolean;
  default?: unknown;
  one_of?: readonly (string | number)[];
  between?: readonly [number, number];
  gt?: number;
  len_min?: number;
  starts_with?: string;
  unique?: boolean;
  auto?: boolean;
  uuid?: boolean;
  timestamp?: boolean;
  /** Referenced entity (foreign fields). */
  reference?: string;
  on_delete?: 'cascade' | 'restrict';
  /** Set by Kong for fields that must stay null (e.g. `consumer` on key-auth plugins). */
  eq?: null;
  elements?: FieldDef;
  keys?: FieldDef;
  values?: FieldDef;
  fields?: FieldList;
  description?: string;
  /** Extra rule on a non-null value: returns Kong's error message, or undefined when valid. */
  custom?: (value: unknown) => string | undefined;
  /** Rewrites a valid value before it is stored (e.g. a target without port gets `:8000`). */
  normalize?: (value: unknown) => unknown;
  /** Input-only fields of a record, translated on writes (kong-sim/src/schema/shorthands.ts). */
  shorthand_fields?: ShorthandFieldList;
  /** Set on deprecated fields (shorthands: where the value lives now). */
  deprecation?: Deprecation;
  /** Served only: the field may hold a vault reference (kong-sim does not resolve them). */
  referenceable?: boolean;
  /** Served only: encrypted at rest by Kong Enterprise (nothing in OSS). */
  encrypted?: boolean;
  /** Served only: the message Kong gives for this field's own pattern (`custom` enforces it). */
  err?: string;
}

/**
 * A deprecated field (K:kong/db/schema/metaschema.lua, the `deprecation` record): a shorthand's
 * `replaced_with[0].path` is the field that now holds the value; a plain field that still exists
 * may name the default it had (`old_default`).
 */
export interface Deprecation {
  replaced_with?: ReadonlyArray<{ path: readonly string[] }>;
  message: string;
  removal_in_version: string;
  old_default?: unknown;
}

/** A shorthand field: validated like a field, then `func` turns its value into real fields. */
export interface ShorthandDef extends FieldDef {
  func: (value: unknown) => Row;
}

/** A record's `shorthand_fields`, an ordered array of one-key objects like a FieldList. */
export type ShorthandFieldList = ReadonlyArray<Readonly<Record<string, ShorthandDef>>>;

/** Kong writes field lists as an ordered array of one-key objects; so do we. */
export type FieldList = ReadonlyArray<Readonly<Record<string, FieldDef>>>;

/** A record being validated or stored (plain JSON). */
export type Row = Record<string, unknown>;

/** Cross-field errors: `@entity` messages, and messages attached to a field path. */
export interface CheckResult {
  entity?: string[];
  fields?: Record<string, string>;
}

/** An entity schema: fields plus the DAO facts that endpoints and the DAO need. */
export interface EntitySchema {
  name: EntityKind;
  fields: FieldList;
  /** Field accepted as `{x}` in URLs when `{x}` is not a UUID (K:kong/api/endpoints.lua). */
  endpointKey?: string;
  /** Composite uniqueness (Kong's cache_key), e.g. plugins `(name, route, service, consumer)`. */
  cacheKey?: readonly string[];
  /** Admin API collection path; undefined when Kong generates no top-level endpoints. */
  adminPath?: string;
  /** Targets keep float-second timestamps (K:kong/db/schema/entities/targets.lua). */
  floatTimestamps?: boolean;
  /** Serializable entity checks, served as-is by `/schemas/{entity}`. */
  entityChecks?: readonly unknown[];
  /** Cross-field validation on the full (defaults-filled) entity. */
  check?: (row: Row) => CheckResult | undefined;
  /** Input rewrites applied before validation (service `url`, upstream algorithm/hash_on). */
  shorthands?: (input: Row, existing?: Row) => Row;
  /** Per-row field list (plugins: `config` depends on the plugin name). */
  fieldsFor?: (input: Row) => FieldList;
  /** Fields accepted in input but never stored or returned (e.g. `url`). */
  writeOnly?: readonly string[];
}

const entriesCache = new WeakMap<FieldList, ReadonlyArray<readonly [string, FieldDef]>>();

/** Iterates a FieldList as `[name, def]` pairs (computed once per list: schemas never change). */
export function fieldEntries(list: FieldList): ReadonlyArray<readonly [string, FieldDef]> {
  let out = entriesCache.get(list);
  if (!out) {
    const pairs: Array<readonly [string, FieldDef]> = [];
    for (const item of list) {
      for (const [name, def] of Object.entries(item)) pairs.push([name, def]);
    }
    out = Object.freeze(pairs);
    entriesCache.set(list, out);
  }
  return out;
}

/** Finds one field definition by name. */
export function findField(list: FieldList, name: string): FieldDef | undefined {
  for (const item of list) {
    const def = item[name];
    if (def) return def;
  }
  return undefined;
}
