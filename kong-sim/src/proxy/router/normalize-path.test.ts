import { normalizeRequestPath } from './normalize-path';

describe('normalizeRequestPath', () => {
  it.each([
    ['/', '/'],
    ['', '/'],
    ['/a/b', '/a/b'],
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/../a', '/a'],
    ['/a/b/..', '/a/'],
    ['/%61bc', '/abc'],
    ['/a%2Fb', '/a%2Fb'],
    ['/a%2fb', '/a%2Fb'],
    ['/x/', '/x/'],
    // Slashes are merged (normalize(uri, true) in K:kong/router/utils.lua strip_uri_args).
    ['//orders', '/orders'],
    ['/a//b///c', '/a/b/c'],
    ['/a//', '/a/'],
    ['/a/.//../b', '/b'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeRequestPath(input)).toBe(expected);
  });
});
