/**
 * A small JSON-over-HTTP transport on node:http/node:https with keep-alive pools. The Admin API
 * and registry clients use it instead of undici: loading undici's modules dominated a one-shot
 * `kong-registry sync` (figures in bench/profiles/controller-reconcile.md),
 * while node:http is already part of Node's start-up snapshot.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type * as Https from 'node:https';

/** TLS options for https:// targets (PEM strings). */
export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

/** Pool settings of one transport. */
export interface TransportOptions {
  /** Sockets per origin. @default 32 */
  connections?: number;
  tls?: TlsOptions;
}

/** A buffered reply. */
export interface HttpReply {
  statusCode: number;
  text: string;
}

/** One request. */
export interface HttpCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Whole-exchange deadline (connect, headers, body). */
  timeoutMs: number;
}

/** Keep-alive pools for http and https, and a buffered request function over them. */
export class HttpTransport {
  private readonly pool: {
    keepAlive: true;
    keepAliveMsecs: number;
    timeout: number;
    maxSockets: number;
  };
  private readonly http: HttpAgent;
  /** node:https (and TLS) is loaded on the first https:// request only. */
  private https: { module: typeof Https; agent: Https.Agent } | undefined;

  constructor(private readonly options: TransportOptions = {}) {
    // An idle pooled socket is closed after 30 s (as undici's keepAliveTimeout did), before
    // Kong's own keepalive_timeout (60 s) can close it under a request that reuses it.
    this.pool = {
      keepAlive: true,
      keepAliveMsecs: 30_000,
      timeout: 30_000,
      maxSockets: options.connections ?? 32,
    };
    this.http = new HttpAgent(this.pool);
  }

  /** Sends one request and buffers the reply body as UTF-8. Rejects on network errors only. */
  send(call: HttpCall): Promise<HttpReply> {
    const url = new URL(call.url);
    let request = httpRequest;
    let agent: HttpAgent = this.http;
    if (url.protocol === 'https:') {
      if (!this.https) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: TLS only when used
        const module = require('node:https') as typeof Https;
        this.https = {
          module,
          agent: new module.Agent({ ...this.pool, ...(this.options.tls ?? {}) }),
        };
      }
      request = this.https.module.request;
      agent = this.https.agent;
    }
    const headers: Record<string, string | number> = { ...call.headers };
    if (call.body !== undefined) headers['content-length'] = Buffer.byteLength(call.body);
    return new Promise<HttpReply>((resolve, reject) => {
      const req = request(
        url,
        {
          method: call.method,
          headers,
          agent,
          signal: AbortSignal.timeout(call.timeoutMs),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              statusCode: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(call.body);
    });
  }

  /** Destroys the pooled sockets; call once the requests have settled. */
  close(): Promise<void> {
    this.http.destroy();
    this.https?.agent.destroy();
    return Promise.resolve();
  }
}
