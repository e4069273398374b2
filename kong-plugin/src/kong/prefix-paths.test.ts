import { describeRoutePaths, prefixOfRoutePaths, prefixRoutePaths } from './prefix-paths';

describe('prefix route paths', () => {
  it('encodes a prefix as a plain path below it and an exact regex, dots escaped', () => {
    expect(prefixRoutePaths('/orders')).toEqual(['/orders/', '~/orders$']);
    expect(prefixRoutePaths('/api/v2.1')).toEqual(['/api/v2.1/', '~/api/v2\\.1$']);
    expect(prefixRoutePaths('/pkg.Service')).toEqual(['/pkg.Service/', '~/pkg\\.Service$']);
  });

  it('reads the prefix back from the pair, in either order, and from a single plain path', () => {
    expect(prefixOfRoutePaths(['/orders/', '~/orders$'])).toBe('/orders');
    expect(prefixOfRoutePaths(['~/orders$', '/orders/'])).toBe('/orders');
    expect(prefixOfRoutePaths(prefixRoutePaths('/a.b'))).toBe('/a.b');
    expect(prefixOfRoutePaths(['/orders'])).toBe('/orders');
    expect(prefixOfRoutePaths(['/orders/'])).toBe('/orders');
    expect(prefixOfRoutePaths(['/orders/', '~/other$'])).toBeUndefined();
    expect(prefixOfRoutePaths(['~/orders'])).toBeUndefined();
    expect(prefixOfRoutePaths([])).toBeUndefined();
  });

  it('describes the pair as its prefix, anything else as the paths', () => {
    expect(describeRoutePaths(prefixRoutePaths('/orders'))).toBe('/orders (and /orders/...)');
    expect(describeRoutePaths(['/orders'])).toBe('/orders');
    expect(describeRoutePaths(['/a', '/b'])).toBe('/a, /b');
    expect(describeRoutePaths([])).toBe('(no paths)');
  });
});
