/**
 * Kong's route matching (traditional_compatible router; kong-sim/KONG_BEHAVIOUR.md#route-matching,
 * #route-priority and #upstream-path), re-done on the routes read from the Admin API so `explain`
 * can say which route answers a request. Pure.
 * Header-based routes cannot be judged from a URL alone and are reported as not matching.
 */
import type { KongBody } from '../kong/entities';

/** A request to explain. */
export interface ExplainRequest {
  method: string;
  scheme: 'http' | 'https';
  host: string;
  /** The port the URL names, or the scheme's (80, 443). */
  port: number;
  /** Normalized path without the query string. */
  path: string;
}

/** The request as a URL again: the port only when it is not the scheme's own. */
export function requestUrl(request: ExplainRequest): string {
  const standard = request.port === (request.scheme === 'https' ? 443 : 80);
  return `${request.scheme}://${request.host}${standard ? '' : `:${request.port}`}${request.path}`;
}

/** The winning route and why. */
export interface RouteMatch {
  route: KongBody;
  /** The route path that matched (`~` kept for regex paths). */
  matchedPath: string | undefined;
  /** Path the upstream receives (path_handling v0, kong-sim/KONG_BEHAVIOUR.md#upstream-path). */
  upstreamPath: string;
  /** Priority components, most significant first (for `--json` curiosity). */
  priority: number[];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Decodes percent-encoded unreserved characters, merges runs of slashes and removes dot segments
 * (Kong 3.9.3: kong/tools/uri.lua `normalize(uri, true)`, called by kong/router/utils.lua
 * `strip_uri_args`).
 */
export function normalizePath(raw: string): string {
  const decoded = raw
    .replace(/%([0-9A-Fa-f]{2})/g, (all, hex: string) => {
      const ch = String.fromCharCode(parseInt(hex, 16));
      return /[A-Za-z0-9\-._~]/.test(ch) ? ch : all.toUpperCase();
    })
    .replace(/\/{2,}/g, '/');
  const out: string[] = [];
  const segments = decoded.split('/');
  segments.forEach((segment, i) => {
    if (segment === '.') {
      if (i === segments.length - 1) out.push('');
      return;
    }
    if (segment === '..') {
      if (out.length > 1) out.pop();
      if (i === segments.length - 1) out.push('');
      return;
    }
    out.push(segment);
  });
  const joined = out.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

/** Parses `METHOD URL` arguments; the URL may be absolute or a bare path. */
export function parseRequest(method: string, url: string): ExplainRequest {
  const parsed = new URL(url, 'http://localhost');
  const scheme = parsed.protocol === 'https:' ? 'https' : 'http';
  return {
    method: method.toUpperCase(),
    scheme,
    host: parsed.hostname.toLowerCase(),
    port: parsed.port === '' ? (scheme === 'https' ? 443 : 80) : Number(parsed.port),
    path: normalizePath(parsed.pathname),
  };
}

/** A route host (`api.example.com`, `*.example.com`, `api.*`, `host:port`) against the request. */
function hostMatches(pattern: string, request: ExplainRequest): boolean {
  const withPort = /^(.*):(\d+)$/.exec(pattern);
  if (withPort && Number(withPort[2]) !== request.port) return false;
  const bare = (withPort ? withPort[1]! : pattern).toLowerCase();
  const host = request.host;
  if (bare.startsWith('*.')) return host.endsWith(bare.slice(1));
  if (bare.endsWith('.*')) return host.startsWith(bare.slice(0, -1));
  return bare === host;
}

/**
 * Best matching path of a route: regex beats prefix, then the longer prefix (Kong 3.9.3:
 * kong/router/transform.lua `get_priority`).
 */
function bestPath(
  route: KongBody,
  path: string,
): { path: string; regex: boolean; prefix: string } | undefined {
  let best: { path: string; regex: boolean; prefix: string } | undefined;
  for (const candidate of strings(route.paths)) {
    if (candidate.startsWith('~')) {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${candidate.slice(1).replace(/\(\?P</g, '(?<')})`);
      } catch {
        continue;
      }
      const m = re.exec(path);
      if (m && (!best || !best.regex)) best = { path: candidate, regex: true, prefix: m[0] };
    } else if (path.startsWith(candidate)) {
      if (!best || (!best.regex && candidate.length > best.path.length)) {
        best = { path: candidate, regex: false, prefix: candidate };
      }
    }
  }
  return best;
}

/**
 * Upstream path for a service path and a matched prefix, path_handling v0 (Kong 3.9.3:
 * kong/router/utils.lua `get_upstream_uri_v0`).
 */
export function upstreamPath(
  servicePath: string | null,
  requestPath: string,
  matchedPrefix: string | undefined,
  stripPath: boolean,
): string {
  const base = servicePath ?? '/';
  if (stripPath && matchedPrefix !== undefined) {
    let rest = requestPath.slice(matchedPrefix.length);
    rest = rest.replace(/^\/?\.\.?(?=\/|$)/, '');
    if (base.endsWith('/')) {
      if (rest === '') return base !== '/' && !requestPath.endsWith('/') ? base.slice(0, -1) : base;
      return rest.startsWith('/') ? base.slice(0, -1) + rest : base + rest;
    }
    if (rest === '') return requestPath.endsWith('/') && requestPath.length > 1 ? `${base}/` : base;
    return rest.startsWith('/') ? base + rest : `${base}/${rest}`;
  }
  if (base.endsWith('/')) return base + requestPath.slice(1);
  return requestPath === '/' ? base : base + requestPath;
}

const HTTP_ROUTER_PROTOCOLS = new Set(['http', 'https', 'grpc', 'grpcs']);

/**
 * What Kong answers instead of proxying when the request does not fit the matched route's
 * protocols (kong/runloop/handler.lua): an https-only route over http gets 426 or its redirect;
 * a gRPC route takes only HTTP/2 requests with a gRPC Content-Type, which `explain` cannot send,
 * so it names the condition.
 */
export function routeRefusal(route: KongBody, request: ExplainRequest): string | undefined {
  const protocols = strings(route.protocols);
  if (protocols.includes('https') && !protocols.includes('http') && request.scheme !== 'https') {
    const status = route.https_redirect_status_code;
    return status === 426 || status === undefined
      ? '426 Please use HTTPS protocol'
      : `${String(status)} redirect to https`;
  }
  if (protocols.includes('grpc') || protocols.includes('grpcs'))
    return 'a gRPC route: proxied only for HTTP/2 requests with Content-Type application/grpc (HTTP/1.1: 426 Please use HTTP2 protocol; another Content-Type: 415 Non-gRPC request matched gRPC route)';
  return undefined;
}

/**
 * The route Kong would pick for `request` among `routes` (routes of disabled services must be
 * left out by the caller), or undefined for Kong's 404 `no Route matched with those values`.
 */
export function matchRoute(
  routes: readonly KongBody[],
  request: ExplainRequest,
  servicePathOf: (route: KongBody) => string | null = () => null,
): RouteMatch | undefined {
  let winner: { match: RouteMatch; id: string } | undefined;
  for (const route of routes) {
    // Kong's HTTP router holds every http, https, grpc and grpcs route and does not match on
    // the protocol (kong/router/transform.lua); a route of the wrong one is matched and then
    // refused (426, 415: routeRefusal).
    const protocols = strings(route.protocols);
    if (protocols.length > 0 && !protocols.some((p) => HTTP_ROUTER_PROTOCOLS.has(p))) continue;
    const methods = strings(route.methods);
    if (methods.length > 0 && !methods.includes(request.method)) continue;
    const hosts = strings(route.hosts);
    if (hosts.length > 0 && !hosts.some((h) => hostMatches(h, request))) continue;
    const headerNames =
      route.headers && typeof route.headers === 'object' ? Object.keys(route.headers) : [];
    if (headerNames.length > 0) continue;
    const paths = strings(route.paths);
    const path = paths.length > 0 ? bestPath(route, request.path) : undefined;
    if (paths.length > 0 && !path) continue;
    if (paths.length === 0 && methods.length === 0 && hosts.length === 0) continue;

    const kinds = [
      methods,
      hosts,
      headerNames,
      strings(route.snis),
      strings(route.sources),
      strings(route.destinations),
      paths,
    ].filter((list) => list.length > 0).length;
    const plainHosts = hosts.every((h) => !h.includes('*')) ? 1 : 0;
    const regex = path?.regex ? 1 : 0;
    const regexPriority =
      path?.regex && typeof route.regex_priority === 'number' ? route.regex_priority : 0;
    const prefixLength = path && !path.regex ? path.path.length : 0;
    const priority = [kinds, plainHosts, headerNames.length, regex, regexPriority, prefixLength];
    const match: RouteMatch = {
      route,
      matchedPath: path?.path,
      upstreamPath: upstreamPath(
        servicePathOf(route),
        request.path,
        path?.prefix,
        route.strip_path !== false,
      ),
      priority,
    };
    const id = String(route.id ?? '');
    if (!winner || compare(priority, id, winner.match.priority, winner.id) > 0)
      winner = { match, id };
  }
  return winner?.match;
}

function compare(a: number[], aId: string, b: number[], bId: string): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  // Full tie: higher UUID first (kong-sim/KONG_BEHAVIOUR.md#route-priority, rule 7).
  return aId.localeCompare(bId);
}
