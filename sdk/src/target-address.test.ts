import { canonicalHost, isIpAddress } from './target-address';

describe('canonicalHost', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['[::ffff:7f00:1]', '127.0.0.1'],
    ['::FFFF:10.0.0.12', '10.0.0.12'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['[FE80::1]', 'fe80::1'],
    ['Orders.Internal.', 'orders.internal'],
    ['localhost', 'localhost'],
  ])('%s -> %s', (host, canonical) => {
    expect(canonicalHost(host)).toBe(canonical);
  });

  it('leaves what is neither an address nor a name unchanged', () => {
    expect(canonicalHost('a b')).toBe('a b');
  });

  it('tells addresses from names by their canonical form', () => {
    expect([isIpAddress('2130706433'), isIpAddress('::ffff:1.2.3.4'), isIpAddress('kong')]).toEqual(
      [true, true, false],
    );
  });
});
