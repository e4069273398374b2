/**
 * The DAO: every write goes through here (K:kong/db/dao/init.lua). It fills defaults and auto
 * fields, validates, resolves foreign keys, enforces uniqueness and referential integrity, and
 * cascades deletes. In DB-less mode it refuses writes the way Kong's "off" strategy does.
 */
import { ENTITY_KINDS, schemaOf } from '../schema/entities';
import {
  echoShorthandFields,
  expandShorthandFields,
  hideShorthandFields,
} from '../schema/shorthands';
import { randomAlnum } from '../schema/typedefs';
import { fieldEntries, type EntitySchema, type FieldList, type Row } from '../schema/types';
import {
  fillDefaults,
  isPlainObject,
  isUuid,
  newUuid,
  normalizeRecord,
  validateRecord,
  type ErrorTree,
} from '../schema/validate';
import type { EntityKind } from '../store/types';
import {
  foreignKeyRestricted,
  foreignKeyUnresolved,
  foreignKeyViolation,
  operationUnsupported,
  primaryKeyViolation,
  schemaViolation,
  uniqueViolation,
} from './errors';
import type { MemoryStore } from './memory-store';
import { compositeKey, compositeSignature, fieldKey, foreignKey } from './row-index';

/** DAO settings. */
export interface DaoOptions {
  /** DB-less: every write is refused with code 12 (K:kong/db/strategies/off/init.lua). */
  dbless?: boolean;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
}

type WriteMode = 'insert' | 'upsert' | 'update';

/** Generic DAO over the in-memory store; one instance serves every entity kind. */
export class Dao {
  private readonly now: () => number;
  private lastFloatStampMs = 0;
  readonly dbless: boolean;

  constructor(
    readonly store: MemoryStore,
    options: DaoOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.dbless = options.dbless ?? false;
  }

  /** Looks a row up by id, or by endpoint key when it is not a UUID (K:kong/api/endpoints.lua). */
  find(kind: EntityKind, idOrKey: string): Row | undefined {
    if (isUuid(idOrKey)) return this.store.get(kind, idOrKey.toLowerCase()) as Row | undefined;
    const key = schemaOf(kind).endpointKey;
    if (!key) return undefined;
    return this.store.lookup(kind, fieldKey(key), idOrKey)[0];
  }

  /** POST: insert (201). A supplied id that exists is a primary key violation. */
  insert(kind: EntityKind, input: Row): Row {
    if (this.dbless)
      throw operationUnsupported(`cannot create '${kind}' entities when not using a database`);
    if (isUuid(input.id) && this.store.get(kind, input.id)) throw primaryKeyViolation(input.id);
    return this.commit(kind, this.prepare(kind, input, undefined, 'insert'));
  }

  /**
   * PUT: full-replace upsert by id or endpoint key; the URL value wins over the body. Nested
   * endpoints pass `scope` (the row found under the parent, and the field `{x}` names).
   */
  upsert(
    kind: EntityKind,
    idOrKey: string,
    input: Row,
    scope?: { existing: Row | undefined; keyField: string | undefined },
  ): Row {
    const schema = schemaOf(kind);
    const byId = isUuid(idOrKey);
    const keyField = scope ? scope.keyField : schema.endpointKey;
    if (this.dbless) {
      const how = byId ? '' : ` by '${keyField ?? 'id'}'`;
      throw operationUnsupported(
        `cannot create or update '${kind}' entities${how} when not using a database`,
      );
    }
    const existing = scope ? scope.existing : this.find(kind, idOrKey);
    const body: Row = { ...input };
    if (byId) body.id = idOrKey.toLowerCase();
    else {
      if (keyField) body[keyField] = idOrKey;
      body.id = existing?.id ?? newUuid();
    }
    return this.commit(kind, this.prepare(kind, body, existing, 'upsert'));
  }

