/**
 * The controller's one HTTP client: node:http/node:https with keep-alive pools, for the Admin API,
 * the registry's JSON calls and its event stream. Not undici: loading undici's modules dominated a
 * one-shot `kong-registry sync` (figures in bench/profiles/controller-reconcile.md), while
 * node:http is already part of Node's start-up snapshot. Retries live in retry.ts.
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
  /** Response headers, names in lower case (node:http's). */
  headers: IncomingMessage['headers'];
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
    return new Promise<HttpReply>((resolve, reject) => {
      const req = this.request(call, AbortSignal.timeout(call.timeoutMs), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      req.on('error', reject);
      req.end(call.body);
    });
  }

  /**
   * Sends one request and resolves with the unread response once its headers arrive (within
   * `timeoutMs`); the body then streams for as long as the server keeps it open. `signal` ends
   * it. For the registry's event stream.
   */
  open(call: HttpCall, signal: AbortSignal): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const headersLate = new AbortController();
      const timer = setTimeout(
        () => headersLate.abort(new Error(`no response headers within ${call.timeoutMs} ms`)),
        call.timeoutMs,
      );
      const req = this.request(call, AbortSignal.any([signal, headersLate.signal]), (res) => {
        clearTimeout(timer);
        resolve(res);
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(call.body);
    });
  }

  private request(
    call: HttpCall,
    signal: AbortSignal,
    onResponse: (res: IncomingMessage) => void,
  ): ReturnType<typeof httpRequest> {
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
    return request(url, { method: call.method, headers, agent, signal }, onResponse);
  }

  /** Destroys the pooled sockets; call once the requests have settled. */
  close(): Promise<void> {
    this.http.destroy();
    this.https?.agent.destroy();
    return Promise.resolve();
  }
}
