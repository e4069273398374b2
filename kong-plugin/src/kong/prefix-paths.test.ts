import {
  describeRoutePaths,
  prefixesOfRoutePaths,
  prefixesRoutePaths,
  prefixOfRoutePaths,
  prefixRoutePaths,
} from './prefix-paths';

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

  it('encodes several prefixes pair by pair and reads them back in order', () => {
    const paths = prefixesRoutePaths(['/shop.Orders', '/shop.Payments']);
    expect(paths).toEqual([
      '/shop.Orders/',
      '~/shop\\.Orders$',
      '/shop.Payments/',
      '~/shop\\.Payments$',
    ]);
    expect(prefixesOfRoutePaths(paths)).toEqual(['/shop.Orders', '/shop.Payments']);
    expect(prefixOfRoutePaths(paths)).toBeUndefined();
    expect(prefixesOfRoutePaths(['/a/', '~/a$', '/b/'])).toBeUndefined();
    expect(prefixesOfRoutePaths(['/a/', '~/a$', '/b/', '~/c$'])).toBeUndefined();
    expect(describeRoutePaths(paths)).toBe(
      '/shop.Orders (and /shop.Orders/...), /shop.Payments (and /shop.Payments/...)',
    );
  });
});
