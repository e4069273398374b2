import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { PluginExit } from '../auth/types';
import { nginxErrorFormat, pdkErrorFormat, renderErrorBody } from './errors';
import { grpcErrorPage, grpcMessageOf, grpcStatusOf, isGrpcRequest } from './grpc';
import { HTTP2_CONNECTION_SPECIFIC, SERVER_HEADER } from './headers';
import { http2StreamOf } from './http2-request';
import type { RequestRecord } from './log/record';

/** Per-request facts every Kong-produced response needs. */
export interface ResponseContext {
  requestId: string;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
  /** What the log phase will know of the request (./log/record.ts). */
  record?: RequestRecord;
}

function elapsedMs(ctx: ResponseContext): string {
  return String(Math.max(0, Math.round(performance.now() - ctx.startedAt)));
}

/**
 * Writes a complete response. Over HTTP/2 an empty body ends the stream with the HEADERS frame,
 * as nginx does: a gRPC client reads a "Trailers-Only" reply from it.
 */
function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: Buffer,
): void {
  const stream = http2StreamOf(res);
  if (!stream) {
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  const allowed: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (!HTTP2_CONNECTION_SPECIFIC.has(name.toLowerCase())) allowed[name.toLowerCase()] = value;
  if (body.length === 0 || req.method === 'HEAD') {
    stream.respond({ ...allowed, ':status': status }, { endStream: true });
    return;
  }
  res.writeHead(status, allowed);
  res.end(body);
}

/** The headers Kong's header filter puts on a response it produced (no `Via`). */
function kongHeaders(ctx: ResponseContext): Record<string, string> {
  return {
    Server: SERVER_HEADER,
    'X-Kong-Response-Latency': elapsedMs(ctx),
    'X-Kong-Request-Id': ctx.requestId,
  };
}

/**
 * Sends a response Kong produced itself (K:kong/runloop/handler.lua `header_filter`): `Server`,
 * `X-Kong-Response-Latency` and `X-Kong-Request-Id`, and no `Via`.
 */
export function sendKongResponse(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  response: {
    status: number;
    contentType: string | undefined;
    body: string;
    headers?: Record<string, string>;
  },
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(response.body);
  const headers = {
    ...response.headers,
    ...(response.contentType ? { 'Content-Type': response.contentType } : {}),
    'Content-Length': String(body.length),
    ...kongHeaders(ctx),
  };
  ctx.record?.responded(response.status, headers, 'kong');
  if (ctx.record && req.method !== 'HEAD') ctx.record.bodyBytes += body.length;
  writeResponse(req, res, response.status, headers, body);
}

/**
 * A response Kong produced, in gRPC's shape (`send` in K:kong/pdk/response.lua): the HTTP status
 * stays, `grpc-status` follows it, the message travels in `grpc-message`, the body is empty.
 * Headers the caller gives (`grpc-status` included) win.
 */
export function sendGrpcKongResponse(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  response: { status: number; message?: string; headers?: Record<string, string> },
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const given = Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const grpcStatus = given['grpc-status'] ?? String(grpcStatusOf(response.status));
  const headers: OutgoingHttpHeaders = {
    ...given,
    'grpc-status': grpcStatus,
    'grpc-message': given['grpc-message'] ?? response.message ?? grpcMessageOf(Number(grpcStatus)),
    'content-length': '0',
    ...kongHeaders(ctx),
  };
  ctx.record?.responded(response.status, headers, 'kong');
  writeResponse(req, res, response.status, headers, Buffer.alloc(0));
}

/** `kong.response.error`: body format negotiated from Accept, JSON by default. */
export function sendPdkError(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  status: number,
  message: string,
  headers?: Record<string, string>,
): void {
  // A gRPC request gets application/grpc and no body: the message is lost for the status's own.
  if (isGrpcRequest(req) && !hasHeader(headers, 'content-type')) {
    sendGrpcKongResponse(req, res, ctx, {
      status,
      headers: { ...headers, 'content-type': 'application/grpc' },
    });
    return;
  }
  const { contentType, body } = renderErrorBody(
    pdkErrorFormat(req.headers.accept),
    message,
    ctx.requestId,
  );
  sendKongResponse(req, res, ctx, { status, contentType, body, headers });
}

/**
 * An nginx-level error (502/504) through K:kong/error_handlers.lua: Accept, then Content-Type,
 * then text/plain; a gRPC caller gets the message in `grpc-message`.
 */
export function sendNginxError(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  status: number,
  message: string,
): void {
  if (grpcErrorPage(req) && isGrpcRequest(req)) {
    sendGrpcKongResponse(req, res, ctx, { status, message });
    return;
  }
  const format = nginxErrorFormat(req.headers.accept, req.headers['content-type']);
  const { contentType, body } = renderErrorBody(format, message, ctx.requestId);
  sendKongResponse(req, res, ctx, { status, contentType, body });
}

/**
 * Answers with what a plugin returned instead of proxying. `pluginHeaders` are response headers
 * earlier plugins added (cors), which Kong's header filter puts on its own responses too.
 */
export function sendPluginExit(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  exit: PluginExit,
  pluginHeaders: Record<string, string> = {},
): void {
  const headers = { ...pluginHeaders, ...exit.headers };
  if (exit.type === 'error') {
    sendPdkError(req, res, ctx, exit.status, exit.message, headers);
    return;
  }
  if (isGrpcRequest(req) && !hasHeader(headers, 'content-type')) {
    const message = exit.body?.message;
    sendGrpcKongResponse(req, res, ctx, {
      status: exit.status,
      message: typeof message === 'string' ? message : undefined,
      headers,
    });
    return;
  }
  sendKongResponse(req, res, ctx, {
    status: exit.status,
    contentType: exit.body === undefined ? undefined : 'application/json; charset=utf-8',
    body: exit.body === undefined ? '' : JSON.stringify(exit.body),
    headers,
  });
}

function hasHeader(headers: Record<string, string> | undefined, name: string): boolean {
  return Object.keys(headers ?? {}).some((key) => key.toLowerCase() === name);
}
