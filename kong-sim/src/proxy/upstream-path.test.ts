import { computeUpstreamPath } from './upstream-path';

// Worked examples from K:spec/fixtures/router_path_handling_tests.lua, plus one row per branch of
// the v0 rules in K:kong/router/utils.lua `get_upstream_uri_v0`.
describe('computeUpstreamPath (v0)', () => {
  it.each([
    // servicePath, routePath (matched), strip, request, expected
    ['/', '/route', true, '/route/x', '/x'],
    ['/', '/route', true, '/routereq', '/req'],
    ['/', '/route', false, '/route/x', '/route/x'],
    ['/srv', '/rou', true, '/roureq', '/srv/req'],
    ['/srv', '/rou', false, '/roureq', '/srv/roureq'],
    ['/service', '/route', true, '/route', '/service'],
    ['/service', '/route', true, '/route/', '/service/'],
    ['/service/', '/route', true, '/route', '/service'],
    ['/service/', '/route', true, '/route/', '/service/'],
    ['/service/', '/route', true, '/route/x', '/service/x'],
    ['/service/', '/route', false, '/route/x', '/service/route/x'],
    ['/service', undefined, true, '/route', '/service/route'],
    ['/service', undefined, false, '/route', '/service/route'],
    ['/service', undefined, true, '/', '/service'],
    [null, '/route', true, '/route', '/'],
    [null, undefined, true, '/a/b', '/a/b'],
    ['/', '/', true, '/', '/'],
    ['/', '/route/', true, '/route/', '/'],
    ['/srv', '/route/', true, '/route/', '/srv/'],
  ] as [string | null, string | undefined, boolean, string, string][])(
    'service %s, matched %s, strip %s: %s -> %s',
    (servicePath, matchedPath, stripPath, requestPath, expected) => {
      expect(computeUpstreamPath({ servicePath, matchedPath, stripPath, requestPath })).toBe(
        expected,
      );
    },
  );
});
