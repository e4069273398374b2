/**
 * `/config` (K:kong/api/routes/config.lua): DB-less declarative loads (JSON object,
 * `{config: string}` or a YAML body), `check_hash`, `flatten_errors`, and the export; in DB mode
 * it only answers 400.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { HttpError } from '../../dao/errors';
import { loadDocument } from '../../declarative/load';
import { DECLARATIVE_KINDS } from '../../declarative/flatten';
import { ENTITY_KINDS } from '../../schema/entities';
import type { Row } from '../../schema/types';
import { isPlainObject } from '../../schema/validate';
import { ok, type AdminContext } from '../context';
import type { AdminReply, AdminRequest, Router } from '../router';

const YES = ['1', 'true', 'on', 'yes'];

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** The document and, for string forms, the text its hash is computed from. */
function readDocument(req: AdminRequest): { doc: unknown; text?: string } {
  const parse = (text: string): unknown => {
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      throw new HttpError(
        400,
        `failed parsing declarative configuration: ${(err as Error).message}`,
      );
    }
  };
  if (req.body === undefined && req.rawBody.trim() !== '' && req.mediaType.includes('yaml'))
    return { doc: parse(req.rawBody), text: req.rawBody };
  const body = req.body;
  if (body === undefined || (isPlainObject(body) && Object.keys(body).length === 0))
    throw new HttpError(400, 'expected a declarative configuration');
  if (typeof body.config === 'string') return { doc: parse(body.config), text: body.config };
  return { doc: body };
}

function load(ctx: AdminContext, req: AdminRequest): AdminReply {
  const { doc, text } = readDocument(req);
  const hash = text === undefined ? undefined : md5(text);
  if (
    hash !== undefined &&
    YES.includes(req.query.get('check_hash') ?? '') &&
    hash === ctx.configHash()
  )
    return { status: 304 };
  const content = loadDocument(doc, YES.includes(req.query.get('flatten_errors') ?? ''));
  ctx.dao.store.replaceAll(content);
  ctx.setConfigHash(hash ?? md5(JSON.stringify(doc)));
  const body: Row = {};
  for (const kind of ENTITY_KINDS) {
    if (content[kind].length > 0)
      body[kind] = Object.fromEntries(content[kind].map((row) => [row.id, row]));
  }
  return { status: 201, body };
}

function exportConfig(ctx: AdminContext): AdminReply {
  const doc: Row = { _format_version: '3.0', _transform: false };
  for (const kind of DECLARATIVE_KINDS) {
    const rows = ctx.dao.store.rows(kind);
    if (rows.length > 0) doc[kind] = rows;
  }
  return ok({ config: stringifyYaml(doc) });
}

/** Registers `/config`. */
export function mountConfigRoutes(router: Router, ctx: AdminContext): void {
  if (ctx.mode === 'db') {
    const dbOnly = (): never => {
      throw new HttpError(
        400,
        'this endpoint is only available when Kong is configured to not use a database',
      );
    };
    router.add('/config', { GET: dbOnly, POST: dbOnly });
    return;
  }
  router.add('/config', { GET: () => exportConfig(ctx), POST: (req) => load(ctx, req) });
}
