import http, { type IncomingMessage } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';

/** Where one attempt goes. */
export interface Peer {
  host: string;
  port: number;
  protocol: string;
  /** The upstream target entity this peer came from; undefined for a plain service host. */
  targetId: string | undefined;
}

/**
 * How one attempt ended. `connect_failure` may be retried on the next peer: the connection
 * failed before any byte of the request was sent, or (like nginx's `proxy_next_upstream error`,
 * which Kong keeps) it failed before a response header arrived and the request is idempotent with
 * a replayable body. `failure` ends the request.
 */
export type AttemptOutcome =
  | { kind: 'response'; response: UpstreamResponse }
  /** A pooled keep-alive connection the upstream had already closed; safe to send again. */
  | { kind: 'stale' }
  | { kind: 'connect_failure'; timeout: boolean; error: string; code: string | undefined }
  | { kind: 'failure'; timeout: boolean; error: string; code: string | undefined };

/** An upstream's response head and body, over HTTP/1.x or HTTP/2. */
export interface UpstreamResponse {
  status: number;
  /** Name, value, name, value... without HTTP/2 pseudo-headers. */
  rawHeaders: string[];
  /** The `Connection` header (HTTP/1.x): more hop-by-hop names. */
  connection: string | string[] | undefined;
  body: Readable;
  /** HTTP/2: the response ended with its HEADERS frame ("Trailers-Only" in gRPC). */
  headersOnly: boolean;
  /** HTTP/2: calls back with the trailers, before the body ends. */
  onTrailers(listener: (trailers: Record<string, string | string[]>) => void): void;
}

/** One upstream request. */
export interface AttemptRequest {
  peer: Peer;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  /** A buffered body, or the client request to stream once the connection is up. */
  body: Buffer | IncomingMessage;
  connectTimeoutMs: number;
  /** Idle timeout once connected (Kong's read_timeout; write_timeout is not modelled apart). */
  readTimeoutMs: number;
  tlsVerify: boolean;
}

/**
 * How long a pooled upstream connection may sit idle before it is closed: Kong's
 * `upstream_keepalive_idle_timeout` default of 60 s (K:kong/templates/kong_defaults.lua), which the
 * balancer passes to `enable_keepalive` for every peer (K:kong/init.lua `balancer`).
 */
export const UPSTREAM_KEEPALIVE_IDLE_TIMEOUT_MS = 60_000;

/** Whether an agent holds nothing: no connection in use or idle, and no request waiting. */
function isIdle(agent: http.Agent): boolean {
  return (
    Object.keys(agent.sockets).length === 0 &&
    Object.keys(agent.freeSockets).length === 0 &&
    Object.keys(agent.requests).length === 0
  );
}

/**
 * Keep-alive agents and HTTP/2 sessions, one per upstream address, as nginx keeps an upstream
 * keepalive pool per `ip|port` (K:kong/init.lua `balancer`). Idle connections close after
 * {@link UPSTREAM_KEEPALIVE_IDLE_TIMEOUT_MS}, and an address's agent is dropped once its last
 * connection closes, so addresses no longer in use (targets replaced by others on new ports)
 * leave nothing behind.
 */
export class AgentPool {
  private readonly agents = new Map<string, http.Agent>();
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();

  /** `idleTimeoutMs`: Kong's default unless a test needs a shorter one. */
  constructor(private readonly idleTimeoutMs = UPSTREAM_KEEPALIVE_IDLE_TIMEOUT_MS) {}

  /** The agent for this peer, created on first use. */
  agentFor(peer: Peer, tlsVerify: boolean): http.Agent {
    const key = `${peer.protocol}://${peer.host}:${peer.port}/${tlsVerify}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = this.createAgent(key, peer, tlsVerify);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** How many addresses have an agent (tests). */
  get agentCount(): number {
    return this.agents.size;
  }

  private createAgent(key: string, peer: Peer, tlsVerify: boolean): http.Agent {
    const agent =
      peer.protocol === 'https'
        ? new https.Agent({ keepAlive: true, rejectUnauthorized: tlsVerify })
        : new http.Agent({ keepAlive: true });
    // Every connection is watched: when one closes and the agent holds nothing else, the agent
    // is forgotten. Checked on the next tick, once the agent has let go of the closed socket.
    const connect = agent.createConnection.bind(agent);
    agent.createConnection = (options, callback) => {
      const socket = connect(options, callback);
      socket?.once('close', () => process.nextTick(() => this.release(key, agent)));
      return socket;
    };
    // A connection going back to the pool gets the idle timeout; the agent closes an idle
    // connection whose timeout fires. (Node's own default keeps it until the upstream closes it.)
    const keep = agent.keepSocketAlive.bind(agent) as (socket: Duplex) => boolean;
    agent.keepSocketAlive = (socket: Duplex): boolean => {
      const kept = keep(socket);
      if (kept) (socket as Socket).setTimeout(this.idleTimeoutMs);
      return kept;
    };
    return agent;
  }

  private release(key: string, agent: http.Agent): void {
    if (this.agents.get(key) === agent && isIdle(agent)) this.agents.delete(key);
  }

  /**
   * The HTTP/2 session to a gRPC peer (`grpc_pass`), connecting on first use; `reused` tells a
   * session that was already up from a new one.
   */
  sessionFor(
    peer: Peer,
    tlsVerify: boolean,
  ): { session: http2.ClientHttp2Session; reused: boolean } {
    const scheme = peer.protocol === 'grpcs' ? 'https' : 'http';
    const host = peer.host.includes(':') ? `[${peer.host}]` : peer.host;
    const key = `${scheme}://${host}:${peer.port}/${tlsVerify}`;
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed)
      return { session: existing, reused: true };
    const session = http2.connect(`${scheme}://${host}:${peer.port}`, {
      rejectUnauthorized: tlsVerify,
    });
    session.on('error', () => undefined); // reported through the stream that used it
    const forget = (): void => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    };
    session.once('close', forget);
    session.once('goaway', forget);
    session.unref();
    this.sessions.set(key, session);
    return { session, reused: false };
  }

  /** Closes every pooled connection. */
  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }
}

