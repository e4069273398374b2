import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessPlugin, AuthContext } from '../auth/types';
import type { HealthRegistry } from '../health/registry';
import type { Logger } from '../health/checker';
import type { RouteEntity, StoreReader } from '../store/types';
import type { RoundRobinBalancer } from './balancer';
import { parseBody, readBody, serializeBody } from './body';
import { KONG_MESSAGES } from './errors';
import type { AgentPool } from './forward';
import {
  clientAddress,
  definedHeaders,
  forwardableRequestHeaders,
  parseCookies,
  requestHost,
  setForwardingHeaders,
} from './headers';
import { runAccessPhase } from './plugins';
import { refuseOnGrpcRoute } from './grpc';
import { httpVersionOf } from './http2-request';
import { RequestRecord } from './log/record';
import {
  sendGrpcKongResponse,
  sendKongResponse,
  sendPdkError,
  sendPluginExit,
  type ResponseContext,
} from './respond';
import { normalizeRequestPath } from './router/normalize-path';
import type { WorkerState } from './worker-state';
import { callUpstream } from './upstream-call';
import { computeUpstreamPath } from './upstream-path';

/** Long-lived collaborators of the request handler. */
export interface ProxyDeps {
  store: StoreReader;
  /** The router, plugins and balancer as the workers see them (worker-state.ts). */
  workers: WorkerState;
  health: HealthRegistry;
  balancer: RoundRobinBalancer;
  agents: AgentPool;
  logger: Logger;
  /** Runtime plugins of this proxy (see createAccessPlugins). */
  plugins: readonly AccessPlugin[];
  /** The port the proxy listens on (X-Forwarded-Port, `host:port` route hosts). */
  port(): number;
  /** Runs the log phase for `record` once `res` is done (./log/phase.ts). */
  afterResponse(res: ServerResponse, record: RequestRecord): void;
}

/**
 * Splits the request target into path and query (`?` included, a bare `?` kept:
 * K:kong/runloop/handler.lua).
 */
function splitTarget(url: string): { path: string; query: string } {
  const target = /^https?:\/\//i.test(url) ? url.replace(/^https?:\/\/[^/]*/i, '') || '/' : url;
  const idx = target.indexOf('?');
  return idx === -1
    ? { path: target, query: '' }
    : { path: target.slice(0, idx), query: target.slice(idx) };
}

/** An https-only route hit over http: 426 or the redirect (K:kong/runloop/handler.lua). */
function rejectPlainHttp(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  route: RouteEntity,
): void {
  const status = route.https_redirect_status_code;
  if (status === 426) {
    sendPdkError(req, res, ctx, 426, KONG_MESSAGES.useHttps, {
      Connection: 'Upgrade',
      Upgrade: 'TLS/1.2, HTTP/1.1',
    });
    return;
  }
  const location = `https://${requestHost(req)}${req.url ?? '/'}`;
  sendKongResponse(req, res, ctx, {
    status,
    contentType: 'text/html',
    body: '',
    headers: { Location: location },
  });
}

/**
 * The whole proxy path of one request: route, plugins, upstream (kong-sim/KONG_BEHAVIOUR.md, from
 * #route-matching to #authentication-plugins).
 */
