import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Level } from 'pino';
import type { Logger } from '../../logger';

/** Header carrying the request id, in requests (trusted when well-formed) and every response. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths polled all day (probes, heartbeats, metrics): logged at debug so info stays readable. */
const CHATTY = /^\/(healthz|readyz|metrics)$|\/heartbeat$/;

/** The request's id: the caller's own when well-formed, else a fresh UUID. */
function requestIdFor(req: Request): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Level of the access line: errors, then chatty paths at debug, refusals at warn. */
function levelFor(req: Request, res: Response, failed: boolean): Level {
  if (failed || res.statusCode >= 500) return 'error';
  if (CHATTY.test(req.originalUrl)) return 'debug';
  return res.statusCode >= 400 ? 'warn' : 'info';
}

/**
 * One JSON access line per request with a request id (`reqId`), the same id the response
 * carries in `X-Request-Id`, so a client's report, the registry's log and a log shipper's index
 * meet on one value. A caller's own id is kept when it is well-formed (a proxy's or Kong's
 * `X-Kong-Request-Id` passed on), otherwise a UUID is generated. Headers are not logged: only
 * method, URL, status and time, so no token can leak through this line.
 *
 * The line has the fields pino-http wrote (`req`, `reqId`, `res`, `responseTime`, and `err` for a
 * 5xx) but costs nothing until it is written: pino-http built two child loggers per request,
 * serialising and redacting their bindings even when the line was then dropped at debug, which
 * was the largest single cost of a heartbeat (bench/profiles/registry-throughput.md).
 */
export function requestLog(logger: Logger): RequestHandler {
  const log = logger.child({ component: 'http' });
  return (req, res, next) => {
    const id = requestIdFor(req);
    (req as { id?: string }).id = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    const startedAt = Date.now();
    const onDone = (err?: unknown): void => {
      res.removeListener('finish', onDone);
      res.removeListener('close', onDone);
      res.removeListener('error', onDone);
      const failed = err instanceof Error;
      const level = levelFor(req, res, failed);
      if (!log.isLevelEnabled(level)) return;
      const line: Record<string, unknown> = {
        req: { method: req.method, url: req.originalUrl },
        reqId: id,
        res: { statusCode: res.statusCode },
        responseTime: Date.now() - startedAt,
      };
      if (failed || res.statusCode >= 500) {
        line.err = failed ? err : new Error(`failed with status code ${res.statusCode}`);
      }
      log[level](line, `${req.method} ${req.originalUrl} ${res.statusCode}`);
    };
    res.on('finish', onDone);
    res.on('close', onDone);
    res.on('error', onDone);
    next();
  };
}
