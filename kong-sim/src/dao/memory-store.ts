/**
 * The in-memory database. It implements the proxy's read seam (StoreReader) and offers raw
 * writes to the DAO only; validation, integrity and cascades live in the DAO.
 */
import type { EntityKind, EntityMap, StoreChange, StoreReader, Uuid } from '../store/types';
import type { Row } from '../schema/types';
import { ENTITY_KINDS } from '../schema/entities';

type Listener = (change: StoreChange) => void;

/** Rows per kind, kept as Kong serialises them; lists are sorted by id like Postgres paging. */
export class MemoryStore implements StoreReader {
  private readonly tables = new Map<EntityKind, Map<Uuid, Row>>();
  private readonly sorted = new Map<EntityKind, Row[]>();
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
      rows = [...this.table(kind).values()].sort((a, b) =>
        compareIds(a.id as string, b.id as string),
      );
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

  /** Subscribes to committed writes; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores a row (insert or replace) and notifies listeners. DAO use only. */
  write(kind: EntityKind, row: Row): void {
    const previous = this.table(kind).get(row.id as string);
    this.table(kind).set(row.id as string, row);
    this.commit(kind, previous ? 'update' : 'create', row, previous);
  }

  /** Removes a row and notifies listeners. DAO use only. */
  remove(kind: EntityKind, id: Uuid): void {
    const previous = this.table(kind).get(id);
    if (!previous) return;
    this.table(kind).delete(id);
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
    this.currentVersion++;
    for (const change of changes) this.emit(change);
  }

  private commit(
    kind: EntityKind,
    op: StoreChange['op'],
    row: Row,
    previous: Row | undefined,
  ): void {
    this.sorted.delete(kind);
    this.currentVersion++;
    this.emit(toChange(kind, op, row, previous));
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

/** Byte order of the textual UUIDs, as Postgres orders the uuid type (lowercase hex). */
export function compareIds(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
