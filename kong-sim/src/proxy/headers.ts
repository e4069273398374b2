import type { IncomingMessage } from 'node:http';

/** Kong's version string as it appears in `Via` and `Server` (K:kong/meta.lua). */
export const KONG_VERSION = '3.9.3';
/** `Server: kong/3.9.3`. */
export const SERVER_HEADER = `kong/${KONG_VERSION}`;
/** The Via hop Kong adds, both upstream and on proxied responses, for HTTP/1.1. */
export const VIA_HOP = viaHop('1.1');

/**
 * The Via hop for a protocol version: the client's upstream, the upstream's on the response
 * (`2` for gRPC upstreams) (K:kong/runloop/handler.lua, `upstream_via` and `kong_outbound_via`).
 */
export function viaHop(version: string): string {
  return `${version} kong/${KONG_VERSION}`;
}

/** Headers a proxy must not forward (RFC 9110 §7.6.1), lowercase. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

/**
 * Header names HTTP/2 forbids (RFC 9113 §8.2.2): a response or request carrying them is
 * malformed, so nginx's HTTP/2 module leaves them out.
 */
export const HTTP2_CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** Header names (lowercase) that must not be forwarded, including those named in `Connection`. */
export function hopByHopNames(connection: string | string[] | undefined): Set<string> {
  const names = new Set(HOP_BY_HOP);
  for (const value of [connection ?? []].flat()) {
    for (const name of value.split(',')) if (name.trim()) names.add(name.trim().toLowerCase());
  }
  return names;
}

/** The client's headers as a mutable lowercase map, hop-by-hop headers and Host removed. */
export function forwardableRequestHeaders(
  req: IncomingMessage,
): Record<string, string | string[] | undefined> {
  const skip = hopByHopNames(req.headers.connection);
  skip.add('host');
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (skip.has(name) || !values) continue;
    headers[name] = values.length === 1 ? values[0] : values;
  }
  return headers;
}

/** Appends a value to a possibly multi-valued header, comma-separated. */
export function appendHeader(existing: string | string[] | undefined, value: string): string {
  const list = [existing ?? []].flat();
  return [...list, value].join(', ');
}

/** What `setForwardingHeaders` needs about the request. */
export interface ForwardingInfo {
  clientIp: string;
  /** Host header without the port. */
  host: string;
  proxyPort: number;
  /** The original request path, without the query. */
  originalPath: string;
  /** The prefix stripped by the route, if any. */
  strippedPrefix: string | undefined;
  requestId: string;
  /** The client's HTTP version as nginx writes it: `1.1`, `2`. */
  httpVersion: string;
  /** The client's TE header: only `trailers` is passed on. */
  te: string | string[] | undefined;
}

/**
 * Sets the headers Kong adds upstream (kong-sim/KONG_BEHAVIOUR.md#upstream-request-headers).
 * Incoming X-Forwarded-* values are replaced, because Kong trusts them only from `trusted_ips`,
 * which is empty by default.
 */
export function setForwardingHeaders(
  headers: Record<string, string | string[] | undefined>,
  info: ForwardingInfo,
): void {
  headers['x-forwarded-for'] = appendHeader(headers['x-forwarded-for'], info.clientIp);
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-host'] = info.host;
  headers['x-forwarded-port'] = String(info.proxyPort);
  headers['x-forwarded-path'] = info.originalPath;
  if (info.strippedPrefix && info.strippedPrefix !== '/')
    headers['x-forwarded-prefix'] = info.strippedPrefix;
  else delete headers['x-forwarded-prefix'];
  headers['x-real-ip'] = info.clientIp;
  headers['x-kong-request-id'] = info.requestId;
  headers.via = appendHeader(headers.via, viaHop(info.httpVersion));
  const te = [info.te ?? []].flat().flatMap((value) => value.split(','));
  if (te.some((name) => name.trim().toLowerCase() === 'trailers')) headers.te = 'trailers';
}

/** `Host` sent upstream unless preserve_host: `host[:port]`, port omitted when it is the default. */
export function upstreamHostHeader(host: string, port: number, protocol: string): string {
  const defaultPort = protocol === 'https' || protocol === 'grpcs' ? 443 : 80;
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === defaultPort ? bracketed : `${bracketed}:${port}`;
}

/** Drops undefined values (cleared headers) before handing the map to node:http. */
export function definedHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

/** Client IP without the IPv4-mapped IPv6 prefix. */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The Host header split into lowercase name and port. */
export function requestHost(req: IncomingMessage): string {
  const raw = (req.headers.host ?? '').toLowerCase();
  if (raw.startsWith('[')) return raw.slice(0, raw.indexOf(']') + 1);
  const idx = raw.lastIndexOf(':');
  return idx === -1 ? raw : raw.slice(0, idx);
}

/** Parses `Cookie` into a name → value map (last one wins). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const idx = part.indexOf('=');
    if (idx > 0) cookies[part.slice(0, idx).trim()] = part.slice(idx + 1).trim();
  }
  return cookies;
}
