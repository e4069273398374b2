import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { KONG_REQUEST_ID_LOG_FIELD, requestIdFromHeaders } from '@kong-registry/sdk';
import type { Level } from 'pino';
import type { Logger } from '../../logger';

/** Header carrying the request id, in requests (trusted when well-formed) and every response. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths polled all day (probes, heartbeats, metrics): logged at debug so info stays readable. */
const CHATTY = /^\/(healthz|readyz|metrics)$|\/heartbeat$/;

/** The request's id: the caller's own when well-formed, else a fresh UUID. */
function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Level of the access line: errors, then chatty paths and answered reads at debug (the
 * controller and the admin page read the state every few seconds; a read changes nothing, so
 * `info` keeps to what changed), refusals at warn.
 */
function levelFor(
  method: string | undefined,
  url: string,
  res: ServerResponse,
  failed: boolean,
): Level {
  if (failed || res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return CHATTY.test(url) ? 'debug' : 'warn';
  if (CHATTY.test(url) || method === 'GET' || method === 'HEAD') return 'debug';
  return 'info';
}

/**
 * Gives a request its id (in `X-Request-Id` of the response) and writes its access line when the
 * response is done. `url` is the full request URL (Express's `originalUrl`). Returns the id.
 * Shared by the Express middleware and the hot lane (../hot-lane.ts), so both log alike.
 */
export function trackRequest(
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
): string {
  const id = requestIdFor(req);
  res.setHeader(REQUEST_ID_HEADER, id);
  const startedAt = Date.now();
  const onDone = (err?: unknown): void => {
    res.removeListener('finish', onDone);
    res.removeListener('close', onDone);
    res.removeListener('error', onDone);
    const failed = err instanceof Error;
    const level = levelFor(req.method, url, res, failed);
    if (!log.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {
      req: { method: req.method, url },
      reqId: id,
      res: { statusCode: res.statusCode },
      responseTime: Date.now() - startedAt,
    };
    // Behind Kong: Kong's id for the request, as the services log it (docs/observability.md).
    const kongRequestId = requestIdFromHeaders(req);
    if (kongRequestId !== null) line[KONG_REQUEST_ID_LOG_FIELD] = kongRequestId;
    if (failed || res.statusCode >= 500) {
      line.err = failed ? err : new Error(`failed with status code ${res.statusCode}`);
    }
    log[level](line, `${req.method ?? ''} ${url} ${res.statusCode}`);
  };
  res.on('finish', onDone);
  res.on('close', onDone);
  res.on('error', onDone);
  return id;
}

/** The child logger access lines are written with. */
export function accessLogger(logger: Logger): Logger {
  return logger.child({ component: 'http' });
}

/**
 * One JSON access line per request with a request id (`reqId`), the same id the response
 * carries in `X-Request-Id`, so a client's report, the registry's log and a log shipper's index
 * meet on one value. A caller's own id is kept when it is well-formed (a proxy's or Kong's
 * `X-Kong-Request-Id` passed on), otherwise a UUID is generated. A request that came through Kong
 * also carries Kong's own id (`X-Kong-Request-Id`), logged as `kongRequestId` like the services
 * do. Headers are not logged otherwise: only method, URL, status and time, so no token can leak
 * through this line.
 *
 * The line has the fields pino-http wrote (`req`, `reqId`, `res`, `responseTime`, and `err` for a
 * 5xx) but costs nothing until it is written: pino-http built two child loggers per request,
 * serialising and redacting their bindings even when the line was then dropped at debug, which
 * was the largest single cost of a heartbeat (bench/profiles/registry-throughput.md).
 */
export function requestLog(logger: Logger): RequestHandler {
  const log = accessLogger(logger);
  return (req, res, next) => {
    (req as { id?: string }).id = trackRequest(log, req, res, req.originalUrl);
    next();
  };
}
