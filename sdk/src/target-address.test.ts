import { AddressResolver, canonicalHost, isIpAddress } from './target-address';

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

describe('AddressResolver', () => {
  it('answers an IP with itself, canonical, without resolving', async () => {
    const resolve = jest.fn(async () => ['10.0.0.1']);
    const names = new AddressResolver({ resolve });
    expect(await names.addressesOf('2130706433')).toEqual(['127.0.0.1']);
    expect(resolve).not.toHaveBeenCalled();
  });

  it('resolves a name once per ttl, canonical and without repeats', async () => {
    let now = 0;
    const resolve = jest.fn(async () => ['::ffff:10.0.0.1', '10.0.0.1', '::1']);
    const names = new AddressResolver({ resolve, clock: () => now, ttlMs: 100 });
    expect(await names.addressesOf('Svc.Internal')).toEqual(['10.0.0.1', '::1']);
    await names.addressesOf('svc.internal.');
    expect(resolve).toHaveBeenCalledTimes(1);
    now = 101;
    await names.addressesOf('svc.internal');
    expect(resolve).toHaveBeenCalledTimes(2);
  });

  it('gives a name that does not resolve no addresses', async () => {
    const names = new AddressResolver({
      resolve: async () => {
        throw new Error('ENOTFOUND');
      },
    });
    expect(await names.addressesOf('nowhere.example')).toEqual([]);
  });
});
