/**
 * Secondary indexes over one kind's rows: key → ids. The DAO asks for them by name and the store
 * keeps them current on every write, so uniqueness and lookups cost O(1) instead of a table scan.
 */
import type { Row } from '../schema/types';
import type { Uuid } from '../store/types';

/** Derives the indexed key of a row; keys compare like `===` (Map semantics, NaN excepted). */
export type KeyOf = (row: Row) => unknown;

/** ids grouped by the key `keyOf` derives; remembers each row's key so stale rows unindex cleanly. */
export class RowIndex {
  private readonly idsByKey = new Map<unknown, Set<Uuid>>();
  private readonly keyById = new Map<Uuid, unknown>();

  constructor(private readonly keyOf: KeyOf) {}

  /** Indexes (or re-indexes) one row. */
  add(row: Row): void {
    const id = row.id as Uuid;
    this.remove(id);
    const key = this.keyOf(row);
    this.keyById.set(id, key);
    let ids = this.idsByKey.get(key);
    if (!ids) {
      ids = new Set();
      this.idsByKey.set(key, ids);
    }
    ids.add(id);
  }

  /** Forgets one row by id. */
  remove(id: Uuid): void {
    if (!this.keyById.has(id)) return;
    const key = this.keyById.get(id);
    this.keyById.delete(id);
    const ids = this.idsByKey.get(key);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.idsByKey.delete(key);
  }

  /** ids whose key equals `key` (unordered). NaN never matches, as with `===`. */
  ids(key: unknown): ReadonlySet<Uuid> {
    if (typeof key === 'number' && Number.isNaN(key)) return EMPTY;
    return this.idsByKey.get(key) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<Uuid> = new Set();

/** Index name and key of a plain field, compared with `===`. */
export function fieldKey(field: string): { name: string; keyOf: KeyOf } {
  return { name: `field:${field}`, keyOf: (row) => row[field] };
}

/** Index name and key of a foreign field: the referenced id (`row[field]?.id`). */
export function foreignKey(field: string): { name: string; keyOf: KeyOf } {
  return {
    name: `foreign:${field}`,
    keyOf: (row) => (row[field] as Row | null | undefined)?.id,
  };
}

/** Index name and key of a composite unique key (Kong's cache_key): JSON of the values. */
export function compositeKey(fields: readonly string[]): { name: string; keyOf: KeyOf } {
  return {
    name: `composite:${fields.join(',')}`,
    keyOf: (row) => compositeSignature(fields, row),
  };
}

/** The signature two rows share when their composite key collides (null stands for absent). */
export function compositeSignature(fields: readonly string[], row: Row): string {
  return JSON.stringify(fields.map((k) => row[k] ?? null));
}
