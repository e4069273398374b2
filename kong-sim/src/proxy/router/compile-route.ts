import type { RouteEntity, ServiceEntity } from '../../store/types';

/**
 * Turns one route into the matchers Kong's traditional_compatible router builds for it
 * (kong-sim/KONG_BEHAVIOUR.md#route-matching, #route-priority): one matcher per path group (all
 * regex paths together, prefix paths grouped by length), each with its own priority.
 */

/** A compiled host pattern: exact, `*.x` (suffix) or `x.*` (prefix), with an optional port. */
export interface HostPattern {
  kind: 'exact' | 'suffix' | 'prefix';
  value: string;
  port: number | null;
}

/** One header condition: any listed value matches (lowercased equality or `~*` regex). */
export interface HeaderCondition {
  name: string;
  values: { exact?: string; regex?: RegExp }[];
}

/** A path condition: a plain string prefix or a regex anchored at the start. */
export type PathCondition = { kind: 'prefix'; prefix: string } | { kind: 'regex'; regex: RegExp };

/** A route as the router evaluates it; `priority` is compared element by element, higher first. */
export interface RouteMatcher {
  route: RouteEntity;
  service: ServiceEntity | null;
  methods: ReadonlySet<string> | null;
  hosts: HostPattern[] | null;
  headers: HeaderCondition[];
  paths: PathCondition[] | null;
  priority: number[];
}

function compileHost(host: string): HostPattern {
  let value = host.toLowerCase();
  let port: number | null = null;
  const portMatch = /^(.*):(\d+)$/.exec(value);
  if (portMatch && !value.endsWith(']')) {
    value = portMatch[1] ?? value;
    port = Number(portMatch[2]);
  }
  if (value.startsWith('*.')) return { kind: 'suffix', value: value.slice(1), port };
  if (value.endsWith('.*')) return { kind: 'prefix', value: value.slice(0, -1), port };
  return { kind: 'exact', value, port };
}

/** Kong compiles `~` paths with the Rust regex engine; `(?P<n>…)` is its named-group syntax. */
function compileRegexPath(path: string): RegExp {
  const source = path.slice(1).replace(/\(\?P</g, '(?<');
  return new RegExp(`^(?:${source})`);
}

function compileHeaders(headers: Record<string, string[]> | null): HeaderCondition[] {
  if (!headers) return [];
  return Object.entries(headers).map(([name, values]) => ({
    name: name.toLowerCase(),
    values: values.map((value) =>
      value.startsWith('~*')
        ? { regex: new RegExp(value.slice(2), 'i') }
        : { exact: value.toLowerCase() },
    ),
  }));
}

function nonEmpty<T>(list: T[] | null | undefined): list is T[] {
  return Array.isArray(list) && list.length > 0;
}

/** Groups paths as Kong does: every regex path in one group, prefix paths by their length. */
function groupPaths(paths: string[]): { regex: boolean; paths: string[] }[] {
  const regex = paths.filter((p) => p.startsWith('~'));
  const byLength = new Map<number, string[]>();
  for (const p of paths.filter((x) => !x.startsWith('~'))) {
    byLength.set(p.length, [...(byLength.get(p.length) ?? []), p]);
  }
  const groups = [...byLength.values()].map((group) => ({ regex: false, paths: group }));
  return regex.length > 0 ? [{ regex: true, paths: regex }, ...groups] : groups;
}

/** Compiles a route into its matchers; throws when a regex path does not compile. */
export function compileRoute(route: RouteEntity, service: ServiceEntity | null): RouteMatcher[] {
  const hosts = nonEmpty(route.hosts) ? route.hosts.map(compileHost) : null;
  const headers = compileHeaders(route.headers);
  const methods = nonEmpty(route.methods) ? new Set(route.methods) : null;
  const attributeCount =
    (methods ? 1 : 0) +
    (hosts ? 1 : 0) +
    (headers.length > 0 ? 1 : 0) +
    (nonEmpty(route.snis) ? 1 : 0) +
    (nonEmpty(route.paths) ? 1 : 0);
  const plainHostsOnly = hosts?.some((h) => h.kind !== 'exact') ? 0 : 1;
  const base = { route, service, methods, hosts, headers };
  if (!nonEmpty(route.paths)) {
    return [
      { ...base, paths: null, priority: [attributeCount, plainHostsOnly, headers.length, 0, 0, 0] },
    ];
  }
  return groupPaths(route.paths).map((group) => ({
    ...base,
    paths: group.paths.map((p): PathCondition =>
      group.regex ? { kind: 'regex', regex: compileRegexPath(p) } : { kind: 'prefix', prefix: p },
    ),
    priority: [
      attributeCount,
      plainHostsOnly,
      headers.length,
      group.regex ? 1 : 0,
      group.regex ? route.regex_priority : 0,
      group.regex ? 0 : (group.paths[0]?.length ?? 0),
    ],
  }));
}
