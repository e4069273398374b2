import { isIP } from 'node:net';
import { findUnsafeTargets, protectedEndpointsOf } from './protected-endpoints';

const NODE = 'http://kong.internal:8001';

describe('protectedEndpointsOf', () => {
  it("lists the Admin URL's addresses and every admin and status listener", () => {
    const endpoints = protectedEndpointsOf(NODE, ['10.0.0.10'], 8001, {
      admin_listeners: [
        { ip: '127.0.0.1', port: 8001 },
        { ip: '[0000:0000:0000:0000:0000:0000:0000:0001]', port: 8444 },
      ],
      status_listeners: [{ ip: '0.0.0.0', port: 8007 }],
    });
    expect(endpoints.map((e) => `${e.address} ${e.port} ${e.what}`)).toEqual([
      '10.0.0.10 8001 its Admin URL',
      '127.0.0.1 8001 admin_listen 127.0.0.1:8001',
      '::1 8444 admin_listen [0000:0000:0000:0000:0000:0000:0000:0001]:8444',
      '* 8007 status_listen 0.0.0.0:8007',
    ]);
  });

  it('reads an empty list as Kong writes it ({}), and a node that did not answer as its URL alone', () => {
    expect(
      protectedEndpointsOf(NODE, ['10.0.0.10'], 8001, {
        admin_listeners: {},
        status_listeners: {},
      }),
    ).toHaveLength(1);
    expect(protectedEndpointsOf(NODE, [], 8001, undefined)).toEqual([]);
  });
});

describe('findUnsafeTargets', () => {
  const endpoints = protectedEndpointsOf(NODE, ['10.0.0.10'], 8001, {
    admin_listeners: [{ ip: '127.0.0.1', port: 8001 }],
    status_listeners: [{ ip: '[::]', port: 8007 }],
  });
  const dns: Record<string, string[]> = {
    'kong.internal': ['10.0.0.10'],
    localhost: ['127.0.0.1'],
  };
  const addressesOf = (host: string): string[] => dns[host] ?? (isIP(host) ? [host] : []);
  const instance = (instanceId: string, host: string, port: number) => ({
    service: 'evil',
    instanceId,
    host,
    port,
  });

  it.each([
    ['the Admin URL by name', instance('a', 'kong.internal', 8001), '10.0.0.10'],
    ['the admin listener by a name for loopback', instance('b', 'localhost', 8001), '127.0.0.1'],
    ['a wildcard status listener on any address', instance('c', '10.9.9.9', 8007), '10.9.9.9'],
  ])('finds %s', (_what, target, address) => {
    expect(findUnsafeTargets([target], addressesOf, endpoints)).toEqual([
      expect.objectContaining({ instanceId: target.instanceId, address }),
    ]);
  });

  it.each([
    ['another port on the Kong box', instance('d', 'kong.internal', 8000)],
    ['the admin port on another box', instance('e', '10.0.0.11', 8001)],
    ['a name that does not resolve', instance('f', 'nowhere.example', 8001)],
  ])('leaves %s alone', (_what, target) => {
    expect(findUnsafeTargets([target], addressesOf, endpoints)).toEqual([]);
  });
});
