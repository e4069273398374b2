/**
 * Declarative config → flat entity lists (K:kong/db/schema/others/declarative_config.lua):
 * nested children are lifted with their parent's foreign key, missing ids are generated
 * (stable for entities with an endpoint key, so reloading the same file keeps ids), and
 * top-level references by name (`service: "orders"`) are resolved.
 */
import { createHash, randomUUID } from 'node:crypto';
import { schemaOf } from '../schema/entities';
import type { Row } from '../schema/types';
import { isPlainObject, isUuid } from '../schema/validate';
import type { EntityKind } from '../store/types';

/** Where an entity sat in the input, e.g. `['services', 0, 'routes', 1]`. */
export type InputPath = Array<string | number>;

/** One entity to load, with its position in the input and the object as written. */
export interface FlatEntity {
  kind: EntityKind;
  path: InputPath;
  input: Row;
  /** The entity as written, nested children removed (for `flattened_errors`). */
  original: Row;
}

/** Nested collections each kind may carry, and the foreign key they get. */
const CHILDREN: Partial<Record<EntityKind, ReadonlyArray<[string, EntityKind, string]>>> = {
  services: [
    ['routes', 'routes', 'service'],
    ['plugins', 'plugins', 'service'],
  ],
  routes: [['plugins', 'plugins', 'route']],
  consumers: [
    ['plugins', 'plugins', 'consumer'],
    ['keyauth_credentials', 'keyauth_credentials', 'consumer'],
    ['jwt_secrets', 'jwt_secrets', 'consumer'],
    ['acls', 'acls', 'consumer'],
  ],
  upstreams: [['targets', 'targets', 'upstream']],
};

/** Top-level keys that hold entity lists. */
export const DECLARATIVE_KINDS: readonly EntityKind[] = [
  'services',
  'routes',
  'upstreams',
  'targets',
  'consumers',
  'plugins',
  'keyauth_credentials',
  'jwt_secrets',
  'acls',
];

const META_KEYS = new Set(['_comment', '_ignore']);

function stableId(kind: EntityKind, key: string): string {
  const hex = createHash('sha1').update(`kong-sim:${kind}:${key}`).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function withId(kind: EntityKind, row: Row, parentId: string | undefined, used: Set<string>): Row {
  if (row.id !== undefined) return row;
  const key = schemaOf(kind).endpointKey;
  const value = key ? row[key] : undefined;
  let id = typeof value === 'string' ? stableId(kind, `${parentId ?? ''}/${value}`) : randomUUID();
  // A repeated name must surface as a name clash, not as a primary key clash.
  if (used.has(id)) id = randomUUID();
  used.add(id);
  return { ...row, id };
}

/** Lifts nested entities out of the document, depth first, keeping their input paths. */
export function flattenDocument(doc: Row): FlatEntity[] {
  const out: FlatEntity[] = [];
  const used = new Set<string>();
  const visit = (
    kind: EntityKind,
    item: unknown,
    path: InputPath,
    parent?: [string, string],
  ): void => {
    if (!isPlainObject(item)) {
      out.push({ kind, path, input: item as Row, original: item as Row });
      return;
    }
    const nested = CHILDREN[kind] ?? [];
    const own: Row = {};
    for (const [key, value] of Object.entries(item)) {
      if (META_KEYS.has(key) || nested.some(([name]) => name === key)) continue;
      own[key] = value;
    }
    if (parent) own[parent[0]] = { id: parent[1] };
    const input = withId(kind, own, parent?.[1], used);
    out.push({ kind, path, input, original: { ...own } });
    for (const [name, childKind, field] of nested) {
      const children = item[name];
      if (!Array.isArray(children)) continue;
      children.forEach((child, i) =>
        visit(childKind, child, [...path, name, i], [field, input.id as string]),
      );
    }
  };
  for (const kind of DECLARATIVE_KINDS) {
    const list = doc[kind];
    if (Array.isArray(list)) list.forEach((item, i) => visit(kind, item, [kind, i]));
  }
  return out;
}

/**
 * Rewrites references given by name (`"orders"` or `{name: "orders"}`) into `{id}` using the
 * declared entities. Unknown names are left for the DAO to report.
 */
export function resolveReferences(entities: FlatEntity[]): void {
  const byKey = new Map<string, string>();
  for (const entity of entities) {
    const key = schemaOf(entity.kind).endpointKey;
    const value = key ? entity.input[key] : undefined;
    if (typeof value === 'string') byKey.set(`${entity.kind}:${value}`, entity.input.id as string);
  }
  const refs: Array<[string, EntityKind]> = [
    ['service', 'services'],
    ['route', 'routes'],
    ['consumer', 'consumers'],
    ['upstream', 'upstreams'],
  ];
  for (const entity of entities) {
    for (const [field, kind] of refs) {
      const value = entity.input[field];
      const key = schemaOf(kind).endpointKey as string;
      const name =
        typeof value === 'string' && !isUuid(value)
          ? value
          : isPlainObject(value)
            ? value[key]
            : undefined;
      if (typeof value === 'string' && isUuid(value)) entity.input[field] = { id: value };
      else if (typeof name === 'string') {
        const id = byKey.get(`${kind}:${name}`);
        entity.input[field] = id ? { id } : { [key]: name };
      }
    }
  }
}
