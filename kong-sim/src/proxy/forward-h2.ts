/**
 * One attempt to a gRPC upstream: HTTP/2 over a pooled session, as nginx's `grpc_pass` sends it
 * (K:kong/templates/nginx_kong.lua, `location @grpc`). Failures are classified like HTTP/1.x
 * attempts (forward.ts), so retries and passive health checks treat both alike.
 */
import http2 from 'node:http2';
import {
  classifyFailure,
  TimeoutError,
  type AgentPool,
  type AttemptOutcome,
  type AttemptRequest,
  type UpstreamResponse,
} from './forward';
import { HTTP2_CONNECTION_SPECIFIC } from './headers';

function requestHeaders(request: AttemptRequest): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ':method': request.method,
    ':path': request.path,
    ':scheme': request.peer.protocol === 'grpcs' ? 'https' : 'http',
  };
  const host = request.headers.host;
  if (host !== undefined) headers[':authority'] = [host].flat()[0];
  // Host travels as :authority.
  for (const [name, value] of Object.entries(request.headers))
    if (!HTTP2_CONNECTION_SPECIFIC.has(name) && name !== 'host') headers[name] = value;
  return headers;
}

function rawHeadersOf(headers: http2.IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    for (const one of [value].flat()) raw.push(name, String(one));
  }
  return raw;
}

/** Sends one attempt to a grpc/grpcs peer. */
export function sendHttp2Attempt(
  request: AttemptRequest,
  pool: AgentPool,
): { outcome: Promise<AttemptOutcome>; abort(): void } {
  const { session, reused } = pool.sessionFor(request.peer, request.tlsVerify);
  const stream = session.request(requestHeaders(request), { endStream: false });
  let bodyStarted = false;
  let connectTimer: NodeJS.Timeout | undefined;

  const outcome = new Promise<AttemptOutcome>((resolve) => {
    const startBody = (): void => {
      if (connectTimer) clearTimeout(connectTimer);
      if (bodyStarted || stream.destroyed) return;
      bodyStarted = true;
      if (Buffer.isBuffer(request.body)) stream.end(request.body);
      else request.body.pipe(stream);
    };
    if (session.connecting) {
      connectTimer = setTimeout(
        () => stream.destroy(new TimeoutError('connect timeout')),
        request.connectTimeoutMs,
      );
      session.once('connect', startBody);
    } else {
      startBody();
    }
    stream.setTimeout(request.readTimeoutMs, () =>
      stream.destroy(new TimeoutError('read timeout')),
    );
    stream.once('response', (headers, flags) => {
      stream.setTimeout(0);
      const response: UpstreamResponse = {
        status: Number(headers[':status'] ?? 502),
        rawHeaders: rawHeadersOf(headers),
        connection: undefined,
        body: stream,
        headersOnly: (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0,
        onTrailers: (listener) => stream.once('trailers', (trailers) => listener(trailers)),
      };
      resolve({ kind: 'response', response });
    });
    stream.once('error', (err) => {
      if (connectTimer) clearTimeout(connectTimer);
      resolve(
        classifyFailure(err, {
          bodyStarted: bodyStarted && !session.connecting,
          reused,
          method: request.method,
          body: request.body,
        }),
      );
    });
    // A stream the upstream reset without an error (RST_STREAM) and without a response.
    stream.once('close', () => {
      if (connectTimer) clearTimeout(connectTimer);
      resolve(
        classifyFailure(new Error(`stream closed with code ${stream.rstCode ?? 'none'}`), {
          bodyStarted: true,
          reused,
          method: request.method,
          body: request.body,
        }),
      );
    });
  });
  return { outcome, abort: () => stream.close(http2.constants.NGHTTP2_CANCEL) };
}
