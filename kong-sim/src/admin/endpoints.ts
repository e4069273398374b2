/**
 * Generic CRUD endpoints per entity, like Kong's K:kong/api/endpoints.lua: collection, entity,
 * nested collection under a parent, and the parent seen from the child (what each method does:
 * kong-sim/KONG_BEHAVIOUR.md#generated-endpoints-and-write-semantics).
 */
import { notFound } from '../dao/errors';
import { fieldKey, foreignKey } from '../dao/row-index';
import { pageRows, parseSize, parseTags, matchesTags } from '../dao/paging';
import { schemaOf } from '../schema/entities';
import type { Row } from '../schema/types';
import { isUuid } from '../schema/validate';
import type { EntityKind } from '../store/types';
import { notFoundError, ok, pageReply, readInput, type AdminContext } from './context';
import type { AdminRequest, Router } from './router';

const NO_CONTENT = { status: 204 };

function keyOf(kind: EntityKind, idOrKey: string): Record<string, string> {
  return isUuid(idOrKey) ? { id: idOrKey } : { [schemaOf(kind).endpointKey ?? 'id']: idOrKey };
}

function nextLink(
  base: string,
  offset: string | undefined,
  query: URLSearchParams,
  topLevel: boolean,
): string | null {
  if (offset === undefined) return null;
  let link = `${base}?offset=${encodeURIComponent(offset)}`;
  if (topLevel && query.has('tags')) link += `&tags=${encodeURIComponent(query.get('tags') ?? '')}`;
  if (topLevel && query.has('size')) link += `&size=${query.get('size') ?? ''}`;
  return link;
}

/**
 * Lists rows with Kong's paging; `filter`s (nested parents, custom_id) ignore tags. `source`
 * narrows the id-ordered candidates up front (an index lookup instead of scanning the table).
 */
export function listPage(
  ctx: AdminContext,
  kind: EntityKind,
  req: AdminRequest,
  base: string,
  filter?: (row: Row) => boolean,
  source?: () => readonly Row[],
): ReturnType<typeof pageReply> {
  const size = parseSize(req.query.get('size') ?? undefined);
  const tags = filter ? undefined : parseTags(req.query.get('tags') ?? undefined);
  const rows = source ? source() : ctx.dao.store.rows(kind);
  const keep = filter ?? ((row: Row): boolean => matchesTags(row, tags));
  const page = pageRows(rows, size, req.query.get('offset') ?? undefined, keep);
  return pageReply(page.data, page.offset, nextLink(base, page.offset, req.query, !filter));
}

/** `/{path}` and `/{path}/{id}`: list, create, read, upsert, update, delete. */
export function mountCollection(
  router: Router,
  ctx: AdminContext,
  kind: EntityKind,
  path: string,
): void {
  const { dao } = ctx;
  router.add(`/${path}`, {
    GET: (req) => listPage(ctx, kind, req, `/${path}`),
    POST: (req) => ({ status: 201, body: dao.insert(kind, readInput(req, kind)) }),
  });
  // Kong names URL parameters after the DAO (`/key-auths/{keyauth_credentials}`).
  router.add(`/${path}/{${kind}}`, {
    GET: (req) => {
      const row = dao.find(kind, req.params[kind] as string);
      if (!row) throw notFoundError();
      return ok(row);
    },
    PUT: (req) => ok(dao.upsert(kind, req.params[kind] as string, readInput(req, kind))),
    PATCH: (req) => {
      const idOrKey = req.params[kind] as string;
      const row = dao.find(kind, idOrKey);
      if (!row) throw notFound(keyOf(kind, idOrKey), isUuid(idOrKey));
      return ok(dao.update(kind, row, readInput(req, kind)));
    },
    DELETE: (req) => {
      const row = dao.find(kind, req.params[kind] as string);
      if (row) dao.delete(kind, row);
      return NO_CONTENT;
    },
  });
}

/** How a child collection hangs under a parent, e.g. consumers → `key-auth` (keyauth_credentials). */
export interface NestedMount {
  parentKind: EntityKind;
  parentPath: string;
  childKind: EntityKind;
  segment: string;
  /** Foreign key field on the child pointing at the parent. */
  field: string;
  /** Field that `{child}` matches when it is not a UUID, scoped to the parent (acls: `group`). */
  childKey?: string;
}

