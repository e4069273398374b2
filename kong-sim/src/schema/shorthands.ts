/**
 * Shorthand fields of records, as K:kong/db/schema/init.lua `process_auto_fields` applies them
 * (kong-sim/KONG_BEHAVIOUR.md#shorthand-fields). A record's `shorthand_fields` are accepted in
 * input, validated by their own definition, and replaced by what their `func` returns. A
 * deprecated shorthand (one with `deprecation.replaced_with`) is also echoed on every read, with
 * the value now found at its replacement path.
 *
 * Entity-level shorthands (service `url`, upstream `algorithm`/`hash_on`) are the schemas'
 * `shorthands` hooks; this module handles the shorthands of records inside an entity (a plugin's
 * `config`), which Kong reaches by recursing into record fields.
 */
import {
  fieldEntries,
  type FieldDef,
  type FieldList,
  type Row,
  type ShorthandDef,
  type ShorthandFieldList,
} from './types';
import { isPlainObject, validateValue, type ErrorTree } from './validate';

/** The input with shorthands translated, or the errors of the first record that had any. */
export type ShorthandExpansion =
  { row: Row; errors?: undefined } | { row?: undefined; errors: Record<string, ErrorTree> };

/**
 * A deprecated shorthand that stands for the field at `path` of the same record, e.g. a plugin's
 * `config.redis_host` for `config.redis.host` (the form K:kong/plugins/rate-limiting/schema.lua
 * uses). `owner` prefixes the deprecation message (the plugin name).
 */
export function deprecatedShorthand(
  owner: string,
  name: string,
  path: readonly string[],
  def: FieldDef,
): Record<string, ShorthandDef> {
  return {
    [name]: {
      ...def,
      deprecation: {
        replaced_with: [{ path }],
        message: `${owner}: config.${name} is deprecated, please use config.${path.join('.')} instead`,
        removal_in_version: '4.0',
      },
      func: (value) => nest(path, value),
    },
  };
}

function nest(path: readonly string[], value: unknown): Row {
  const [head, ...rest] = path;
  return { [head as string]: rest.length === 0 ? value : nest(rest, value) };
}

/** K:kong/tools/table.lua `table_path`: undefined as soon as a step is missing. */
function tablePath(row: Row, path: readonly string[]): unknown {
  let current: unknown = row;
  for (const key of path) {
    // Lua indexing a string or a number yields nil or fails; either way there is no value.
    if (!isPlainObject(current) || current[key] === undefined) return undefined;
    current = current[key];
  }
  return current;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * `validate_deprecation_exclusiveness`: the shorthand and its replacement may both be given only
 * with the same value. Kong tests the replacement for truthiness, so a `false` there never
 * conflicts (and then wins the merge).
 */
function mismatch(row: Row, name: string, value: unknown, def: ShorthandDef): string | undefined {
  if (value === null) return undefined;
  for (const { path } of def.deprecation?.replaced_with ?? []) {
    const current = tablePath(row, path);
    if (current === undefined || current === null || current === false) continue;
    if (!same(current, value))
      return `both deprecated and new field are used but their values mismatch: ${name} = ${String(value)} vs ${path.join('.')} = ${String(current)}`;
  }
  return undefined;
}

/** K:kong/tools/table.lua `null_aware_table_merge`: `over` wins unless its value is null. */
function nullAwareMerge(base: Row, over: Row): Row {
  const out: Row = { ...base };
  for (const [key, value] of Object.entries(over))
    if (out[key] === undefined || value !== null) out[key] = value;
  return out;
}

/** Applies one record's own shorthand fields; returns the new record or the errors. */
function applyShorthands(data: Row, shorthands: ShorthandFieldList): ShorthandExpansion {
  let row = data;
  const errors: Record<string, ErrorTree> = {};
  for (const item of shorthands) {
    for (const [name, def] of Object.entries(item)) {
      const value = row[name];
      if (value === undefined) continue;
      const error =
        (value === null ? undefined : validateValue(def, value)) ?? mismatch(row, name, value, def);
      if (error !== undefined) {
        errors[name] = error;
        continue;
      }
      if (row === data) row = { ...data };
      delete row[name];
      for (const [key, produced] of Object.entries(def.func(value))) {
        if (isPlainObject(produced)) {
          const source = isPlainObject(row[key]) ? row[key] : {};
          row[key] = def.deprecation
            ? nullAwareMerge(produced, source)
            : { ...source, ...produced };
        } else if (!def.deprecation || row[key] === undefined || row[key] === null) {
          row[key] = produced;
        }
      }
    }
  }
  return Object.keys(errors).length > 0 ? { errors } : { row };
}

/**
 * Translates the shorthands of every record present in `data` (recursively), as a write does.
 * `shorthands` are those of the record `fields` belong to. Kong stops at the first record with a
 * bad shorthand and reports its errors by the shorthand's bare name, not under the record's path
 * (process_auto_fields hands the nested error table up unchanged).
 */
export function expandShorthandFields(
  fields: FieldList,
  data: Row,
  shorthands?: ShorthandFieldList,
): ShorthandExpansion {
  let row = data;
  if (shorthands && shorthands.length > 0) {
    const own = applyShorthands(data, shorthands);
    if (own.errors) return own;
    row = own.row;
  }
  for (const [name, def] of fieldEntries(fields)) {
    const value = row[name];
    if (def.type !== 'record' || !def.fields || !isPlainObject(value)) continue;
    const nested = expandShorthandFields(def.fields, value, def.shorthand_fields);
    if (nested.errors) return nested;
    if (nested.row !== value) {
      if (row === data) row = { ...data };
      row[name] = nested.row;
    }
  }
  return { row };
}

/** Each deprecated shorthand of `shorthands`, with the path its value now lives at. */
function* deprecated(shorthands: ShorthandFieldList | undefined): Generator<[string, string[]]> {
  for (const item of shorthands ?? []) {
    for (const [name, def] of Object.entries(item)) {
      const path = def.deprecation?.replaced_with?.[0]?.path;
      if (path) yield [name, [...path]];
    }
  }
}

/**
 * Adds the deprecated shorthands to a stored row, in place, as every read shows them (the
 * `select` context of process_auto_fields): each takes the value at its replacement path (null
 * when that is null; left out when the path is missing).
 */
export function echoShorthandFields(
  fields: FieldList,
  row: Row,
  shorthands?: ShorthandFieldList,
): Row {
  for (const [name, path] of deprecated(shorthands)) {
    const value = tablePath(row, path);
    if (value === undefined) delete row[name];
    else row[name] = value;
  }
  for (const [name, def] of fieldEntries(fields)) {
    const value = row[name];
    if (def.type === 'record' && def.fields && isPlainObject(value))
      echoShorthandFields(def.fields, value, def.shorthand_fields);
  }
  return row;
}

/**
 * A copy of a stored row without the echoed shorthands: the entity an update merges into, which
 * Kong reads with `hide_shorthands` (K:kong/db/dao/init.lua `check_update`).
 */
export function hideShorthandFields(
  fields: FieldList,
  row: Row,
  shorthands?: ShorthandFieldList,
): Row {
  const out: Row = { ...row };
  for (const [name] of deprecated(shorthands)) delete out[name];
  for (const [name, def] of fieldEntries(fields)) {
    const value = out[name];
    if (def.type === 'record' && def.fields && isPlainObject(value))
      out[name] = hideShorthandFields(def.fields, value, def.shorthand_fields);
  }
  return out;
}
