import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../health/checker';
import type { HealthRegistry } from '../health/registry';
import { parseTargetAddress } from '../health/target-address';
import type { ServiceEntity } from '../store/types';
import type { RoundRobinBalancer } from './balancer';
import { KONG_MESSAGES } from './errors';
import {
  sendAttempt,
  type AgentPool,
  type AttemptOutcome,
  type Peer,
  type UpstreamResponse,
} from './forward';
import { sendHttp2Attempt } from './forward-h2';
import { hopByHopNames, SERVER_HEADER, viaHop } from './headers';
import { http2StreamOf } from './http2-request';
import { sendNginxError, sendPdkError, type ResponseContext } from './respond';
import type { BalancingState } from './worker-state';

/** What the upstream call needs beyond the request itself. */
export interface UpstreamCallDeps {
  logger: Logger;
  balancing: BalancingState;
  health: HealthRegistry;
  balancer: RoundRobinBalancer;
  agents: AgentPool;
}

/** The prepared upstream request (path with query, headers, body). */
export interface PreparedRequest {
  service: ServiceEntity;
  preserveHost: boolean;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | IncomingMessage;
  /** Headers plugins add to the client response (rate-limiting). */
  responseHeaders: Record<string, string>;
}

/** Picks the next peer: a balancer target when the service host names an upstream, else the host. */
function nextPeer(
  deps: UpstreamCallDeps,
  service: ServiceEntity,
  tried: Set<string>,
): Peer | 'no-peer' {
  const upstream = deps.balancing.upstreamsByName.get(service.host);
  if (!upstream)
    return {
      host: service.host,
      port: service.port,
      protocol: service.protocol,
      targetId: undefined,
    };
  const targets = deps.balancing.targetsByUpstream.get(upstream.id) ?? [];
  const target = deps.balancer.pick(upstream, targets, deps.health.peerHealth(upstream.id), tried);
  if (!target) return 'no-peer';
  const { host, port } = parseTargetAddress(target.target);
  return { host, port, protocol: service.protocol, targetId: target.id };
}

/**
 * The Host header for a peer: upstream.host_header, else the target's own host
 * (K:kong/runloop/balancer/init.lua `execute` and `set_host_header`).
 */
function hostHeaderFor(deps: UpstreamCallDeps, service: ServiceEntity, peer: Peer): string {
  const upstream = deps.balancing.upstreamsByName.get(service.host);
  const host = upstream?.host_header ?? peer.host;
  const defaultPort = peer.protocol === 'https' ? 443 : 80;
  const shown =
    host.includes(':') && !host.startsWith('[') && !upstream?.host_header ? `[${host}]` : host;
  return upstream?.host_header || peer.port === defaultPort ? shown : `${shown}:${peer.port}`;
}

function reportPassive(
  deps: UpstreamCallDeps,
  service: ServiceEntity,
  peer: Peer,
  outcome: AttemptOutcome,
): void {
  if (!peer.targetId || outcome.kind === 'stale') return;
  const upstream = deps.balancing.upstreamsByName.get(service.host);
  const checker = upstream ? deps.health.checkerFor(upstream.id) : undefined;
  if (!checker) return;
  if (outcome.kind === 'response') checker.reportStatus(peer.targetId, outcome.response.status);
  else checker.reportFailure(peer.targetId, outcome.timeout ? 'timeout' : 'tcp_failure');
}

function isGrpcPeer(peer: Peer): boolean {
  return peer.protocol === 'grpc' || peer.protocol === 'grpcs';
}

/**
 * Copies the upstream response to the client with Kong's proxied-response headers
 * (K:kong/runloop/handler.lua `header_filter`); gRPC trailers follow the body, and a reply that
 * ended with its headers ends the client's stream with them too.
 */
function relayResponse(
  res: ServerResponse,
  response: UpstreamResponse,
  ctx: ResponseContext,
  relay: { upstreamMs: number; proxyMs: number; viaVersion: string },
  extraHeaders: Record<string, string>,
): void {
  const skip = hopByHopNames(response.connection);
  // Plugin headers replace the upstream's (kong.response.set_header); Vary is appended to.
  for (const name of Object.keys(extraHeaders))
    if (name.toLowerCase() !== 'vary') skip.add(name.toLowerCase());
  const raw: string[] = [];
  let sawServer = false;
  let via: string | undefined;
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    const name = response.rawHeaders[i] ?? '';
    const value = response.rawHeaders[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (skip.has(lower)) continue;
    if (lower === 'via') {
      via = via === undefined ? value : `${via}, ${value}`;
      continue;
    }
    if (lower === 'server') sawServer = true;
    raw.push(name, value);
  }
  const hop = viaHop(relay.viaVersion);
  raw.push('Via', via ? `${via}, ${hop}` : hop);
  if (!sawServer) raw.push('Server', SERVER_HEADER);
  raw.push('X-Kong-Upstream-Latency', String(relay.upstreamMs));
  raw.push('X-Kong-Proxy-Latency', String(relay.proxyMs));
  raw.push('X-Kong-Request-Id', ctx.requestId);
  for (const [name, value] of Object.entries(extraHeaders)) raw.push(name, value);
  if (ctx.record) {
    const sent: Record<string, string | string[]> = {};
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const existing = sent[name];
      sent[name] = existing === undefined ? raw[i + 1]! : [existing, raw[i + 1]!].flat();
    }
    ctx.record.responded(response.status, sent, 'service');
    ctx.record.relayed(relay.proxyMs, relay.upstreamMs);
    ctx.record.watchBody(response.body);
  }
  const stream = http2StreamOf(res);
  if (stream && response.headersOnly) {
    const headers: Record<string, string | string[]> = { ':status': String(response.status) };
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] ?? '').toLowerCase();
      const value = raw[i + 1] ?? '';
      const existing = headers[name];
      headers[name] = existing === undefined ? value : [existing, value].flat();
    }
    stream.respond(headers, { endStream: true });
    response.body.resume();
    return;
  }
  response.onTrailers((trailers) => res.addTrailers(trailers));
  res.writeHead(response.status, raw);
  response.body.pipe(res);
  response.body.on('error', () => res.destroy());
}

