/**
 * HTTP/2 requests seen the way the proxy sees HTTP/1.1 ones. Node's compatibility API
 * (Http2ServerRequest/Http2ServerResponse) already offers the members the proxy uses (method,
 * url, socket, the body as a stream; writeHead, end, headersSent, destroy); what differs is the
 * header list, which carries the pseudo-headers. nginx hides those from `ngx.req.get_headers()`
 * and takes the Host from `:authority`, so the adapted request does the same.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/** The request's headers without pseudo-headers, each name with all of its values. */
function distinctHeaders(req: Http2ServerRequest): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    if (name.startsWith(':')) continue;
    (out[name] ??= []).push(req.rawHeaders[i + 1] ?? '');
  }
  const authority = req.headers[':authority'];
  if (out.host === undefined && typeof authority === 'string') out.host = [authority];
  return out;
}

/** Joins values the way Node's HTTP/1 parser does: cookies with `; `, others with `, `. */
function joinedHeaders(distinct: Record<string, string[]>): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, values] of Object.entries(distinct)) {
    if (name === 'set-cookie') out[name] = values;
    else out[name] = values.join(name === 'cookie' ? '; ' : ', ');
  }
  return out;
}

/**
 * The HTTP/2 request and response as the proxy's handler takes them. The request's `headers`
 * and `headersDistinct` are replaced on the instance by pseudo-header-free ones, its `socket` by
 * the client's address.
 */
export function adaptHttp2Exchange(
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  clientAddress: string,
): { req: IncomingMessage; res: ServerResponse } {
  const distinct = distinctHeaders(req);
  Object.defineProperties(req, {
    headers: { value: joinedHeaders(distinct) },
    headersDistinct: { value: distinct },
    // The proxy reads only the peer's address from the socket (headers.ts clientAddress).
    socket: { value: Object.freeze({ remoteAddress: clientAddress }) },
  });
  return {
    req: req as unknown as IncomingMessage,
    res: res as unknown as ServerResponse,
  };
}

/** The HTTP version of a request as nginx's `ngx.req.http_version()` gives it: 1.1, 2... */
export function httpVersionOf(req: IncomingMessage): number {
  return req.httpVersionMajor === 2 || req.httpVersion === '2.0'
    ? 2
    : Number(req.httpVersion || '1.1');
}

/** The server-side HTTP/2 stream under a compat response, when the request came over HTTP/2. */
export function http2StreamOf(res: ServerResponse): Http2ServerResponse['stream'] | undefined {
  const stream = (res as unknown as Partial<Http2ServerResponse>).stream;
  return stream ?? undefined;
}
