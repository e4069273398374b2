import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VerifiedTokenCache } from '../auth/token-cache';
import { SERVICE_NAME } from '../instances/validation';
import type { Logger } from '../logger';
import type { AppDeps } from './deps';
import { HEARTBEAT_ROUTE, renewLease } from './heartbeat';
import { bearerToken } from './middleware/auth';
import { trackRequest } from './middleware/request-log';
import { trackMetrics } from './middleware/request-metrics';
import { writeFailure, writeJson } from './raw-reply';

/**
 * The heartbeat path as Express would match it, restricted to what needs no decoding: lowercase,
 * no trailing slash, no percent escapes, no query. The id group is exactly INSTANCE_ID; the
 * service group is SERVICE_NAME's alphabet (its full rule is checked after the match).
 */
const HEARTBEAT_PATH =
  /^\/v1\/services\/([a-z0-9-]{1,63})\/instances\/([A-Za-z0-9._-]{1,128})\/heartbeat$/;

/** True when the request carries a body (a length above 0, or chunked). */
function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** What the fast path shares with the Express app it sits in front of. */
export interface FastPathDeps extends Pick<AppDeps, 'repository' | 'clock' | 'metrics'> {
  tokens: VerifiedTokenCache;
  accessLog: Logger;
  errorLog: Logger;
  isShuttingDown(): boolean;
}

/**
 * The common case of a heartbeat, served without Express: `PUT` on the plain heartbeat path, no
 * body, a bearer token already verified (in the token cache, not expired) and allowed for the
 * service. Returns false, having touched nothing, for every other request, which Express then
 * handles as before (and whose first heartbeat with a new token puts it in the cache).
 *
 * Why: in a profile of the registry under heartbeat load, Express's own per-request work
 * (prototype switching of req/res, the final handler, matching the middleware stack) cost about
 * as much as the rest of the heartbeat (bench/profiles/registry-throughput.md). The reply, the
 * access line, the metrics and every error after the match are the same as the Express route's:
 * they share renewLease, trackRequest, trackMetrics and the error handler's classification.
 */
export function heartbeatFastPath(
  deps: FastPathDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'PUT' || deps.isShuttingDown()) return false;
    const url = req.url ?? '';
    const match = HEARTBEAT_PATH.exec(url);
    if (!match || hasBody(req)) return false;
    const service = match[1] ?? '';
    const instanceId = match[2] ?? '';
    if (!SERVICE_NAME.test(service)) return false;
    const raw = bearerToken(req.headers.authorization);
    const token = raw === undefined ? undefined : deps.tokens.get(raw, Date.now());
    if (!token || (token.role !== 'admin' && token.service !== service)) return false;

    const reqId = trackRequest(deps.accessLog, req, res, url);
    trackMetrics(deps.metrics, 'PUT', res, () => HEARTBEAT_ROUTE);
    // A heartbeat never has a body: drain whatever the socket holds so keep-alive carries on.
    req.resume();
    renewLease(deps, service, instanceId).then(
      (reply) => writeJson(res, 200, reply),
      (err: unknown) => writeFailure(deps.errorLog, res, err, { reqId, method: 'PUT', path: url }),
    );
    return true;
  };
}