export async function handleProxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ProxyDeps,
): Promise<void> {
  const ctx: ResponseContext = {
    requestId: randomBytes(16).toString('hex'),
    startedAt: performance.now(),
  };
  const record = new RequestRecord(req, ctx.requestId, ctx.startedAt);
  ctx.record = record;
  deps.afterResponse(res, record);
  const { path: rawPath, query: rawQuery } = splitTarget(req.url ?? '/');
  const path = normalizeRequestPath(rawPath);
  const routing = deps.workers.routing();
  record.plugins = routing.plugins;
  const match = routing.router.match({
    method: req.method ?? 'GET',
    host: requestHost(req),
    localPort: deps.port(),
    path,
    headers: req.headersDistinct,
  });
  if (!match) return sendPdkError(req, res, ctx, 404, KONG_MESSAGES.noRoute);
  const { route, service } = match;
  // kong-sim listens without TLS, so every request arrives as http.
  if (route.protocols.includes('https') && !route.protocols.includes('http'))
    return rejectPlainHttp(req, res, ctx, route);
  const refusal = refuseOnGrpcRoute(req, route, 'http');
  if (refusal?.kind === 'error')
    return sendPdkError(req, res, ctx, refusal.status, refusal.message, refusal.headers);
  if (refusal?.kind === 'grpcs-only')
    return sendGrpcKongResponse(req, res, ctx, {
      status: 200,
      headers: {
        'content-type': 'application/grpc',
        'grpc-status': '1',
        'grpc-message': 'gRPC request matched gRPCs route',
      },
    });
  // Kong's balancer_prepare: from here on the log knows the route and service, and tries.
  record.route = route;
  record.service = service ?? undefined;
  record.tries = [];
  const matchedPath = route.paths && route.paths.length > 0 ? match.matchedPath : undefined;
  const upstreamPath = service
    ? computeUpstreamPath({
        servicePath: service.path,
        requestPath: path,
        matchedPath,
        stripPath: route.strip_path,
      })
    : '';
  record.upstreamUri = service ? upstreamPath + rawQuery : '';
  if (!service) {
    record.collected = true;
    return sendPdkError(req, res, ctx, 503, KONG_MESSAGES.noService);
  }

  let rawBody: Buffer | undefined;
  let body: Record<string, unknown> | undefined;
  if (routing.readsBody) {
    rawBody = await readBody(req);
    record.requestBodyBytes = rawBody.length;
    body = parseBody(rawBody, req.headers['content-type']);
  }
  const query = new URLSearchParams(rawQuery.slice(1));
  const originalQuery = query.toString();
  const auth: AuthContext = {
    store: deps.store,
    method: req.method ?? 'GET',
    path,
    clientIp: clientAddress(req),
    serviceId: service.id,
    responseHeaders: {},
    requestHeaders: req.headersDistinct,
    cookies: parseCookies(req.headers.cookie),
    body,
    bodyChanged: false,
    upstreamHeaders: forwardableRequestHeaders(req),
    query,
    consumer: undefined,
    credential: undefined,
    now: () => Math.floor(Date.now() / 1000),
  };
  const headersBefore = { ...auth.upstreamHeaders };
  const exit = runAccessPhase(routing.plugins, deps.plugins, auth, {
    route: route.id,
    service: service.id,
  });
  // The access phase collected the plugins of the route, service and consumer for the log.
  record.collected = true;
  record.consumer = auth.consumer;
  record.credential = auth.credential;
  const queryAfter = auth.query.toString();
  record.accessPhaseRan(
    headersBefore,
    auth.upstreamHeaders,
    queryAfter === originalQuery ? undefined : queryAfter,
  );
  if (exit) return sendPluginExit(req, res, ctx, exit, auth.responseHeaders);

  const queryString =
    auth.query.toString() === originalQuery
      ? rawQuery
      : auth.query.size > 0
        ? `?${auth.query}`
        : '';
  const headers = auth.upstreamHeaders;
  setForwardingHeaders(headers, {
    clientIp: clientAddress(req),
    host: requestHost(req),
    proxyPort: deps.port(),
    originalPath: rawPath,
    strippedPrefix: route.strip_path ? matchedPath : undefined,
    requestId: ctx.requestId,
    httpVersion: httpVersionOf(req) === 2 ? '2' : req.httpVersion,
    te: req.headers.te,
  });
  record.upstreamUri = upstreamPath + queryString;
  if (route.preserve_host && req.headers.host !== undefined) headers.host = req.headers.host;
  let forwardBody: Buffer | IncomingMessage = req;
  if (rawBody) {
    forwardBody =
      auth.bodyChanged && auth.body
        ? serializeBody(auth.body, req.headers['content-type'])
        : rawBody;
    headers['content-length'] = String(forwardBody.length);
  }
  await callUpstream(
    req,
    res,
    ctx,
    {
      service,
      preserveHost: route.preserve_host,
      path: upstreamPath + queryString,
      headers: definedHeaders(headers),
      body: forwardBody,
      responseHeaders: auth.responseHeaders,
    },
    {
      balancing: deps.workers.balancer(),
      health: deps.health,
      balancer: deps.balancer,
      agents: deps.agents,
      logger: deps.logger,
    },
  );
}