/** A connect or read timeout of an attempt. */
export class TimeoutError extends Error {}

const STALE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Methods nginx passes to the next upstream after the request was sent (not POST, LOCK, PATCH). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Whether the request can be sent again: a buffered body, or a client request without a body. */
function isReplayable(body: Buffer | IncomingMessage): boolean {
  if (Buffer.isBuffer(body)) return true;
  const length = body.headers['content-length'];
  // Over HTTP/2 a body needs no length header: only a declared empty one is known to be absent.
  if (body.httpVersionMajor === 2) return length === '0';
  return (
    (length === undefined || length === '0') && body.headers['transfer-encoding'] === undefined
  );
}

function fromHttp1(response: IncomingMessage): UpstreamResponse {
  return {
    status: response.statusCode ?? 502,
    rawHeaders: response.rawHeaders,
    connection: response.headers.connection,
    body: response,
    headersOnly: false,
    onTrailers: () => undefined,
  };
}

/** How an attempt that got no response ended, by what had been sent. */
export function classifyFailure(
  err: Error,
  sent: { bodyStarted: boolean; reused: boolean; method: string; body: Buffer | IncomingMessage },
): AttemptOutcome {
  const timeout = err instanceof TimeoutError;
  const code = (err as NodeJS.ErrnoException).code;
  if (sent.reused && code && STALE_CODES.has(code) && isReplayable(sent.body))
    return { kind: 'stale' };
  const retryable =
    !sent.bodyStarted ||
    (!timeout && IDEMPOTENT.has(sent.method.toUpperCase()) && isReplayable(sent.body));
  return { kind: retryable ? 'connect_failure' : 'failure', timeout, error: err.message, code };
}

/**
 * Sends one attempt. The client body is piped only after the connection is established, so a
 * refused or timed-out connect leaves it unread and the request can be retried elsewhere.
 */
export function sendAttempt(
  request: AttemptRequest,
  pool: AgentPool,
): { outcome: Promise<AttemptOutcome>; abort(): void } {
  const { peer } = request;
  const transport = peer.protocol === 'https' ? https : http;
  const upstream = transport.request({
    host: peer.host,
    port: peer.port,
    method: request.method,
    path: request.path,
    headers: request.headers,
    agent: pool.agentFor(peer, request.tlsVerify),
    setHost: false,
  });
  let bodyStarted = false;
  let connectTimer: NodeJS.Timeout | undefined;

  const outcome = new Promise<AttemptOutcome>((resolve) => {
    const startBody = (): void => {
      if (connectTimer) clearTimeout(connectTimer);
      if (bodyStarted) return;
      bodyStarted = true;
      if (Buffer.isBuffer(request.body)) upstream.end(request.body);
      else request.body.pipe(upstream);
    };
    upstream.on('socket', (socket) => {
      if (socket.connecting) {
        connectTimer = setTimeout(
          () => upstream.destroy(new TimeoutError('connect timeout')),
          request.connectTimeoutMs,
        );
        socket.once('connect', startBody);
      } else {
        startBody();
      }
    });
    upstream.setTimeout(request.readTimeoutMs, () =>
      upstream.destroy(new TimeoutError('read timeout')),
    );
    upstream.on('response', (response) =>
      resolve({ kind: 'response', response: fromHttp1(response) }),
    );
    upstream.on('error', (err) => {
      if (connectTimer) clearTimeout(connectTimer);
      resolve(
        classifyFailure(err, {
          bodyStarted,
          reused: upstream.reusedSocket,
          method: request.method,
          body: request.body,
        }),
      );
    });
  });
  return { outcome, abort: () => upstream.destroy() };
}
