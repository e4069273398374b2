/**
 * The registry's HTTP API as the controller uses it: the admin state snapshot and gateway-health
 * reports (sdk/src/contract.ts).
 */
import type { GatewayHealthStatus, StateSnapshot } from '@kong-registry/sdk';
import { HttpTransport, type HttpReply } from '../http/transport';
import { RegistryError } from '../errors';

/** Registry endpoint and admin token. */
export interface RegistryClientOptions {
  url: string;
  token: string;
  timeoutMs?: number;
}

/** Reads the registry state and reports Kong's view of each instance. */
export class RegistryClient {
  readonly url: string;
  private readonly transport = new HttpTransport({ connections: 8 });
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(options: RegistryClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Authorization header for every call. */
  get authHeader(): string {
    return `Bearer ${this.token}`;
  }

  /** `GET /v1/state`: services, instances, consumers with secrets, and recent removals. */
  async getState(): Promise<StateSnapshot> {
    const state = await this.call<StateSnapshot>('GET', '/v1/state');
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

  /** Closes pooled connections. */
  close(): Promise<void> {
    return this.transport.close();
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: HttpReply;
    try {
      response = await this.transport.send({
        method,
        url: `${this.url}${path}`,
        headers: {
          authorization: this.authHeader,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw new RegistryError(
        `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    const text = response.text;
    if (response.statusCode >= 400) {
      let message = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as { code?: string; message?: string };
        message = `${parsed.code ?? ''} ${parsed.message ?? ''}`.trim();
      } catch {
        // not JSON: keep the raw text
      }
      throw new RegistryError(`${method} ${path} -> ${response.statusCode}: ${message}`, {
        statusCode: response.statusCode,
      });
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
