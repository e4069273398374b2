/**
 * The in-memory database. It implements the proxy's read seam (StoreReader) and offers raw
 * writes to the DAO only; validation, integrity and cascades live in the DAO.
 */
import type { EntityKind, EntityMap, StoreChange, StoreReader, Uuid } from '../store/types';
import type { Row } from '../schema/types';
import { ENTITY_KINDS } from '../schema/entities';
import { RowIndex, type KeyOf } from './row-index';

type Listener = (change: StoreChange) => void;

/** Rows per kind, kept as Kong serialises them; lists are sorted by id like Postgres paging. */
export class MemoryStore implements StoreReader {
  private readonly tables = new Map<EntityKind, Map<Uuid, Row>>();
  /** Sorted snapshots; a write replaces (never mutates) the array so callers keep theirs. */
  private readonly sorted = new Map<EntityKind, Row[]>();
  private readonly indexes = new Map<EntityKind, Map<string, RowIndex>>();
  private readonly listeners = new Set<Listener>();
  private currentVersion = 0;

  constructor() {
    for (const kind of ENTITY_KINDS) this.tables.set(kind, new Map());
  }

  /** Increases on every committed write. */
  get version(): number {
    return this.currentVersion;
  }

  /** Rows of one kind ordered by id. */
  list<K extends EntityKind>(kind: K): readonly EntityMap[K][] {
    let rows = this.sorted.get(kind);
    if (!rows) {
      rows = [...this.table(kind).values()].sort(byId);
      this.sorted.set(kind, rows);
    }
    return rows as unknown as EntityMap[K][];
  }

  /** One row by id. */
  get<K extends EntityKind>(kind: K, id: Uuid): EntityMap[K] | undefined {
    return this.table(kind).get(id) as EntityMap[K] | undefined;
  }

  /** Untyped rows of one kind ordered by id (Admin API and DAO use). */
  rows(kind: EntityKind): readonly Row[] {
    return this.list(kind) as unknown as readonly Row[];
  }

  /** One untyped row by id. */
  row(kind: EntityKind, id: Uuid): Row | undefined {
    return this.table(kind).get(id);
  }

  /**
   * Rows whose derived key equals `key`, ordered by id. The index `name` is built on first use
   * and kept current by every write; `keyOf` must always be the same for one name.
   */
  lookup(kind: EntityKind, index: { name: string; keyOf: KeyOf }, key: unknown): Row[] {
    const ids = this.index(kind, index.name, index.keyOf).ids(key);
    const table = this.table(kind);
    const rows: Row[] = [];
    for (const id of ids) {
      const row = table.get(id);
      if (row) rows.push(row);
    }
    return rows.length > 1 ? rows.sort(byId) : rows;
  }

  /** Subscribes to committed writes; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores a row (insert or replace) and notifies listeners. DAO use only. */
  write(kind: EntityKind, row: Row): void {
    const id = row.id as string;
    const previous = this.table(kind).get(id);
    this.table(kind).set(id, row);
    for (const index of this.indexes.get(kind)?.values() ?? []) index.add(row);
    this.resort(kind, id, row);
    this.commit(kind, previous ? 'update' : 'create', row, previous);
  }

  /** Removes a row and notifies listeners. DAO use only. */
  remove(kind: EntityKind, id: Uuid): void {
    const previous = this.table(kind).get(id);
    if (!previous) return;
    this.table(kind).delete(id);
    for (const index of this.indexes.get(kind)?.values() ?? []) index.remove(id);
    this.resort(kind, id, undefined);
    this.commit(kind, 'delete', previous, undefined);
  }

  /** Replaces the whole content at once (DB-less `/config`): deletes, then creates, one version. */
  replaceAll(content: Partial<Record<EntityKind, Row[]>>): void {
    const changes: StoreChange[] = [];
    for (const kind of [...ENTITY_KINDS].reverse()) {
      for (const row of this.table(kind).values()) changes.push(toChange(kind, 'delete', row));
      this.table(kind).clear();
    }
    for (const kind of ENTITY_KINDS) {
      for (const row of content[kind] ?? []) {
        this.table(kind).set(row.id as string, row);
        changes.push(toChange(kind, 'create', row));
      }
    }
    this.sorted.clear();
    this.indexes.clear();
    this.currentVersion++;
    for (const change of changes) this.emit(change);
  }

  private commit(
    kind: EntityKind,
    op: StoreChange['op'],
    row: Row,
    previous: Row | undefined,
  ): void {
    this.currentVersion++;
    this.emit(toChange(kind, op, row, previous));
  }

  /** Puts `row` at its id's place in a fresh copy of the sorted snapshot (undefined: removes). */
  private resort(kind: EntityKind, id: Uuid, row: Row | undefined): void {
    const current = this.sorted.get(kind);
    if (!current) return;
    const next = current.slice();
    // Ids that differ only in case compare equal: match the exact one, append after the run.
    let at = lowerBound(next, id);
    while (at < next.length && next[at]?.id !== id && compareIds(next[at]?.id as string, id) === 0)
      at++;
    const found = next[at]?.id === id;
    if (row) next.splice(at, found ? 1 : 0, row);
    else if (found) next.splice(at, 1);
    this.sorted.set(kind, next);
  }

  private index(kind: EntityKind, name: string, keyOf: KeyOf): RowIndex {
    let byName = this.indexes.get(kind);
    if (!byName) {
      byName = new Map();
      this.indexes.set(kind, byName);
    }
    let index = byName.get(name);
    if (!index) {
      index = new RowIndex(keyOf);
      for (const row of this.table(kind).values()) index.add(row);
      byName.set(name, index);
    }
    return index;
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private table(kind: EntityKind): Map<Uuid, Row> {
    const table = this.tables.get(kind);
    if (!table) throw new Error(`unknown entity kind ${kind}`);
    return table;
  }
}

function toChange(
  kind: EntityKind,
  op: StoreChange['op'],
  entity: Row,
  previous?: Row,
): StoreChange {
  return { kind, op, entity, previous } as unknown as StoreChange;
}

function byId(a: Row, b: Row): number {
  return compareIds(a.id as string, b.id as string);
}

/** First position in id-sorted `rows` whose id is not below `id`. */
function lowerBound(rows: readonly Row[], id: string): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareIds(rows[mid]?.id as string, id) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Byte order of the textual UUIDs, as Postgres orders the uuid type (lowercase hex). */
export function compareIds(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
