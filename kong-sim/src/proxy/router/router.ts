import type { RouteEntity, ServiceEntity } from '../../store/types';
import {
  compileRoute,
  type HostPattern,
  type PathCondition,
  type RouteMatcher,
} from './compile-route';

/** What the router needs to know about a request. `path` is already normalised. */
export interface RoutableRequest {
  method: string;
  /** Host header without the port, lowercased. */
  host: string;
  /** Local port the request arrived on (for `host:port` route hosts). */
  localPort: number;
  path: string;
  /** Header name (lowercase) → every value sent. */
  headers: Readonly<Record<string, string[] | undefined>>;
}

/** A routing decision: the route, its service, and the part of the path the route matched. */
export interface RouteMatch {
  route: RouteEntity;
  service: ServiceEntity | null;
  /** The matched path prefix (`''` for a route without paths); stripped when strip_path is on. */
  matchedPath: string;
}

/**
 * Orders two priority vectors, higher first; ties go to the higher route id
 * (kong-sim/KONG_BEHAVIOUR.md#route-priority, rule 7).
 */
function comparePriority(a: RouteMatcher, b: RouteMatcher): number {
  for (let i = 0; i < Math.max(a.priority.length, b.priority.length); i++) {
    const diff = (b.priority[i] ?? 0) - (a.priority[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.route.id < b.route.id ? 1 : a.route.id > b.route.id ? -1 : 0;
}

function hostMatches(patterns: HostPattern[], request: RoutableRequest): boolean {
  return patterns.some((p) => {
    if (p.port !== null && p.port !== request.localPort) return false;
    if (p.kind === 'exact') return request.host === p.value;
    if (p.kind === 'suffix')
      return request.host.endsWith(p.value) && request.host.length > p.value.length;
    return request.host.startsWith(p.value) && request.host.length > p.value.length;
  });
}

function matchPath(paths: PathCondition[], path: string): string | undefined {
  for (const condition of paths) {
    if (condition.kind === 'prefix') {
      if (path.startsWith(condition.prefix)) return condition.prefix;
    } else {
      const found = condition.regex.exec(path);
      if (found) return found[0];
    }
  }
  return undefined;
}

function matchOne(matcher: RouteMatcher, request: RoutableRequest): string | undefined {
  if (matcher.methods && !matcher.methods.has(request.method)) return undefined;
  if (matcher.hosts && !hostMatches(matcher.hosts, request)) return undefined;
  for (const condition of matcher.headers) {
    const sent = (request.headers[condition.name] ?? []).map((v) => v.toLowerCase());
    const ok = condition.values.some((v) =>
      sent.some((s) => (v.regex ? v.regex.test(s) : s === v.exact)),
    );
    if (!ok) return undefined;
  }
  if (!matcher.paths) return '';
  return matchPath(matcher.paths, request.path);
}

const HTTP_SUBSYSTEM_PROTOCOLS = new Set(['http', 'https', 'grpc', 'grpcs']);

/** An immutable router over one snapshot of routes and services. */
export class Router {
  private readonly matchers: RouteMatcher[];

  /** `onInvalid` hears about routes that cannot be compiled (they are left out, as Kong would). */
  constructor(
    routes: readonly RouteEntity[],
    servicesById: ReadonlyMap<string, ServiceEntity>,
    onInvalid: (route: RouteEntity, err: unknown) => void = () => undefined,
  ) {
    const matchers: RouteMatcher[] = [];
    for (const route of routes) {
      // The HTTP subsystem's routes: http, https, grpc, grpcs (K:kong/router/transform.lua).
      if (!route.protocols.some((p) => HTTP_SUBSYSTEM_PROTOCOLS.has(p))) continue;
      const service = route.service ? (servicesById.get(route.service.id) ?? null) : null;
      // Routes of a disabled service are left out of the router (K:kong/runloop/handler.lua).
      if (service && !service.enabled) continue;
      try {
        matchers.push(...compileRoute(route, service));
      } catch (err) {
        onInvalid(route, err);
      }
    }
    this.matchers = matchers.sort(comparePriority);
  }

  /** The best route for the request, or undefined (→ 404 "no Route matched with those values"). */
  match(request: RoutableRequest): RouteMatch | undefined {
    for (const matcher of this.matchers) {
      const matchedPath = matchOne(matcher, request);
      if (matchedPath !== undefined) {
        return { route: matcher.route, service: matcher.service, matchedPath };
      }
    }
    return undefined;
  }
}
