/**
 * The registry's HTTP API as the controller uses it: the admin state snapshot, gateway-health
 * reports (sdk/src/contract.ts) and the event stream's connection (events.ts). Both calls are
 * idempotent, so network errors, 429 and 5xx are retried (http/retry.ts), honouring the
 * registry's `Retry-After` (it sends one with 503 while Redis is down, and with 429).
 */
import type { IncomingMessage } from 'node:http';
import {
  errorStatus,
  readErrorBody,
  type GatewayHealthStatus,
  type StateSnapshot,
} from '@kong-registry/sdk';
import { RegistryCallError } from '../errors';
import { Retrier, retryAfterMsOf, type RetrySettings } from '../http/retry';
import { HttpTransport, type HttpReply } from '../http/transport';

/** Registry endpoint and admin token. */
export interface RegistryClientOptions {
  url: string;
  token: string;
  timeoutMs?: number;
  /** @default 2 retries, 200 ms doubling, at most 5 s (also the longest Retry-After honoured) */
  retry?: RetrySettings;
}

/** Reads the registry state and reports Kong's view of each instance. */
export class RegistryClient {
  readonly url: string;
  private readonly transport = new HttpTransport({ connections: 8 });
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly retrier: Retrier;

  constructor(options: RegistryClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retrier = new Retrier(
      options.retry ?? { retries: 2, baseDelayMs: 200, maxDelayMs: 5_000 },
    );
  }

  /**
   * `GET /v1/state`: services, instances, consumers with secrets, and recent removals. With
   * `services`, only theirs (`?service=...`, no consumers).
   */
  async getState(services?: readonly string[]): Promise<StateSnapshot> {
    const query = services ? `?service=${services.map(encodeURIComponent).join(',')}` : '';
    const state = await this.call<StateSnapshot>('GET', `/v1/state${query}`);
    // A registry older than tombstones sends none: its removals all count as unexplained.
    return Array.isArray(state.tombstones) ? state : { ...state, tombstones: [] };
  }

  /** `PUT .../gateway-health`: what Kong thinks of one instance. */
  async reportGatewayHealth(
    service: string,
    instanceId: string,
    status: GatewayHealthStatus,
  ): Promise<void> {
    await this.call(
      'PUT',
      `/v1/services/${encodeURIComponent(service)}/instances/${encodeURIComponent(instanceId)}/gateway-health`,
      { status },
    );
  }

  /**
   * Opens `GET /v1/events` (SSE) from `lastEventId` on; resolves with the streaming body once the
   * registry answers 200, rejects with a {@link RegistryCallError} otherwise. `signal` ends it.
   */
  async openEvents(lastEventId: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
    const path = '/v1/events';
    let response: IncomingMessage;
    try {
      response = await this.transport.open(
        {
          method: 'GET',
          url: `${this.url}${path}`,
          headers: this.headers({
            accept: 'text/event-stream',
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          }),
          timeoutMs: this.timeoutMs,
        },
        signal,
      );
    } catch (err) {
      throw unreachable('GET', path, err);
    }
    if (response.statusCode === 200) return response;
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    throw refused('GET', path, {
      statusCode: response.statusCode ?? 0,
      headers: response.headers,
      text: Buffer.concat(chunks).toString('utf8'),
    });
  }

  /** Closes pooled connections; a retry wait in progress ends at once. */
  close(): Promise<void> {
    this.retrier.close();
    return this.transport.close();
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.retrier.run(
      () => this.once<T>(method, path, body),
      (err) => {
        const status = errorStatus(err);
        return {
          retry: status === undefined || status === 429 || status >= 500,
          retryAfterMs: (err as RegistryCallError).retryAfterMs,
        };
      },
    );
  }

  private async once<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: HttpReply;
    try {
      response = await this.transport.send({
        method,
        url: `${this.url}${path}`,
        headers: this.headers({
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw unreachable(method, path, err);
    }
    if (response.statusCode >= 400) throw refused(method, path, response);
    return (response.text ? JSON.parse(response.text) : undefined) as T;
  }
}

function unreachable(method: string, path: string, cause: unknown): RegistryCallError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new RegistryCallError(`${method} ${path}: ${why}`, { cause });
}

/** The registry's error reply as an error: its message in ours, its code as a field. */
function refused(method: string, path: string, response: HttpReply): RegistryCallError {
  let body: ReturnType<typeof readErrorBody> = {};
  try {
    body = readErrorBody(JSON.parse(response.text));
  } catch {
    // not JSON (a proxy's error page): the raw text says what happened
  }
  const why = body.message ?? (response.text.slice(0, 200) || `HTTP ${response.statusCode}`);
  return new RegistryCallError(`${method} ${path} -> ${response.statusCode}: ${why}`, {
    statusCode: response.statusCode,
    registryCode: body.code,
    retryAfterMs: retryAfterMsOf(response.headers),
  });
}
