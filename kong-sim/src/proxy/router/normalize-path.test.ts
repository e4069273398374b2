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
  ])('%s -> %s', (input, expected) => {
    expect(normalizeRequestPath(input)).toBe(expected);
  });
});
