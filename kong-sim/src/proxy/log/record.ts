/**
 * What the log phase learns about one request while the proxy handles it: the facts Kong keeps
 * in `ngx.ctx` and nginx variables until its log phase serialises them
 * (K:kong/pdk/log.lua `serialize`). The proxy fills it in; the log phase reads it once the
 * response is done. Times are `performance.now()` milliseconds unless named otherwise.
 */
import type { IncomingMessage } from 'node:http';
import type { ConsumerEntity, PluginEntity, RouteEntity, ServiceEntity } from '../../store/types';

/** One balancer try (K:kong/init.lua `balancer`): where it went and how it ended. */
export interface BalancerTry {
  ip: string;
  port: number;
  /** Epoch milliseconds when the balancer picked the peer. */
  balancerStart: number;
  /** Kong's balancer phase time for the try; kong-sim picks at once. */
  balancerLatency: number;
  /** Set on a try that failed (the ones before a retry, and a last one that failed). */
  failed?: { code: number };
}

/** Kong's response source: `service` when the upstream answered, else Kong (exit or error). */
export type ResponseSource = 'service' | 'kong';

/** The response as Kong sent it. */
export interface RecordedResponse {
  status: number;
  /** Lowercase names; repeated headers as arrays. */
  headers: Record<string, string | string[]>;
  /** When its head was written. */
  at: number;
}

