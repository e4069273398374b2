/**
 * Typed Kong Admin API client over node:http keep-alive pools (http/transport.ts): timeouts, TLS
 * options, and retries (http/retry.ts) on network errors and 5xx for idempotent requests, and on
 * 429 for any request (Kong refused it before doing anything), honouring `Retry-After`.
 */
import { errorCode, errorStatus } from '@kong-registry/sdk';
import { ErrorCodes, KongPluginError } from '../errors';
import { Retrier, retryAfterMsOf, type RetryVerdict } from '../http/retry';
import { HttpTransport, type HttpReply } from '../http/transport';
import { KongApiError, KongNetworkError } from './errors';

/** Connection settings for one Kong node. */
export interface AdminClientOptions {
  /** e.g. `http://127.0.0.1:8001`. */
  baseUrl: string;
  /** Sent as `Kong-Admin-Token` (RBAC). */
  token?: string;
  /** Extra headers on every request, e.g. `apikey` for an Admin API behind key-auth. */
  headers?: Record<string, string>;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
  /** Per-request timeout. @default 10000 */
  timeoutMs?: number;
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  /** First backoff delay; doubles each retry, capped at 5 s (also the longest Retry-After). @default 200 */
  retryBaseMs?: number;
  /**
   * Asked before every write attempt (retries included): false fails the write with
   * KCP_ERR_NOT_LEADER without sending it. The controller passes its leader lock's lease.
   */
  mayWrite?: () => boolean;
}

/** One page of a Kong list. */
export interface KongPage<T> {
  data: T[];
  offset?: string | null;
  next?: string | null;
}

const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** The Admin API of one Kong node. */
export class KongAdminClient {
  readonly baseUrl: string;
  /** Write requests (POST/PUT/PATCH/DELETE) answered by Kong, for the reconcile summary. */
  writes = 0;
  private readonly transport: HttpTransport;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retrier: Retrier;
  private readonly mayWrite: (() => boolean) | undefined;

  constructor(options: AdminClientOptions) {
    this.mayWrite = options.mayWrite;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retrier = new Retrier({
      retries: options.retries ?? 3,
      baseDelayMs: options.retryBaseMs ?? 200,
      maxDelayMs: 5_000,
    });
    this.headers = { accept: 'application/json', ...(options.headers ?? {}) };
    if (options.token) this.headers['kong-admin-token'] = options.token;
    this.transport = new HttpTransport({
      connections: 32,
      ...(options.tls ? { tls: options.tls } : {}),
    });
  }

  /** GET a path; resolves to the parsed JSON body. */
  get<T>(path: string): Promise<T> {
    return this.send<T>('GET', path);
  }

  /** PUT a full entity (upsert by id or endpoint key). */
  put<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>('PUT', path, body);
  }

  /** POST; retried only when `idempotent` (e.g. `/config`). */
  post<T>(path: string, body: unknown, { idempotent = false } = {}): Promise<T> {
    return this.send<T>('POST', path, body, idempotent);
  }

  /** DELETE a path. */
  delete(path: string): Promise<void> {
    return this.send<void>('DELETE', path);
  }

  /**
   * Every item of a collection, paging on `offset` with size 1000, as decK does
   * (kong-sim/KONG_BEHAVIOUR.md#how-deck-uses-the-admin-api).
   */
  async listAll<T>(path: string, tags?: string): Promise<T[]> {
    const items: T[] = [];
    let offset: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ size: '1000' });
      if (tags) query.set('tags', tags);
      if (offset) query.set('offset', offset);
      const page = await this.get<KongPage<T>>(`${path}?${query.toString()}`);
      items.push(...(page.data ?? []));
      if (typeof page.offset !== 'string' || page.offset === '') return items;
      offset = page.offset;
    }
  }

  /** Closes pooled connections; a retry wait in progress ends at once and no retry follows. */
  close(): Promise<void> {
    this.retrier.close();
    return this.transport.close();
  }

  private send<T>(method: string, path: string, body?: unknown, idempotent?: boolean): Promise<T> {
    const repeatable = idempotent ?? RETRYABLE_METHODS.has(method);
    return this.retrier.run(
      () => this.once<T>(method, path, body),
      (err) => retryVerdict(err, repeatable),
    );
  }

  private async once<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (method !== 'GET' && method !== 'HEAD' && this.mayWrite && !this.mayWrite()) {
      throw new KongPluginError(
        ErrorCodes.NOT_LEADER,
        `${method} ${path} not sent: this controller no longer holds the leader lock`,
      );
    }
    let response: HttpReply;
    const headers = { ...this.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      response = await this.transport.send({
        method,
        url: `${this.baseUrl}${path}`,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw new KongNetworkError(method, path, err);
    }
    const text = response.text;
    if (method !== 'GET' && method !== 'HEAD') this.writes++;
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { message: text.slice(0, 200) };
      }
    }
    if (response.statusCode >= 400) {
      const retryAfterMs = retryAfterMsOf(response.headers);
      throw new KongApiError(method, path, response.statusCode, parsed, retryAfterMs);
    }
    return parsed as T;
  }
}

/**
 * Whether a failed Admin API call may be sent again: 429 always (nothing was done), a network
 * error or a 5xx only when sending it twice is harmless.
 */
function retryVerdict(err: unknown, repeatable: boolean): RetryVerdict {
  const retryAfterMs = (err as { retryAfterMs?: number }).retryAfterMs;
  const status = errorStatus(err);
  if (status === 429) return { retry: true, retryAfterMs };
  const transient =
    errorCode(err) === ErrorCodes.ADMIN_API_NETWORK || (status !== undefined && status >= 500);
  return { retry: repeatable && transient, retryAfterMs };
}

/**
 * Percent-encodes one path segment (names may be UTF-8; Kong 3.9.3's kong/api/endpoints.lua
 * decodes it).
 */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
