/**
 * The Admin API HTTP server on node:http: Kong's transport rules
 * (kong-sim/KONG_BEHAVIOUR.md#admin-api-transport) around the router: 404/405/415, trailing
 * slashes, HEAD, OPTIONS, headers, the optional admin token, the request log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HttpError, KongDbError } from '../dao/errors';
import { parseBody, UnsupportedMediaType } from './body';
import { KONG_VERSION } from './context';
import type { RequestLog } from './request-log';
import {
  allowedMethods,
  type AdminReply,
  type AdminRequest,
  type Method,
  type Router,
} from './router';

/** Minimal logger interface (pino-compatible). */
export interface SimLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Server settings. */
export interface AdminServerOptions {
  router: Router;
  log: RequestLog;
  logger: SimLogger;
  /** When set, requests without `Kong-Admin-Token: <token>` get 401 (an Enterprise RBAC stand-in). */
  adminToken?: string;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

function readRaw(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function errorReply(err: unknown, logger: SimLogger): AdminReply {
  if (err instanceof KongDbError) return { status: err.status, body: err.toBody() };
  if (err instanceof HttpError)
    return { status: err.status, body: { message: err.message }, headers: err.headers };
  if (err instanceof UnsupportedMediaType) return { status: 415 };
  logger.error({ err }, 'admin api handler failed');
  return { status: 500, body: { message: 'An unexpected error occurred' } };
}

async function route(
  req: IncomingMessage,
  url: URL,
  options: AdminServerOptions,
): Promise<AdminReply> {
  const method = (req.method ?? 'GET').toUpperCase();
  // Enterprise RBAC's answers (assumption; OSS has no admin token): missing vs wrong token.
  const token = req.headers['kong-admin-token'];
  if (options.adminToken !== undefined && token !== options.adminToken) {
    const message =
      token === undefined
        ? 'Invalid credentials. Token or User credentials required'
        : 'Invalid RBAC credentials';
    return { status: 401, body: { message } };
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return { status: 404, body: { message: 'Not found' } };
  }
  if (path.length > 1) path = path.replace(/\/+$/, '');
  const match = options.router.match(path);
  if (!match) return { status: 404, body: { message: 'Not found' } };
  if (method === 'OPTIONS') {
    const allow = allowedMethods(match.handlers).join(', ');
    return {
      status: 204,
      headers: {
        Allow: allow,
        'Access-Control-Allow-Methods': allow,
        'Access-Control-Allow-Headers': 'Content-Type',
      },
    };
  }
  const handler = match.handlers[(method === 'HEAD' ? 'GET' : method) as Method];
  if (!handler) return { status: 405, body: { message: 'Method not allowed' } };
  const raw = METHODS_WITH_BODY.has(method) ? await readRaw(req) : '';
  const parsed = parseBody(raw, req.headers['content-type'], path === '/config');
  const request: AdminRequest = {
    method,
    path,
    params: match.params,
    query: url.searchParams,
    body: parsed.body,
    rawBody: raw,
    mediaType: parsed.mediaType,
    fromForm: parsed.fromForm,
  };
  return handler(request);
}

function send(res: ServerResponse, method: string, reply: AdminReply, started: bigint): void {
  const latencyMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
  const headers: Record<string, string> = {
    Server: `kong/${KONG_VERSION}`,
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Credentials': 'true',
    'X-Kong-Admin-Latency': String(latencyMs),
    ...reply.headers,
  };
  const hasBody = reply.body !== undefined && reply.status !== 204 && reply.status !== 304;
  const text = reply.text ?? (hasBody ? JSON.stringify(reply.body) : '');
  if (hasBody && reply.text === undefined)
    headers['Content-Type'] = 'application/json; charset=utf-8';
  headers['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' ? undefined : text);
}

/** Builds the (not yet listening) Admin API server. */
export function createAdminServer(options: AdminServerOptions): Server {
  return createServer((req, res) => {
    const started = process.hrtime.bigint();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://admin.local');
    route(req, url, options)
      .catch((err: unknown) => errorReply(err, options.logger))
      .then((reply) => {
        send(res, method, reply, started);
        options.log.record({
          method,
          path: url.pathname,
          query: url.search.replace(/^\?/, ''),
          status: reply.status,
        });
        options.logger.debug({ method, path: url.pathname, status: reply.status }, 'admin request');
      })
      .catch((err: unknown) => options.logger.error({ err }, 'could not send admin response'));
  });
}
