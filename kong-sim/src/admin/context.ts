/** What every Admin API route module needs, plus small shared helpers. */
import type { Dao } from '../dao/dao';
import { HttpError } from '../dao/errors';
import { coerceForm } from '../schema/coerce';
import { schemaOf } from '../schema/entities';
import type { Row } from '../schema/types';
import type { WorkerSettings } from '../proxy/worker-state';
import type { EntityKind, HealthView } from '../store/types';
import type { AdminReply, AdminRequest } from './router';

/** A host and the port bound on it. */
export interface ListenAddress {
  host: string;
  port: number;
  /** The listener's `http2` flag. */
  http2?: boolean;
}

/** Dependencies of the route modules. */
export interface AdminContext {
  dao: Dao;
  /** The proxy's health checker, read through the seam. */
  health: () => HealthView;
  nodeId: string;
  mode: 'db' | 'dbless';
  /** Version string Kong reports (`3.9.3`). */
  version: string;
  /** Current declarative config hash (DB-less), 32 hex characters. */
  configHash: () => string;
  setConfigHash: (hash: string) => void;
  /**
   * Where the Admin API and the proxy really listen, for `GET /`'s `*_listen` and `*_listeners`.
   * A function: the context is built before the Admin API listens, so its port comes later.
   */
  listen: () => { admin: ListenAddress; proxy: ListenAddress };
  /** `worker_consistency` and `worker_state_update_frequency`, reported by `GET /`. */
  workers: WorkerSettings;
  /** The prometheus plugin's exposition text (the proxy's exporter). */
  metrics: () => string;
}

/** Kong's version as reported by `GET /` and the `Server` header. */
export const KONG_VERSION = '3.9.3';

/** The standard 404 body. */
export function notFoundError(): HttpError {
  return new HttpError(404, 'Not found');
}

/** The request body as an entity input (form values coerced through the schema). */
export function readInput(req: AdminRequest, kind: EntityKind): Row {
  const body = req.body ?? {};
  if (!req.fromForm) return { ...body };
  const schema = schemaOf(kind);
  const fields = schema.fieldsFor?.(body) ?? schema.fields;
  return coerceForm(fields, body);
}

/** 200 with a JSON body. */
export function ok(body: unknown): AdminReply {
  return { status: 200, body };
}

/** A list page in Kong's shape: `offset` only when more follows, `next` always present. */
export function pageReply(
  data: Row[],
  offset: string | undefined,
  next: string | null,
): AdminReply {
  return {
    status: 200,
    body: offset === undefined ? { data, next: null } : { data, offset, next },
  };
}
