/**
 * A request's log entry with Kong 3.9's field names and shapes (K:kong/pdk/log.lua `serialize`,
 * http subsystem), which http-log, file-log and prometheus all start from. Pure given the record
 * and the moment the log phase runs.
 */
import { httpVersionOf } from '../http2-request';
import type { RequestRecord } from './record';

/** Facts about the node rather than the request. */
export interface NodeFacts {
  /** The default workspace's id (kong-sim has one workspace, Kong OSS too). */
  workspaceId: string;
  /** The proxy listener's port (`$server_port`). */
  port: number;
}

/** Kong's response source names in log entries (K:kong/constants.lua `RESPONSE_SOURCE.NAMES`). */
const SOURCE_NAME = { service: 'upstream', kong: 'kong' } as const;

/** Request headers Kong redacts in every entry. */
const REDACTED = new Set(['authorization', 'proxy-authorization']);

/** One log entry, as Kong's serializer builds it (absent fields are left out, as cjson does). */
export type LogEntry = Record<string, unknown>;

/**
 * `kong.request.get_headers()` in the log phase: the request's headers as plugins left them
 * (a key-auth `hide_credentials` removes the key, authentication adds `x-consumer-*`), lowercase
 * names, repeated ones as arrays, `authorization` and `proxy-authorization` redacted.
 */
function requestHeaders(record: RequestRecord): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(record.req.headersDistinct)) {
    if (values) out[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  for (const name of record.pluginEdits?.cleared ?? []) delete out[name];
  Object.assign(out, record.pluginEdits?.set);
  for (const name of REDACTED) if (out[name] !== undefined) out[name] = 'REDACTED';
  return out;
}

/**
 * `kong.request.get_query()`: arguments decoded, a repeated one as an array, one without `=` as
 * `true`.
 */
function queryArgs(requestUri: string): Record<string, string | boolean | (string | boolean)[]> {
  const at = requestUri.indexOf('?');
  const out: Record<string, string | boolean | (string | boolean)[]> = {};
  if (at === -1) return out;
  for (const part of requestUri.slice(at + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (s: string): string => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    const key = decode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? true : decode(part.slice(eq + 1));
    const existing = out[key];
    out[key] = existing === undefined ? value : [existing, value].flat();
  }
  return out;
}

/**
 * `$request_length`: the request line, the headers as received and the body. kong-sim rebuilds
 * the head from the parsed request (HTTP/1.1 text, also for HTTP/2) and counts the body by its
 * Content-Length or the bytes it buffered.
 */
function requestSize(record: RequestRecord): number {
  const { req } = record;
  const version = httpVersionOf(req) === 2 ? '2.0' : req.httpVersion;
  let size = Buffer.byteLength(`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${version}\r\n`);
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    if (name.startsWith(':')) continue;
    size += Buffer.byteLength(`${name}: ${req.rawHeaders[i + 1] ?? ''}\r\n`);
  }
  return size + 2 + record.requestBodyBytes;
}

/** The entity as the router holds it: every field, plus the workspace it belongs to. */
function entity(value: object | undefined, workspaceId: string): LogEntry | undefined {
  return value === undefined ? undefined : { ...value, ws_id: workspaceId };
}

/** `latencies`: Kong's, the upstream's and the whole request's, in milliseconds. */
function latencies(record: RequestRecord, now: number): LogEntry {
  const ms = (from: number, to: number): number => Math.max(0, Math.round(to - from));
  const proxied = record.lastSentAt !== undefined;
  const responseAt = record.response?.at ?? now;
  return {
    kong:
      record.kongLatencyMs ??
      (proxied ? ms(record.startedAt, record.lastSentAt!) : ms(record.startedAt, responseAt)),
    proxy: record.waitingMs ?? (proxied ? ms(record.lastSentAt!, now) : -1),
    request: ms(record.startedAt, now),
    receive:
      proxied && record.upstreamHeadersAt !== undefined
        ? ms(record.upstreamHeadersAt, record.bodyEndAt ?? now)
        : 0,
  };
}

function tries(record: RequestRecord): LogEntry[] | undefined {
  return record.tries?.map((t) => ({
    balancer_start: t.balancerStart,
    balancer_start_ns: t.balancerStart * 1e6,
    balancer_latency: t.balancerLatency,
    balancer_latency_ns: t.balancerLatency * 1e6,
    ip: t.ip,
    port: t.port,
    ...(t.failed ? { state: 'failed', code: t.failed.code } : {}),
  }));
}

/** The entry for `record`, the log phase running at `now`. */
export function serializeEntry(record: RequestRecord, node: NodeFacts, now: number): LogEntry {
  const { req } = record;
  const requestUri = req.url ?? '/';
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
  const entry: LogEntry = {
    request: {
      id: record.requestId,
      uri: requestUri,
      url: `http://${host}:${node.port}${requestUri}`,
      // `get_query` reads the arguments as plugins left them; `uri` and `url` keep the original.
      querystring: queryArgs(
        record.pluginEdits?.query !== undefined ? `?${record.pluginEdits.query}` : requestUri,
      ),
      method: req.method ?? 'GET',
      headers: requestHeaders(record),
      size: requestSize(record),
    },
    upstream_uri: record.upstreamUri,
    upstream_status: record.upstreamStatuses.join(', '),
    response: {
      status: record.response?.status ?? 0,
      headers: record.response?.headers ?? {},
      size: record.responseSize(),
    },
    latencies: latencies(record, now),
    tries: tries(record),
    authenticated_entity: record.credential
      ? { id: record.credential.id, consumer_id: record.consumer?.id }
      : undefined,
    route: entity(record.route, node.workspaceId),
    service: entity(record.service, node.workspaceId),
    consumer: entity(record.consumer, node.workspaceId),
    client_ip: clientIp(record),
    started_at: record.startedAtMs,
    source: SOURCE_NAME[record.source],
    workspace: node.workspaceId,
    workspace_name: 'default',
  };
  for (const key of Object.keys(entry)) if (entry[key] === undefined) delete entry[key];
  return entry;
}

function clientIp(record: RequestRecord): string {
  const address = record.req.socket?.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
