import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

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
  | { kind: 'response'; response: IncomingMessage }
  /** A pooled keep-alive connection the upstream had already closed; safe to send again. */
  | { kind: 'stale' }
  | { kind: 'connect_failure'; timeout: boolean; error: string; code: string | undefined }
  | { kind: 'failure'; timeout: boolean; error: string; code: string | undefined };

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

/** Keep-alive agents, one per upstream address, as nginx keeps an upstream keepalive pool. */
export class AgentPool {
  private readonly agents = new Map<string, http.Agent>();

  /** The agent for this peer, created on first use. */
  agentFor(peer: Peer, tlsVerify: boolean): http.Agent {
    const key = `${peer.protocol}://${peer.host}:${peer.port}/${tlsVerify}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent =
        peer.protocol === 'https'
          ? new https.Agent({ keepAlive: true, rejectUnauthorized: tlsVerify })
          : new http.Agent({ keepAlive: true });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes every pooled connection. */
  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

class TimeoutError extends Error {}

const STALE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Methods nginx passes to the next upstream after the request was sent (not POST, LOCK, PATCH). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Whether the request can be sent again: a buffered body, or a client request without a body. */
function isReplayable(body: Buffer | IncomingMessage): boolean {
  if (Buffer.isBuffer(body)) return true;
  const length = body.headers['content-length'];
  return (
    (length === undefined || length === '0') && body.headers['transfer-encoding'] === undefined
  );
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
    upstream.on('response', (response) => resolve({ kind: 'response', response }));
    upstream.on('error', (err) => {
      if (connectTimer) clearTimeout(connectTimer);
      const timeout = err instanceof TimeoutError;
      const code = (err as NodeJS.ErrnoException).code;
      if (upstream.reusedSocket && code && STALE_CODES.has(code) && isReplayable(request.body)) {
        resolve({ kind: 'stale' });
        return;
      }
      const retryable =
        !bodyStarted ||
        (!timeout && IDEMPOTENT.has(request.method.toUpperCase()) && isReplayable(request.body));
      resolve({
        kind: retryable ? 'connect_failure' : 'failure',
        timeout,
        error: err.message,
        code,
      });
    });
  });
  return { outcome, abort: () => upstream.destroy() };
}
