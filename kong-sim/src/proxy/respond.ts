import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PluginExit } from '../auth/types';
import { nginxErrorFormat, pdkErrorFormat, renderErrorBody } from './errors';
import { SERVER_HEADER } from './headers';

/** Per-request facts every Kong-produced response needs. */
export interface ResponseContext {
  requestId: string;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
}

function elapsedMs(ctx: ResponseContext): string {
  return String(Math.max(0, Math.round(performance.now() - ctx.startedAt)));
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
  res.writeHead(response.status, {
    ...response.headers,
    ...(response.contentType ? { 'Content-Type': response.contentType } : {}),
    'Content-Length': String(body.length),
    Server: SERVER_HEADER,
    'X-Kong-Response-Latency': elapsedMs(ctx),
    'X-Kong-Request-Id': ctx.requestId,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
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
  const { contentType, body } = renderErrorBody(
    pdkErrorFormat(req.headers.accept),
    message,
    ctx.requestId,
  );
  sendKongResponse(req, res, ctx, { status, contentType, body, headers });
}

/** An nginx-level error (502/504): Accept, then Content-Type, then text/plain. */
export function sendNginxError(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  status: number,
  message: string,
): void {
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
  sendKongResponse(req, res, ctx, {
    status: exit.status,
    contentType: exit.body === undefined ? undefined : 'application/json; charset=utf-8',
    body: exit.body === undefined ? '' : JSON.stringify(exit.body),
    headers,
  });
}
