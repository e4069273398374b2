import { prefixRoutePaths } from '../kong/prefix-paths';
import {
  matchRoute,
  normalizePath,
  parseRequest,
  requestUrl,
  routeRefusal,
  upstreamPath,
} from './match';

const route = (id: string, patch: Record<string, unknown>) => ({
  id,
  name: id,
  protocols: ['http', 'https'],
  strip_path: true,
  ...patch,
});

describe('matchRoute', () => {
  const routes = [
    route('a', { paths: ['/orders'] }),
    route('b', { paths: ['/orders/admin'] }),
    route('c', { paths: ['~/orders/\\d+$'] }),
    route('d', { paths: ['/orders'], methods: ['POST'] }),
    route('e', { paths: ['/orders'], hosts: ['api.example.com'] }),
    route('f', { paths: ['/rpc'], protocols: ['grpc', 'grpcs'], strip_path: false }),
    route('g', { paths: ['/ported'], hosts: ['gw:8443'] }),
  ];

  it.each([
    ['GET', 'http://gw/orders/list', 'a'],
    ['GET', 'http://gw/ordersX', 'a'],
    ['GET', 'http://gw/orders/admin/x', 'b'],
    ['GET', 'http://gw/orders/42', 'c'],
    ['POST', 'http://gw/orders/list', 'd'],
    ['GET', 'http://api.example.com/orders', 'e'],
    ['GET', 'http://gw/nothing', undefined],
    // Kong's HTTP router matches a gRPC route whatever the request; the handler refuses it.
    ['GET', 'http://gw/rpc/x', 'f'],
    ['GET', 'http://gw:8443/ported', 'g'],
    ['GET', 'http://gw/ported', undefined],
  ])('%s %s -> %s', (method, url, id) => {
    expect(matchRoute(routes, parseRequest(method, url))?.route.id).toBe(id);
  });

  it('breaks a full tie by the higher UUID', () => {
    const tie = [
      route('00000000-0000-4000-8000-000000000001', { paths: ['/x'] }),
      route('ffffffff-0000-4000-8000-000000000001', { paths: ['/x'] }),
    ];
    expect(matchRoute(tie, parseRequest('GET', '/x'))?.route.id).toBe(
      'ffffffff-0000-4000-8000-000000000001',
    );
  });

  it('reports the upstream path after strip_path', () => {
    expect(matchRoute(routes, parseRequest('GET', 'http://gw/orders/list?x=1'))?.upstreamPath).toBe(
      '/list',
    );
  });
});

describe('routeRefusal', () => {
  it('names what Kong answers when the request does not fit the route protocols', () => {
    const http = parseRequest('GET', 'http://gw/x');
    expect(routeRefusal(route('h', { protocols: ['https'] }), http)).toBe(
      '426 Please use HTTPS protocol',
    );
    expect(
      routeRefusal(route('h', { protocols: ['https'], https_redirect_status_code: 301 }), http),
    ).toBe('301 redirect to https');
    expect(
      routeRefusal(route('h', { protocols: ['https'] }), parseRequest('GET', 'https://gw/x')),
    ).toBeUndefined();
    expect(routeRefusal(route('g', { protocols: ['grpc', 'grpcs'] }), http)).toMatch(
      /^a gRPC route: proxied only for HTTP\/2 requests/,
    );
    expect(routeRefusal(route('p', {}), http)).toBeUndefined();
  });
});

describe('matchRoute on segment prefixes (kong/prefix-paths.ts)', () => {
  const routes = [
    route('orders', { paths: prefixRoutePaths('/orders') }),
    route('api', { paths: prefixRoutePaths('/api') }),
    route('api-v2', { paths: prefixRoutePaths('/api/v2') }),
  ];
  it.each([
    ['/orders', 'orders', '/'],
    ['/orders/', 'orders', '/'],
    ['/orders/42', 'orders', '/42'],
    ['//orders//42', 'orders', '/42'],
    ['/orders-archive/x', undefined, undefined],
    ['/ordersx', undefined, undefined],
    ['/Orders', undefined, undefined],
    ['/api/v2', 'api-v2', '/'],
    ['/api/v2/x', 'api-v2', '/x'],
    ['/api/v2x', 'api', '/v2x'],
    ['/api', 'api', '/'],
  ])('%s -> %s %s', (path, expected, upstream) => {
    const match = matchRoute(routes, parseRequest('GET', `http://gw${path}`));
    expect(match?.route.id).toBe(expected);
    expect(match?.upstreamPath).toBe(upstream);
  });
});

describe('path helpers', () => {
  it.each([
    ['/a/./b/../c', '/a/c'],
    ['/%7Euser/%2F', '/~user/%2F'],
  ])('normalizePath(%s) = %s', (input, output) => {
    expect(normalizePath(input)).toBe(output);
  });

  it.each([
    ['/', '/route/x', '/route', true, '/x'],
    ['/', '/routereq', '/route', true, '/req'],
    ['/', '/route/x', '/route', false, '/route/x'],
    ['/srv', '/roureq', '/rou', true, '/srv/req'],
    ['/srv', '/roureq', '/rou', false, '/srv/roureq'],
    ['/service', '/route', '/route', true, '/service'],
    ['/service', '/route/', '/route', true, '/service/'],
    ['/service/', '/route', '/route', true, '/service'],
  ])('upstreamPath(%s, %s, %s, %s) = %s', (base, request, prefix, strip, expected) => {
    expect(upstreamPath(base, request, prefix, strip)).toBe(expected);
  });
});

describe('requestUrl', () => {
  it.each([
    ['http://127.0.0.1:35607/orders/42', 'http://127.0.0.1:35607/orders/42'],
    ['http://gw:80/orders', 'http://gw/orders'],
    ['https://gw/orders', 'https://gw/orders'],
    ['https://gw:8443/x?y=1', 'https://gw:8443/x'],
  ])('%s is shown as %s', (url, shown) => {
    expect(requestUrl(parseRequest('GET', url))).toBe(shown);
  });
});
