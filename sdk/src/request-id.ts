/**
 * The id Kong gives every request it proxies, so one request can be found in Kong's log entry
 * and in the service's own log lines (docs/observability.md). Kong 3.9 sends it upstream as
 * `X-Kong-Request-Id` (its default `headers_upstream`), the same value it returns to the client
 * and writes as `request.id` in its log plugins' entries.
 */
import { readHeader, type HeaderBag } from './request-headers';

/** The request header (lowercase) carrying Kong's request id, upstream and on responses. */
export const KONG_REQUEST_ID_HEADER = 'x-kong-request-id';

/** The field name under which services log Kong's request id, so log searches use one name. */
export const KONG_REQUEST_ID_LOG_FIELD = 'kongRequestId';

/**
 * Kong's ids are 32 hex digits; other gateways use UUIDs and the like. Anything else (spaces,
 * control characters, a novel) is not an id worth copying into every log line.
 */
const PLAUSIBLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Kong's request id from the request headers (`X-Kong-Request-Id`), or null when the request did
 * not come through Kong or the value does not look like an id. Accepts a Node `IncomingMessage`,
 * an Express request, a Fetch `Request`, or anything with `headers`.
 */
export function requestIdFromHeaders(req: { headers: HeaderBag }): string | null {
  const value = readHeader(req.headers, KONG_REQUEST_ID_HEADER);
  return value !== null && PLAUSIBLE_ID.test(value) ? value : null;
}