/** `/{parent}/{p}/{children}` and `/{parent}/{p}/{children}/{c}`. */
export function mountNested(router: Router, ctx: AdminContext, mount: NestedMount): void {
  const { dao } = ctx;
  const { parentKind, parentPath, childKind, segment, field } = mount;
  const childKey = mount.childKey ?? schemaOf(childKind).endpointKey;
  const parentParam = parentKind;
  const belongs = (row: Row, parent: Row): boolean => (row[field] as Row | null)?.id === parent.id;
  const parentOf = (req: AdminRequest): Row => {
    const parent = dao.find(parentKind, req.params[parentParam] as string);
    if (!parent) throw notFoundError();
    return parent;
  };
  const childOf = (req: AdminRequest, parent: Row): Row | undefined => {
    const idOrKey = req.params[childKind] as string;
    const row = isUuid(idOrKey)
      ? dao.store.get(childKind, idOrKey.toLowerCase())
      : childKey
        ? dao.store.lookup(childKind, fieldKey(childKey), idOrKey).find((r) => belongs(r, parent))
        : undefined;
    return row && belongs(row as Row, parent) ? (row as Row) : undefined;
  };
  const base = `/${parentPath}/{${parentParam}}/${segment}`;
  router.add(base, {
    GET: (req) => {
      const parent = parentOf(req);
      const link = `/${parentPath}/${encodeURIComponent(req.params[parentParam] as string)}/${segment}`;
      const children = (): Row[] => dao.store.lookup(childKind, foreignKey(field), parent.id);
      return listPage(ctx, childKind, req, link, (row) => belongs(row, parent), children);
    },
    POST: (req) => {
      const parent = parentOf(req);
      const input = { ...readInput(req, childKind), [field]: { id: parent.id } };
      return { status: 201, body: dao.insert(childKind, input) };
    },
  });
  router.add(`${base}/{${childKind}}`, {
    GET: (req) => {
      const row = childOf(req, parentOf(req));
      if (!row) throw notFoundError();
      return ok(row);
    },
    PUT: (req) => {
      const parent = parentOf(req);
      const idOrKey = req.params[childKind] as string;
      const existing = childOf(req, parent);
      const stranger =
        isUuid(idOrKey) && !existing && dao.store.get(childKind, idOrKey.toLowerCase());
      if (stranger) throw notFoundError();
      const input = { ...readInput(req, childKind), [field]: { id: parent.id } };
      return ok(dao.upsert(childKind, idOrKey, input, { existing, keyField: childKey }));
    },
    PATCH: (req) => {
      const row = childOf(req, parentOf(req));
      if (!row) throw notFoundError();
      return ok(dao.update(childKind, row, readInput(req, childKind)));
    },
    DELETE: (req) => {
      const row = childOf(req, parentOf(req));
      if (!row) throw notFoundError();
      dao.delete(childKind, row);
      return NO_CONTENT;
    },
  });
}

/** `/{child}/{c}/{field}`, e.g. `/routes/{r}/service`: the parent seen from the child. */
export function mountParentOf(
  router: Router,
  ctx: AdminContext,
  childKind: EntityKind,
  childPath: string,
  field: string,
  parentKind: EntityKind,
): void {
  const { dao } = ctx;
  const parentOf = (req: AdminRequest): { child: Row; parent: Row | undefined } => {
    const child = dao.find(childKind, req.params[childKind] as string);
    if (!child) throw notFoundError();
    const ref = child[field] as Row | null;
    return { child, parent: ref ? dao.store.row(parentKind, ref.id as string) : undefined };
  };
  router.add(`/${childPath}/{${childKind}}/${field}`, {
    GET: (req) => {
      const { parent } = parentOf(req);
      if (!parent) throw notFoundError();
      return ok(parent);
    },
    PATCH: (req) => {
      const { parent } = parentOf(req);
      if (!parent) throw notFoundError();
      return ok(dao.update(parentKind, parent, readInput(req, parentKind)));
    },
    // Upserts the parent; a child without a parent yet gets linked to the new one.
    PUT: (req) => {
      const { child, parent } = parentOf(req);
      if (parent)
        return ok(dao.upsert(parentKind, parent.id as string, readInput(req, parentKind)));
      const created = dao.insert(parentKind, readInput(req, parentKind));
      dao.update(childKind, child, { [field]: { id: created.id } });
      return ok(created);
    },
    DELETE: (req) => {
      const { parent } = parentOf(req);
      if (!parent) throw notFoundError();
      return { status: 405, body: { message: 'Method not allowed' } };
    },
  });
}