/** One request's log facts. */
export class RequestRecord {
  /** Epoch milliseconds when the request arrived (`kong.request.get_start_time()`). */
  readonly startedAtMs = Date.now();
  readonly startedAt: number;
  /** The request's route and service, once the router matched and its checks passed. */
  route: RouteEntity | undefined;
  service: ServiceEntity | undefined;
  /** Set by authentication. */
  consumer: ConsumerEntity | undefined;
  credential: { id: string } | undefined;
  /**
   * The access phase ran, so the plugins of the route, service and consumer were collected;
   * otherwise only global plugins log (K:kong/runloop/plugins_iterator.lua
   * `get_collected_iterator`).
   */
  collected = false;
  /** The plugins iterator the request was handled with. */
  plugins: readonly PluginEntity[] = [];
  /** The protocol the plugins were resolved for. */
  protocol = 'http';
  /** `$upstream_uri` with its query: set once routed. */
  upstreamUri = '';
  /** `ctx.balancer_data.tries`: undefined until the balancer was prepared (a routed request). */
  tries: BalancerTry[] | undefined;
  /** `$upstream_status`: one status per upstream attempt. */
  upstreamStatuses: string[] = [];
  source: ResponseSource = 'kong';
  response: RecordedResponse | undefined;
  /** When the last try's request went upstream (Kong's balancer end). */
  lastSentAt: number | undefined;
  /** When the upstream's response head arrived. */
  upstreamHeadersAt: number | undefined;
  /**
   * Kong's latency and the upstream's, as the response headers showed them
   * (`X-Kong-Proxy-Latency` or `X-Kong-Response-Latency`, `X-Kong-Upstream-Latency`): the log
   * gives the same numbers.
   */
  kongLatencyMs: number | undefined;
  waitingMs: number | undefined;
  /** When the last body byte was handed on. */
  bodyEndAt: number | undefined;
  /** Body bytes sent to the client (HTTP/2, where the socket count is not the request's). */
  bodyBytes = 0;
  /** Bytes the request's body brought, when known (Content-Length or the buffered body). */
  requestBodyBytes = 0;
  /**
   * What plugins changed in the request before it was proxied (`kong.service.request` edits the
   * request nginx holds, so the log phase sees them): headers set or cleared, and the query
   * when a plugin changed it. Undefined before the access phase.
   */
  pluginEdits:
    | { set: Record<string, string | string[]>; cleared: string[]; query: string | undefined }
    | undefined;
  private readonly bytesWrittenBefore: number | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly requestId: string,
    startedAt: number,
  ) {
    this.startedAt = startedAt;
    const written = (req.socket as { bytesWritten?: unknown } | undefined)?.bytesWritten;
    this.bytesWrittenBefore = typeof written === 'number' ? written : undefined;
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > 0) this.requestBodyBytes = length;
  }

  /** Notes what the access phase changed between the headers `before` it and `after` it. */
  accessPhaseRan(
    before: Readonly<Record<string, string | string[] | undefined>>,
    after: Readonly<Record<string, string | string[] | undefined>>,
    query: string | undefined,
  ): void {
    const set: Record<string, string | string[]> = {};
    const cleared: string[] = [];
    for (const [name, value] of Object.entries(after))
      if (value !== undefined && JSON.stringify(value) !== JSON.stringify(before[name]))
        set[name] = value;
    for (const name of Object.keys(before))
      if (before[name] !== undefined && after[name] === undefined) cleared.push(name);
    this.pluginEdits = { set, cleared, query };
  }

  /** A response head was written: by Kong itself, or relayed from the upstream. */
  responded(
    status: number,
    headers: Record<string, string | string[] | number | undefined>,
    source: ResponseSource,
  ): void {
    const lower: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      const key = name.toLowerCase();
      const text = Array.isArray(value) ? value : String(value);
      const existing = lower[key];
      lower[key] = existing === undefined ? text : [existing, text].flat();
    }
    this.response = { status, headers: lower, at: performance.now() };
    this.source = source;
    const latency = Number(lower['x-kong-response-latency']);
    if (this.lastSentAt === undefined && Number.isFinite(latency)) this.kongLatencyMs = latency;
  }

  /** The upstream's response head is being relayed, with these latency headers. */
  relayed(kongLatencyMs: number, waitingMs: number): void {
    this.upstreamHeadersAt = performance.now();
    this.kongLatencyMs = kongLatencyMs;
    this.waitingMs = waitingMs;
  }

  /** The balancer picked `peer` and the request goes to it now. */
  tryStarted(peer: { host: string; port: number }): void {
    (this.tries ??= []).push({
      ip: peer.host,
      port: peer.port,
      balancerStart: Date.now(),
      balancerLatency: 0,
    });
    this.lastSentAt = performance.now();
  }

  /** The last try reused a connection the upstream had closed: nginx would not count it. */
  tryWithdrawn(): void {
    this.tries?.pop();
  }

  /**
   * The last try ended: with the upstream's status, or failed with the status nginx records for
   * it (502, 504 on a timeout). A failed try is marked when another follows it, or when it was
   * the last one allowed (K:kong/init.lua `balancer`, K:kong/runloop/handler.lua header filter).
   */
  tryEnded(outcome: { status: number } | { failedWith: number }, markFailed: boolean): void {
    if ('status' in outcome) {
      this.upstreamStatuses.push(String(outcome.status));
      return;
    }
    this.upstreamStatuses.push(String(outcome.failedWith));
    const last = this.tries?.at(-1);
    if (last && markFailed) last.failed = { code: outcome.failedWith };
  }

  /** Marks the last try failed (the request gives up after it). */
  lastTryFailed(code: number): void {
    const last = this.tries?.at(-1);
    if (last) last.failed = { code };
  }

  /** Counts relayed body bytes and notes when the body ended. */
  watchBody(body: NodeJS.ReadableStream): void {
    body.on('data', (chunk: Buffer) => (this.bodyBytes += chunk.length));
    body.on('end', () => (this.bodyEndAt = performance.now()));
  }

  /** Bytes sent to the client: the socket's count for HTTP/1.x, body bytes otherwise. */
  responseSize(): number {
    const written = (this.req.socket as { bytesWritten?: unknown } | undefined)?.bytesWritten;
    if (this.bytesWrittenBefore !== undefined && typeof written === 'number')
      return written - this.bytesWrittenBefore;
    return this.bodyBytes;
  }
}
