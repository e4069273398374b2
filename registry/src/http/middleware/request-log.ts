import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { Logger } from '../../logger';

/** Header carrying the request id, in requests (trusted when well-formed) and every response. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths polled all day (probes, heartbeats, metrics): logged at debug so info stays readable. */
const CHATTY = /^\/(healthz|readyz|metrics)$|\/heartbeat$/;

/**
 * One JSON access line per request with a request id (`reqId`), the same id the response
 * carries in `X-Request-Id`, so a client's report, the registry's log and a log shipper's index
 * meet on one value. A caller's own id is kept when it is well-formed (a proxy's or Kong's
 * `X-Kong-Request-Id` passed on), otherwise a UUID is generated. Headers are not logged: only
 * method, URL, status and time, so no token can leak through this line.
 */
export function requestLog(logger: Logger): HttpLogger {
  return pinoHttp({
    logger: logger.child({ component: 'http' }),
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id =
        typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customProps: (req) => ({ reqId: req.id }),
    customLogLevel(req, res, err) {
      if (err || res.statusCode >= 500) return 'error';
      if (CHATTY.test(req.url ?? '')) return 'debug';
      return res.statusCode >= 400 ? 'warn' : 'info';
    },
    customSuccessMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
