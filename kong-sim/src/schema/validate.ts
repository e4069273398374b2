/**
 * Default filling and validation with Kong's messages (K:kong/db/schema/init.lua
 * `validation_errors`). Errors come back as a tree shaped like the input, which is exactly
 * Kong's `fields` (records nest, arrays align by index with null for valid slots).
 */
import { randomUUID } from 'node:crypto';
import { fieldEntries, type FieldDef, type FieldList, type Row } from './types';

/** Kong's error tree: a message, an index-aligned array, or a nested object. */
export type ErrorTree = string | Array<ErrorTree | null> | { [key: string]: ErrorTree | string[] };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a canonical UUID string (Kong accepts any version). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** A fresh UUIDv4, as Kong generates for missing ids. */
export function newUuid(): string {
  return randomUUID();
}

/** True for a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function defaultFor(def: FieldDef, nested: boolean): unknown {
  if (def.type === 'record' && def.fields) {
    if (def.default !== undefined) return fillDefaults(def.fields, clone(def.default) as Row, true);
    return def.required || nested ? fillDefaults(def.fields, {}, true) : null;
  }
  return def.default === undefined ? null : clone(def.default);
}

/**
 * Returns a copy of `input` with every schema field present: missing ones take their default (or
 * null), records are filled recursively. Unknown keys are kept so validation can flag them.
 */
export function fillDefaults(fields: FieldList, input: Row, nested = false): Row {
  const out: Row = {};
  for (const [name, def] of fieldEntries(fields)) {
    const value = input[name];
    if (value === undefined) out[name] = defaultFor(def, nested);
    else if (def.type === 'record' && def.fields && isPlainObject(value))
      out[name] = fillDefaults(def.fields, value, true);
    else out[name] = value;
  }
  for (const key of Object.keys(input)) if (!(key in out)) out[key] = input[key];
  return out;
}

function typeError(def: FieldDef, value: unknown): string | undefined {
  switch (def.type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'expected a string';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'expected an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'expected a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected a boolean';
    case 'array':
      return Array.isArray(value) ? undefined : 'expected an array';
    case 'set':
      return Array.isArray(value) ? undefined : 'expected a set';
    case 'map':
      return isPlainObject(value) ? undefined : 'expected a map';
    case 'record':
    case 'foreign':
      return isPlainObject(value) ? undefined : 'expected a record';
  }
}

function scalarError(def: FieldDef, value: unknown): string | undefined {
  if (def.one_of && !def.one_of.includes(value as string | number))
    return `expected one of: ${def.one_of.join(', ')}`;
  if (typeof value === 'string') {
    if (value.length < (def.len_min ?? 1)) return `length must be at least ${def.len_min ?? 1}`;
    if (def.uuid && !isUuid(value)) return 'expected a valid UUID';
    if (def.starts_with !== undefined && !value.startsWith(def.starts_with))
      return `should start with: ${def.starts_with}`;
  }
  if (typeof value === 'number') {
    if (def.between && (value < def.between[0] || value > def.between[1]))
      return `value should be between ${def.between[0]} and ${def.between[1]}`;
    if (def.gt !== undefined && !(value > def.gt)) return `value must be greater than ${def.gt}`;
  }
  return def.custom?.(value);
}

/** Validates one non-null value against its definition; undefined when valid. */
export function validateValue(def: FieldDef, value: unknown): ErrorTree | undefined {
  if (def.eq === null) return 'value must be null';
  const wrongType = typeError(def, value);
  if (wrongType) return wrongType;
  if (def.type === 'record' && def.fields) return validateRecord(def.fields, value as Row);
  if (def.type === 'foreign') {
    const ref = value as Row;
    if (ref.id === undefined || ref.id === null) return { id: 'missing primary key' };
    return isUuid(ref.id) ? undefined : { id: 'expected a valid UUID' };
  }
  if ((def.type === 'array' || def.type === 'set') && def.elements) {
    const elements = def.elements;
    const errors = (value as unknown[]).map((item) =>
      item === null ? 'required field missing' : (validateValue(elements, item) ?? null),
    );
    if (errors.some((e) => e !== null)) return errors;
    return def.custom?.(value);
  }
  // A map reports its first bad key or value as the map's own error, key before value
  // (K:kong/db/schema/init.lua `validate_field`: keys and values are required there).
  if (def.type === 'map') {
    for (const [key, item] of Object.entries(value as Row)) {
      const keyError = def.keys ? validateValue(def.keys, key) : undefined;
      if (keyError !== undefined) return keyError;
      if (def.values && (item === null || item === undefined)) return 'required field missing';
      const itemError = def.values ? validateValue(def.values, item) : undefined;
      if (itemError !== undefined) return itemError;
    }
    return def.custom?.(value);
  }
  return scalarError(def, value);
}

/** Validates a filled record: unknown fields, required fields, then each value. */
export function validateRecord(fields: FieldList, row: Row): Record<string, ErrorTree> | undefined {
  const errors: Record<string, ErrorTree> = {};
  const known = new Set<string>();
  for (const [name, def] of fieldEntries(fields)) {
    known.add(name);
    const value = row[name];
    if (value === undefined || value === null) {
      if (def.required) errors[name] = 'required field missing';
      continue;
    }
    const error = validateValue(def, value);
    if (error !== undefined) errors[name] = error;
  }
  for (const key of Object.keys(row)) if (!known.has(key)) errors[key] = 'unknown field';
  return Object.keys(errors).length > 0 ? errors : undefined;
}

/** Applies `normalize` hooks and set de-duplication to a valid record, in place. */
export function normalizeRecord(fields: FieldList, row: Row): Row {
  for (const [name, def] of fieldEntries(fields)) {
    let value = row[name];
    if (value === null || value === undefined) continue;
    if (def.type === 'record' && def.fields) normalizeRecord(def.fields, value as Row);
    if (def.type === 'set' && Array.isArray(value)) value = [...new Set(value)];
    if (def.normalize) value = def.normalize(value);
    row[name] = value;
  }
  return row;
}

/** Flattens an error tree into `path: message` lines (arrays 1-based, as Lua shows them). */
export function flattenErrors(tree: ErrorTree, prefix = ''): string[] {
  if (typeof tree === 'string') return [prefix ? `${prefix}: ${tree}` : tree];
  const lines: string[] = [];
  const join = (key: string): string => (prefix ? `${prefix}.${key}` : key);
  if (Array.isArray(tree)) {
    tree.forEach((item, index) => {
      if (item !== null) lines.push(...flattenErrors(item, join(String(index + 1))));
    });
    return lines;
  }
  for (const key of Object.keys(tree).sort()) {
    if (key === '@entity') continue;
    lines.push(...flattenErrors(tree[key] as ErrorTree, join(key)));
  }
  return lines;
}

/** Kong's code-2 message: `schema violation (a: x)` or `N schema violations (a: x; b: y)`. */
export function schemaViolationMessage(fields: Record<string, ErrorTree | string[]>): string {
  const entity = (fields['@entity'] as string[] | undefined) ?? [];
  const lines = [...entity, ...flattenErrors(fields as ErrorTree)];
  if (lines.length === 1) return `schema violation (${lines[0]})`;
  return `${lines.length} schema violations (${lines.join('; ')})`;
}