  /** PATCH: deep-merges records, replaces the rest (K:kong/db/schema/init.lua `merge_values`). */
  update(kind: EntityKind, existing: Row, input: Row): Row {
    if (this.dbless)
      throw operationUnsupported(`cannot update '${kind}' entities when not using a database`);
    const schema = schemaOf(kind);
    const fields = schema.fieldsFor?.(existing) ?? schema.fields;
    // Kong translates the patch's shorthands, then merges it into the entity read without the
    // echoed ones (K:kong/db/dao/init.lua `check_update`, `hide_shorthands`).
    const patch = expandShorthands(
      fields,
      schema.shorthands ? schema.shorthands(input, existing) : input,
    );
    const merged = mergeRecord(fields, hideShorthandFields(fields, existing), patch);
    return this.commit(kind, this.prepare(kind, merged, existing, 'update'));
  }

  /** DELETE: refuses when a restricting child exists, cascades to cascading children. */
  delete(kind: EntityKind, row: Row): void {
    if (this.dbless)
      throw operationUnsupported(`cannot remove '${kind}' entities when not using a database`);
    const doomed: Array<[EntityKind, Row]> = [];
    this.collectDeletes(kind, row, doomed);
    for (const [doomedKind, doomedRow] of doomed)
      this.store.remove(doomedKind, doomedRow.id as string);
  }

  /**
   * Turns input into a storable row or throws Kong's error. Exposed for the declarative loader,
   * which validates a whole document against a staging store.
   */
  prepare(kind: EntityKind, input: Row, existing: Row | undefined, mode: WriteMode): Row {
    const schema = schemaOf(kind);
    let body =
      mode !== 'update' && schema.shorthands ? schema.shorthands(input, existing) : { ...input };
    body = this.resolveForeignKeys(schema, body);
    const fields = schema.fieldsFor?.(body) ?? schema.fields;
    body = expandShorthands(fields, body);
    for (const name of schema.writeOnly ?? []) delete body[name];
    const row = fillDefaults(fields, body);
    this.fillAutoFields(schema, fields, row, existing, mode);
    const errors = validateRecord(fields, row) ?? {};
    mergeCheckErrors(errors, Object.keys(errors).length === 0 ? schema.check?.(row) : undefined);
    if (Object.keys(errors).length > 0) throw schemaViolation(errors);
    normalizeRecord(fields, row);
    this.checkForeignKeys(fields, row);
    this.checkUnique(kind, schema, fields, row);
    // Stored with the deprecated shorthands every read shows (K:kong/db/schema/init.lua,
    // `process_auto_fields` in the `select` context).
    return echoShorthandFields(fields, row);
  }

  private commit(kind: EntityKind, row: Row): Row {
    this.store.write(kind, row);
    return row;
  }

  private fillAutoFields(
    schema: EntitySchema,
    fields: FieldList,
    row: Row,
    existing: Row | undefined,
    mode: WriteMode,
  ): void {
    let nowMs = Math.floor(this.now());
    if (schema.floatTimestamps) {
      // Targets are listed newest first: keep their millisecond stamps strictly increasing.
      nowMs = Math.max(nowMs, this.lastFloatStampMs + 1);
      this.lastFloatStampMs = nowMs;
    }
    const stamp = schema.floatTimestamps ? nowMs / 1000 : Math.floor(nowMs / 1000);
    if (row.id === null) row.id = newUuid();
    for (const [name, def] of fieldEntries(fields)) {
      if (def.timestamp) {
        if (name === 'updated_at') row[name] = stamp;
        else if (mode === 'update') row[name] = existing?.[name] ?? stamp;
        else if (row[name] === null) row[name] = stamp;
      } else if (def.auto && def.type === 'string' && name !== 'id' && row[name] === null) {
        row[name] = mode === 'update' ? (existing?.[name] ?? randomAlnum()) : randomAlnum();
      }
    }
  }

