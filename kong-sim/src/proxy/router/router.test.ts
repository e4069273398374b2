import type { RouteEntity } from '../../store/types';
import { aRoute, aService } from '../__tests__/memory-store';
import { Router, type RoutableRequest } from './router';

function request(path: string, extra: Partial<RoutableRequest> = {}): RoutableRequest {
  return { method: 'GET', host: 'example.com', localPort: 8000, path, headers: {}, ...extra };
}

function routerOf(...routes: RouteEntity[]): Router {
  return new Router(routes, new Map());
}

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#route-matching.
describe('Router matching', () => {
  it('matches prefix paths as plain string prefixes, not segments', () => {
    const r = aRoute({ name: 'foo', paths: ['/foo'] });
    expect(routerOf(r).match(request('/foobar'))?.route.name).toBe('foo');
    expect(routerOf(r).match(request('/fo'))).toBeUndefined();
  });

  it('anchors regex paths at the start only', () => {
    const r = aRoute({ name: 're', paths: ['~/v\\d+/items'] });
    expect(routerOf(r).match(request('/v2/items/extra'))?.matchedPath).toBe('/v2/items');
    expect(routerOf(r).match(request('/x/v2/items'))).toBeUndefined();
  });

  it('accepts Rust named groups (?P<n>...)', () => {
    const r = aRoute({ paths: ['~/users/(?P<id>\\d+)$'] });
    expect(routerOf(r).match(request('/users/42'))).toBeDefined();
    expect(routerOf(r).match(request('/users/42/x'))).toBeUndefined();
  });

  it.each([
    ['example.com', 'example.com', true],
    ['example.com', 'other.com', false],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', 'example.com', false],
    ['example.*', 'example.org', true],
    ['example.com:8000', 'example.com', true],
    ['example.com:9000', 'example.com', false],
  ])('host %s vs request host %s -> %s', (pattern, host, matches) => {
    const r = aRoute({ hosts: [pattern] });
    expect(routerOf(r).match(request('/', { host })) !== undefined).toBe(matches);
  });

  it('requires every attribute that is set (AND), any value within one (OR)', () => {
    const r = aRoute({
      methods: ['GET', 'POST'],
      paths: ['/a'],
      headers: { 'x-version': ['v1', 'v2'] },
    });
    const ok = request('/a', { method: 'POST', headers: { 'x-version': ['V2'] } });
    expect(routerOf(r).match(ok)).toBeDefined();
    expect(routerOf(r).match({ ...ok, method: 'PUT' })).toBeUndefined();
    expect(routerOf(r).match({ ...ok, headers: { 'x-version': ['v3'] } })).toBeUndefined();
  });

  it('leaves out routes of disabled services', () => {
    const service = aService({ enabled: false });
    const r = aRoute({ paths: ['/'], service: { id: service.id } });
    expect(new Router([r], new Map([[service.id, service]])).match(request('/'))).toBeUndefined();
  });
});

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#route-priority.
describe('Router priority', () => {
  const cases: [string, Partial<RouteEntity>, Partial<RouteEntity>, RoutableRequest][] = [
    [
      'more attribute kinds wins',
      { paths: ['/a'], hosts: ['example.com'], methods: ['GET'] },
      { paths: ['/a/b/c'], hosts: ['example.com'] },
      request('/a/b/c'),
    ],
    [
      'plain hosts beat wildcard hosts',
      { hosts: ['example.com'] },
      { hosts: ['*.com'] },
      request('/'),
    ],
    [
      'more header names wins',
      { headers: { a: ['1'], b: ['2'] } },
      { headers: { a: ['1'] } },
      request('/', { headers: { a: ['1'], b: ['2'] } }),
    ],
    [
      'a regex path beats a longer prefix path',
      { paths: ['~/a'] },
      { paths: ['/a/b/c'] },
      request('/a/b/c'),
    ],
    [
      'higher regex_priority wins between regexes',
      { paths: ['~/a'], regex_priority: 5 },
      { paths: ['~/a/b'], regex_priority: 1 },
      request('/a/b'),
    ],
    [
      'regex_priority is ignored for prefix paths; longer prefix wins',
      { paths: ['/a/b'], regex_priority: 0 },
      { paths: ['/a'], regex_priority: 10 },
      request('/a/b'),
    ],
  ];

  it.each(cases)('%s', (_name, winner, loser, req) => {
    const w = aRoute({ name: 'winner', ...winner });
    const l = aRoute({ name: 'loser', ...loser });
    expect(routerOf(l, w).match(req)?.route.name).toBe('winner');
    expect(routerOf(w, l).match(req)?.route.name).toBe('winner');
  });

  it('splits paths of one route into groups with their own priority', () => {
    const short = aRoute({ name: 'short-and-long', paths: ['/a', '/a/b/c/d'] });
    const mid = aRoute({ name: 'mid', paths: ['/a/b'] });
    expect(routerOf(short, mid).match(request('/a/b/x'))?.route.name).toBe('mid');
    expect(routerOf(short, mid).match(request('/a/b/c/d'))?.route.name).toBe('short-and-long');
  });
});