/**
 * Sends the request to the service: balancer pick, up to `retries` more attempts on connect
 * failures, passive health reports, then Kong's 502/503/504 when nothing answered
 * (kong-sim/KONG_BEHAVIOUR.md#responses-kong-produces).
 */
export async function callUpstream(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResponseContext,
  prepared: PreparedRequest,
  deps: UpstreamCallDeps,
): Promise<void> {
  const { service } = prepared;
  const tried = new Set<string>();
  let last: AttemptOutcome | undefined;
  let staleRetries = 0;
  for (let attempt = 0; attempt <= service.retries; attempt++) {
    const peer = nextPeer(deps, service, tried);
    if (peer === 'no-peer') {
      sendPdkError(req, res, ctx, 503, KONG_MESSAGES.noPeer);
      return;
    }
    if (peer.targetId) tried.add(peer.targetId);
    ctx.record?.tryStarted(peer);
    const headers = { ...prepared.headers };
    if (!prepared.preserveHost || headers.host === undefined)
      headers.host = hostHeaderFor(deps, service, peer);
    const sentAt = performance.now();
    const call = (isGrpcPeer(peer) ? sendHttp2Attempt : sendAttempt)(
      {
        peer,
        method: req.method ?? 'GET',
        path: prepared.path,
        headers,
        body: prepared.body,
        connectTimeoutMs: service.connect_timeout,
        readTimeoutMs: service.read_timeout,
        tlsVerify: service.tls_verify ?? false,
      },
      deps.agents,
    );
    res.once('close', () => {
      if (!res.writableFinished) call.abort();
    });
    last = await call.outcome;
    if (last.kind === 'stale') {
      // Not the target's fault: nginx would not count a dead pooled connection either.
      if (peer.targetId) tried.delete(peer.targetId);
      ctx.record?.tryWithdrawn();
      if (staleRetries++ < 3) attempt--;
      continue;
    }
    reportPassive(deps, service, peer, last);
    ctx.record?.tryEnded(
      last.kind === 'response'
        ? { status: last.response.status }
        : { failedWith: last.timeout ? 504 : 502 },
      last.kind === 'connect_failure' && attempt < service.retries,
    );
    if (last.kind !== 'response') {
      deps.logger.warn(
        {
          requestId: ctx.requestId,
          service: service.name ?? service.id,
          peer: `${peer.host}:${peer.port}`,
          attempt,
          error: last.error,
        },
        last.kind === 'connect_failure' ? 'upstream connect failed' : 'upstream request failed',
      );
    }
    if (last.kind === 'response') {
      const now = performance.now();
      relayResponse(
        res,
        last.response,
        ctx,
        {
          upstreamMs: Math.round(now - sentAt),
          proxyMs: Math.round(sentAt - ctx.startedAt),
          // Kong's outbound Via names the upstream protocol: 2 for gRPC, else 1.1.
          viaVersion: isGrpcPeer(peer) ? '2' : '1.1',
        },
        prepared.responseHeaders,
      );
      return;
    }
    if (last.kind === 'failure') break;
    // A plain service host that does not resolve is final; a target that does not resolve is
    // skipped like any unreachable peer.
    if (!peer.targetId && (last.code === 'ENOTFOUND' || last.code === 'EAI_AGAIN')) {
      sendPdkError(req, res, ctx, 503, KONG_MESSAGES.nameResolution);
      return;
    }
  }
  const timedOut =
    last !== undefined &&
    (last.kind === 'failure' || last.kind === 'connect_failure') &&
    last.timeout;
  if ((ctx.record?.tries?.length ?? 0) > service.retries)
    ctx.record?.lastTryFailed(timedOut ? 504 : 502);
  if (timedOut) sendNginxError(req, res, ctx, 504, KONG_MESSAGES.gatewayTimeout);
  else sendNginxError(req, res, ctx, 502, KONG_MESSAGES.badGateway);
}