  private resolveForeignKeys(schema: EntitySchema, body: Row): Row {
    for (const [name, def] of fieldEntries(schema.fields)) {
      const value = body[name];
      if (def.type !== 'foreign' || !isPlainObject(value) || value.id !== undefined) continue;
      const reference = def.reference as EntityKind;
      if (!ENTITY_KINDS.includes(reference)) continue;
      const key = schemaOf(reference).endpointKey;
      if (!key || value[key] === undefined) continue;
      const found = this.store.lookup(reference, fieldKey(key), value[key])[0];
      if (!found) throw foreignKeyUnresolved(name, key, value[key], reference);
      body[name] = { id: found.id };
    }
    return body;
  }

  private checkForeignKeys(fields: FieldList, row: Row): void {
    for (const [name, def] of fieldEntries(fields)) {
      const value = row[name];
      if (def.type !== 'foreign' || !isPlainObject(value)) continue;
      const reference = def.reference as EntityKind;
      const id = value.id as string;
      row[name] = { id: id.toLowerCase() };
      if (!ENTITY_KINDS.includes(reference) || !this.store.get(reference, id.toLowerCase()))
        throw foreignKeyViolation(name, String(def.reference), id);
    }
  }

  private checkUnique(kind: EntityKind, schema: EntitySchema, fields: FieldList, row: Row): void {
    // Indexed lookups: a scan per write made bulk syncs quadratic (bench/README.md, fix 4).
    const isOther = (other: Row): boolean => other.id !== row.id;
    for (const [name, def] of fieldEntries(fields)) {
      const value = row[name];
      if (!def.unique || value === null || value === undefined) continue;
      if (this.store.lookup(kind, fieldKey(name), value).some(isOther))
        throw uniqueViolation({ [name]: value });
    }
    const cacheKey = schema.cacheKey;
    if (!cacheKey) return;
    const mine = compositeSignature(cacheKey, row);
    if (this.store.lookup(kind, compositeKey(cacheKey), mine).some(isOther))
      throw uniqueViolation(Object.fromEntries(cacheKey.map((k) => [k, row[k] ?? null])));
  }

  private collectDeletes(kind: EntityKind, row: Row, doomed: Array<[EntityKind, Row]>): void {
    for (const childKind of ENTITY_KINDS) {
      for (const [field, def] of fieldEntries(schemaOf(childKind).fields)) {
        if (def.type !== 'foreign' || def.reference !== kind) continue;
        const children = this.store.lookup(childKind, foreignKey(field), row.id);
        if (children.length === 0) continue;
        if (def.on_delete !== 'cascade') throw foreignKeyRestricted(childKind, kind);
        for (const child of children) this.collectDeletes(childKind, child, doomed);
      }
    }
    doomed.push([kind, row]);
  }
}

/** Translates the shorthand fields of the records in `body`, or throws Kong's code 2 error. */
function expandShorthands(fields: FieldList, body: Row): Row {
  const expansion = expandShorthandFields(fields, body);
  if (expansion.errors) throw schemaViolation(expansion.errors);
  return expansion.row;
}

/** PATCH merge: records merge deeply, arrays/sets/maps/scalars are replaced, null clears. */
export function mergeRecord(fields: FieldList, base: Row, patch: Row): Row {
  const out: Row = { ...base };
  const defs = new Map(fieldEntries(fields));
  for (const [key, value] of Object.entries(patch)) {
    const def = defs.get(key);
    const current = out[key];
    if (def?.type === 'record' && def.fields && isPlainObject(current) && isPlainObject(value))
      out[key] = mergeRecord(def.fields, current, value);
    else out[key] = value;
  }
  return out;
}

/** Adds cross-field check results to an error tree (dotted paths nest). */
function mergeCheckErrors(
  errors: Record<string, ErrorTree | string[]>,
  result: { entity?: string[]; fields?: Record<string, string> } | undefined,
): void {
  if (!result) return;
  if (result.entity && result.entity.length > 0) errors['@entity'] = result.entity;
  for (const [path, message] of Object.entries(result.fields ?? {})) {
    const parts = path.split('.');
    let node = errors as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) {
      if (!isPlainObject(node[part])) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1] as string;
    if (node[last] === undefined) node[last] = message;
  }
}
