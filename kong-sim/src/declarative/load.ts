/**
 * Validates a whole declarative document against a staging store (the same DAO rules as the
 * Admin API) and returns the entities to swap in, or a code-14 error. Nothing is half-loaded.
 */
import { Dao } from '../dao/dao';
import { KongDbError } from '../dao/errors';
import { MemoryStore } from '../dao/memory-store';
import { ENTITY_KINDS, schemaOf } from '../schema/entities';
import type { Row } from '../schema/types';
import { isPlainObject } from '../schema/validate';
import type { EntityKind } from '../store/types';
import {
  SINGULAR,
  declarativeError,
  flattenEntityErrors,
  setAt,
  type FlattenedError,
} from './errors';
import { DECLARATIVE_KINDS, flattenDocument, resolveReferences, type FlatEntity } from './flatten';

const FORMAT_VERSIONS = ['1.1', '2.1', '3.0'];
const META_KEYS = new Set(['_format_version', '_transform', '_comment', '_ignore', '_workspace']);
/** Kong entities kong-sim does not model: accepted only when empty. */
const UNMODELLED = new Set([
  'certificates',
  'ca_certificates',
  'snis',
  'vaults',
  'keys',
  'key_sets',
  'filter_chains',
  'parameters',
  'basicauth_credentials',
  'hmacauth_credentials',
  'oauth2_credentials',
]);

/** Entities per kind, ready for `MemoryStore.replaceAll`. */
export type DeclarativeContent = Record<EntityKind, Row[]>;

function topLevelErrors(doc: Row): Row {
  const errors: Row = {};
  const version = doc._format_version;
  if (version === undefined || version === null) errors._format_version = 'required field missing';
  else if (!FORMAT_VERSIONS.includes(String(version)))
    errors._format_version = `expected one of: ${FORMAT_VERSIONS.join(', ')}`;
  if (doc._transform !== undefined && typeof doc._transform !== 'boolean')
    errors._transform = 'expected a boolean';
  for (const [key, value] of Object.entries(doc)) {
    if (META_KEYS.has(key)) continue;
    if (DECLARATIVE_KINDS.includes(key as EntityKind)) {
      if (!Array.isArray(value)) errors[key] = 'expected an array';
    } else if (UNMODELLED.has(key)) {
      if (!Array.isArray(value) || value.length > 0) errors[key] = 'not supported by kong-sim';
    } else errors[key] = 'unknown field';
  }
  return errors;
}

function entityError(
  entity: FlatEntity,
  err: KongDbError,
): { path: (string | number)[]; error: unknown } {
  const { kind, path, input } = entity;
  switch (err.code) {
    case 2:
      return { path, error: err.fields };
    case 3:
      return {
        path,
        error: `uniqueness violation: '${kind}' entity with primary key set to '${String(input.id)}' already declared`,
      };
    case 5: {
      const [field, value] = Object.entries(err.fields as Row)[0] ?? ['id', input.id];
      const key = schemaOf(kind).endpointKey;
      const name = key && typeof input[key] === 'string' ? (input[key] as string) : undefined;
      const message = `uniqueness violation: '${kind}' entity with ${field} set to '${String(value)}' already declared`;
      return name
        ? { path: [...path.slice(0, -1), name], error: message }
        : { path, error: message };
    }
    default:
      return { path, error: err.message };
  }
}

function flattenedEntry(entity: FlatEntity, error: unknown): FlattenedError {
  const key = schemaOf(entity.kind).endpointKey;
  const name = key ? entity.original[key] : undefined;
  const entry: FlattenedError = {
    entity_type: SINGULAR[entity.kind] ?? entity.kind,
    entity: entity.original,
    errors: flattenEntityErrors(error),
  };
  if (typeof name === 'string') entry.entity_name = name;
  if (typeof entity.original.id === 'string') entry.entity_id = entity.original.id;
  if (Array.isArray(entity.original.tags)) entry.entity_tags = entity.original.tags as string[];
  return entry;
}

/**
 * Validates `doc` and returns its entities, or throws a code-14 KongDbError (with
 * `flattened` attached when `flatten` is true).
 */
export function loadDocument(doc: unknown, flatten: boolean): DeclarativeContent {
  if (!isPlainObject(doc)) throw declarativeError({ '@entity': ['expected a table'] });
  const fields = topLevelErrors(doc);
  const flattened: FlattenedError[] = [];
  const staging = new MemoryStore();
  const dao = new Dao(staging);
  if (fields._format_version === undefined) {
    const entities = flattenDocument(doc);
    resolveReferences(entities);
    for (const kind of ENTITY_KINDS) {
      for (const entity of entities.filter((e) => e.kind === kind)) {
        try {
          if (!isPlainObject(entity.input))
            throw new KongDbError(2, 'schema violation', 'expected a record', 'expected a record');
          dao.insert(kind, entity.input);
        } catch (err) {
          if (!(err instanceof KongDbError)) throw err;
          const { path, error } = entityError(entity, err);
          if (flatten) flattened.push(flattenedEntry(entity, error));
          else setAt(fields, path, error);
        }
      }
    }
  }
  if (Object.keys(fields).length > 0 || flattened.length > 0)
    throw declarativeError(fields, flatten ? flattened : undefined);
  return Object.fromEntries(
    ENTITY_KINDS.map((kind) => [kind, [...staging.rows(kind)]]),
  ) as DeclarativeContent;
}
