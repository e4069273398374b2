/**
 * `/tags` and `/tags/{tag}`: every tagged entity as `{tag, entity_name, entity_id}`
 * (K:kong/db/schema/entities/tags.lua).
 */
import { parseSize } from '../../dao/paging';
import { ENTITY_KINDS } from '../../schema/entities';
import type { Row } from '../../schema/types';
import { invalidOffset } from '../../dao/errors';
import { pageReply, type AdminContext } from '../context';
import type { AdminRequest, AdminReply, Router } from '../router';

function tagRows(ctx: AdminContext, only?: string): Row[] {
  const rows: Row[] = [];
  for (const kind of ENTITY_KINDS) {
    for (const entity of ctx.dao.store.rows(kind)) {
      for (const tag of (entity.tags as string[] | null) ?? []) {
        if (only === undefined || tag === only)
          rows.push({ tag, entity_name: kind, entity_id: entity.id });
      }
    }
  }
  return rows;
}

function page(req: AdminRequest, rows: Row[], base: string): AdminReply {
  const size = parseSize(req.query.get('size') ?? undefined);
  const raw = req.query.get('offset');
  if (raw !== null && !/^\d+$/.test(raw)) throw invalidOffset(raw);
  const start = raw === null ? 0 : Number(raw);
  const data = rows.slice(start, start + size);
  if (start + size >= rows.length) return pageReply(data, undefined, null);
  return pageReply(data, String(start + size), `${base}?offset=${start + size}`);
}

/** Registers the tag listings. */
export function mountTagRoutes(router: Router, ctx: AdminContext): void {
  router.add('/tags', { GET: (req) => page(req, tagRows(ctx), '/tags') });
  router.add('/tags/{tag}', {
    GET: (req) => {
      const tag = req.params.tag as string;
      return page(req, tagRows(ctx, tag), `/tags/${encodeURIComponent(tag)}`);
    },
  });
}
