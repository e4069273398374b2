/**
 * `/upstreams/{u}/targets` with Kong's custom semantics (kong-sim/KONG_BEHAVIOUR.md#targets):
 * newest first with one row per address and a numeric offset, PUT that is an update (404 when
 * missing), `{t}` by id or address, and `/all` for the raw page.
 */
import { invalidOffset } from '../../dao/errors';
import { parseSize, pageRows } from '../../dao/paging';
import { foreignKey } from '../../dao/row-index';
import { parseTarget } from '../../schema/entities/targets';
import type { Row } from '../../schema/types';
import { isUuid } from '../../schema/validate';
import { notFoundError, ok, pageReply, readInput, type AdminContext } from '../context';
import type { AdminRequest, Router } from '../router';

/** The upstream named in the URL, or 404. */
export function upstreamOf(ctx: AdminContext, req: AdminRequest): Row {
  const upstream = ctx.dao.find('upstreams', req.params.upstreams as string);
  if (!upstream) throw notFoundError();
  return upstream;
}

/** Every target row of an upstream, ordered by id (an index lookup, not a table scan). */
function targetsOf(ctx: AdminContext, upstream: Row): Row[] {
  return ctx.dao.store.lookup('targets', foreignKey('upstream'), upstream.id);
}

/** Targets of an upstream as Kong lists them: newest first, one row per address. */
export function listTargets(ctx: AdminContext, upstream: Row): Row[] {
  const own = targetsOf(ctx, upstream);
  const newestFirst = own.sort((a, b) => (b.created_at as number) - (a.created_at as number));
  const seen = new Set<string>();
  return newestFirst.filter((t) => !seen.has(t.target as string) && seen.add(t.target as string));
}

/** The target `{targets}` (id or `host[:port]`) of the upstream, or 404. */
export function targetOf(ctx: AdminContext, req: AdminRequest, upstream: Row): Row {
  const raw = req.params.targets as string;
  const parsed = isUuid(raw) ? undefined : parseTarget(raw);
  const wanted = parsed ? `${parsed.host}:${parsed.port}` : raw;
  const found = listTargets(ctx, upstream).find((t) =>
    isUuid(raw) ? t.id === raw.toLowerCase() : t.target === wanted,
  );
  if (!found) throw notFoundError();
  return found;
}

function numericOffset(raw: string | null): number {
  if (raw === null) return 0;
  if (!/^\d+$/.test(raw)) throw invalidOffset(raw);
  return Number(raw);
}

/** Registers the target routes. */
export function mountTargetRoutes(router: Router, ctx: AdminContext): void {
  const { dao } = ctx;
  router.add('/upstreams/{upstreams}/targets', {
    GET: (req) => {
      const upstream = upstreamOf(ctx, req);
      const size = parseSize(req.query.get('size') ?? undefined);
      const start = numericOffset(req.query.get('offset'));
      const all = listTargets(ctx, upstream);
      const data = all.slice(start, start + size);
      const more = start + size < all.length;
      const base = `/upstreams/${encodeURIComponent(req.params.upstreams as string)}/targets`;
      return more
        ? pageReply(data, String(start + size), `${base}?offset=${start + size}`)
        : pageReply(data, undefined, null);
    },
    POST: (req) => {
      const upstream = upstreamOf(ctx, req);
      const input = { ...readInput(req, 'targets'), upstream: { id: upstream.id } };
      return { status: 201, body: dao.insert('targets', input) };
    },
  });
  router.add('/upstreams/{upstreams}/targets/all', {
    GET: (req) => {
      const upstream = upstreamOf(ctx, req);
      const rows = targetsOf(ctx, upstream);
      const page = pageRows(
        rows,
        parseSize(req.query.get('size') ?? undefined),
        req.query.get('offset') ?? undefined,
      );
      const base = `/upstreams/${encodeURIComponent(req.params.upstreams as string)}/targets/all`;
      return pageReply(
        page.data,
        page.offset,
        page.offset ? `${base}?offset=${encodeURIComponent(page.offset)}` : null,
      );
    },
  });
  const update = (req: AdminRequest): ReturnType<typeof ok> => {
    const upstream = upstreamOf(ctx, req);
    const target = targetOf(ctx, req, upstream);
    const input = { ...readInput(req, 'targets'), upstream: { id: upstream.id } };
    return ok(dao.update('targets', target, input));
  };
  router.add('/upstreams/{upstreams}/targets/{targets}', {
    GET: (req) => ok(targetOf(ctx, req, upstreamOf(ctx, req))),
    PUT: update,
    PATCH: update,
    DELETE: (req) => {
      const upstream = upstreamOf(ctx, req);
      dao.delete('targets', targetOf(ctx, req, upstream));
      return { status: 204 };
    },
  });
  // Kong disables the top-level /targets endpoints: nothing is mounted, so they answer 404.
}
