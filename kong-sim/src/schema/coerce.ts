/**
 * Form bodies carry strings only; Kong coerces them through the schema (K:kong/api/arguments.lua).
 * Values that do not convert are left alone so validation reports Kong's type error.
 */
import {
  fieldEntries,
  type FieldDef,
  type FieldList,
  type Row,
  type ShorthandFieldList,
} from './types';
import { isPlainObject } from './validate';

function coerceValue(def: FieldDef | undefined, value: unknown): unknown {
  if (!def) return value;
  switch (def.type) {
    case 'integer':
    case 'number':
      return typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))
        ? Number(value)
        : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'array':
    case 'set': {
      const list = Array.isArray(value) ? value.filter((v) => v !== undefined) : [value];
      return list.map((item) => coerceValue(def.elements, item));
    }
    case 'record':
      return isPlainObject(value) && def.fields
        ? coerceForm(def.fields, value, def.shorthand_fields)
        : value;
    case 'map':
      return isPlainObject(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerceValue(def.values, v)]))
        : value;
    default:
      return value;
  }
}

/**
 * Returns a copy of a form-decoded row with values converted to the schema's types; a record's
 * shorthand fields are converted by their own types too.
 */
export function coerceForm(fields: FieldList, row: Row, shorthands?: ShorthandFieldList): Row {
  const defs = new Map<string, FieldDef>(fieldEntries(fields));
  for (const item of shorthands ?? [])
    for (const [name, def] of Object.entries(item)) defs.set(name, def);
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, coerceValue(defs.get(key), value)]),
  );
}
