/**
 * The hot lane: the two requests a fleet sends all day, served without Express. `PUT` on the
 * plain heartbeat path with no body (or a plain JSON one: the instance's own health), and `PUT`
 * on the plain register path with a plain JSON body,
 * each with a bearer token already verified (in the token cache). Everything else, and everything
 * while the registry shuts down, is left to Express. The dispatch is in ./app.ts.
 *
 * Why: in a profile under heartbeat load, Express's own per-request work (prototype switching of
 * req/res, the final handler, matching the middleware stack) and body-parser were a large share of a
 * heartbeat's and a registration's CPU (figures in bench/profiles/registry-throughput.md).
 * Only the entry differs: both lanes call the same InstanceService, write the same access line and
 * metrics, and classify errors with the same error handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { INSTANCE_ID_PATTERN, SERVICE_NAME_SEGMENT_PATTERN } from '@kong-registry/sdk';
import type { VerifiedTokenCache } from '../auth/token-cache';
import type { InstanceService } from '../instances/instance-service';
import type { Logger } from '../logger';
import type { RegistryMetrics } from '../metrics';
import { callerAddressOf, HEARTBEAT_ROUTE, INSTANCE_ROUTE } from './instance-paths';
import { parseJsonBody, plainJsonLength, readBody } from './json-body';
import { bearerToken } from './middleware/auth';
import { trackRequest } from './middleware/request-log';
import { trackMetrics } from './middleware/request-metrics';
import { writeFailure, writeJson } from './raw-reply';

/**
 * The instance paths as Express would match them, restricted to what needs no decoding:
 * lowercase `/v1/services`, no trailing slash, no percent escapes, no query. The groups are the
 * contract's alphabets of service names and instance ids; InstanceService checks the full rules.
 */
const INSTANCE_PATH = new RegExp(
  `^/v1/services/(${SERVICE_NAME_SEGMENT_PATTERN})/instances/(${INSTANCE_ID_PATTERN})(/heartbeat)?$`,
);

/** What the hot lane shares with the Express app behind it. */
export interface HotLaneDeps {
  instances: InstanceService;
  tokens: VerifiedTokenCache;
  metrics: RegistryMetrics;
  accessLog: Logger;
  errorLog: Logger;
  bodyLimitBytes: number;
  /** With a trusted proxy the caller's address comes from X-Forwarded-For: Express's job. */
  trustProxy: boolean;
}

/** True when the request carries a body (a length above 0, or chunked). */
function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** Serves the request and returns true, or returns false having touched nothing. */
export type Lane = (req: IncomingMessage, res: ServerResponse) => boolean;

export function hotLane(deps: HotLaneDeps): Lane {
  /** Access line and metrics for a request the lane serves; returns what a failure reply needs. */
  const track = (req: IncomingMessage, res: ServerResponse, url: string, route: string) => {
    const reqId = trackRequest(deps.accessLog, req, res, url);
    trackMetrics(deps.metrics, 'PUT', res, () => route);
    return (err: unknown): void =>
      writeFailure(deps.errorLog, res, err, { reqId, method: 'PUT', path: url });
  };

  return (req, res) => {
    if (req.method !== 'PUT') return false;
    const url = req.url ?? '';
    const match = INSTANCE_PATH.exec(url);
    if (!match) return false;
    const rawToken = bearerToken(req.headers.authorization);
    const token = rawToken === undefined ? undefined : deps.tokens.get(rawToken, Date.now());
    if (rawToken === undefined || token === undefined) return false;
    if (match[3] !== undefined) {
      // A heartbeat has no body, or a plain JSON one carrying the instance's own health.
      let length: number | undefined;
      if (hasBody(req)) {
        length = plainJsonLength(req, deps.bodyLimitBytes);
        if (length === undefined) return false;
      } else req.resume(); // drain whatever the socket holds so keep-alive carries on
      const fail = track(req, res, url, HEARTBEAT_ROUTE);
      const path = { service: match[1], instanceId: match[2] };
      const renewed =
        length === undefined
          ? deps.instances.heartbeat(token, path)
          : readBody(req, length).then((raw) =>
              deps.instances.heartbeat(token, path, parseJsonBody(raw)),
            );
      renewed.then((reply) => writeJson(res, 200, reply), fail);
      return true;
    }

    if (deps.trustProxy) return false;
    const length = plainJsonLength(req, deps.bodyLimitBytes);
    if (length === undefined) return false;
    const service = match[1];
    const instanceId = match[2];
    const fail = track(req, res, url, INSTANCE_ROUTE);
    readBody(req, length)
      .then((raw) =>
        deps.instances.register({
          service,
          instanceId,
          body: parseJsonBody(raw),
          token,
          callerAddress: () => callerAddressOf(req.socket.remoteAddress),
        }),
      )
      .then(({ status, reply }) => writeJson(res, status, reply), fail);
    return true;
  };
}
