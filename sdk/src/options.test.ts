import type { NetworkInterfaceInfo } from 'node:os';
import { FakeRegistry } from './__tests__/fake-registry';
import { DEFAULT_RETRY_POLICY } from './backoff';
import type { SdkError } from './errors';
import { register } from './index';
import {
  defaultInstanceId,
  detectHostAddress,
  resolveOptions,
  type RegisterOptions,
} from './options';

const minimal: RegisterOptions = {
  registryUrl: 'http://registry:4000/',
  token: 't',
  service: 'orders',
  port: 8080,
};

function iface(address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo {
  return { address, family, internal, netmask: '', mac: '', cidr: null } as NetworkInterfaceInfo;
}

describe('resolveOptions', () => {
  it('fills the documented defaults and leaves registry defaults to the registry', () => {
    const resolved = resolveOptions({ ...minimal, host: '10.0.0.5' });
    expect(resolved).toMatchObject({
      baseUrl: 'http://registry:4000',
      service: 'orders',
      instanceId: '10.0.0.5-8080',
      waitForRegistration: true,
      signals: undefined,
      requestTimeoutMs: 5000,
      drainTimeoutMs: 30_000,
      // Long enough for a weight of 0 to reach every Kong node under Kong's defaults.
      drainHoldMs: 6000,
      retry: DEFAULT_RETRY_POLICY,
    });
    expect(resolved.body).toEqual({ host: '10.0.0.5', port: 8080 });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolved.token()).toBe('t');
  });

  it('passes the routing definition through as the contract names it', () => {
    const resolved = resolveOptions({
      ...minimal,
      host: 'h',
      protocol: 'grpc',
      prefix: '/o',
      stripPrefix: false,
      auth: { type: 'jwt', allowGroups: ['staff'] },
      healthCheck: { path: '/ready' },
      upstream: { connectTimeoutMs: 2000, retries: 1 },
      ttlSeconds: 9,
      weight: 0,
    });
    expect(resolved.body).toEqual({
      host: 'h',
      port: 8080,
      protocol: 'grpc',
      prefix: '/o',
      stripPrefix: false,
      auth: { type: 'jwt', allowGroups: ['staff'] },
      healthCheck: { path: '/ready' },
      upstream: { connectTimeoutMs: 2000, retries: 1 },
      ttlSeconds: 9,
      weight: 0,
    });
  });

  it('turns handleSignals: true into SIGTERM and SIGINT with exit', () => {
    expect(resolveOptions({ ...minimal, handleSignals: true }).signals).toEqual({
      signals: ['SIGTERM', 'SIGINT'],
      exit: true,
    });
    expect(resolveOptions({ ...minimal, handleSignals: { exit: false } }).signals).toEqual({
      signals: ['SIGTERM', 'SIGINT'],
      exit: false,
    });
  });

  it('lists every bad option in one SDK_ERR_INVALID_OPTIONS error', () => {
    const bad = {
      registryUrl: 'not a url',
      token: 42,
      service: '',
      port: 70000,
      weight: 1001,
      protocol: 'tcp',
      retry: { jitter: 2 },
    } as unknown as RegisterOptions;
    try {
      resolveOptions(bad);
      throw new Error('expected a throw');
    } catch (err) {
      const { code, message } = err as { code: string; message: string };
      expect(code).toBe('SDK_ERR_INVALID_OPTIONS');
      for (const name of [
        'registryUrl',
        'token',
        'service',
        'port',
        'weight',
        'protocol',
        'retry.jitter',
      ]) {
        expect(message).toContain(name);
      }
    }
  });
});

describe('defaultInstanceId', () => {
  it.each([
    ['10.0.0.5', 8080, '10.0.0.5-8080'],
    ['My Host.example', 80, 'my-host.example-80'],
    ['fe80::1', 3000, 'fe80-1-3000'],
  ])('%s:%i -> %s', (host, port, expected) => {
    expect(defaultInstanceId(host, port)).toBe(expected);
  });
});

describe('detectHostAddress', () => {
  it('picks the first non-internal IPv4 address', () => {
    expect(
      detectHostAddress({
        lo: [iface('127.0.0.1', 'IPv4', true)],
        eth0: [iface('fe80::1', 'IPv6', false), iface('192.168.1.7', 'IPv4', false)],
      }),
    ).toBe('192.168.1.7');
    expect(detectHostAddress({ lo: [iface('127.0.0.1', 'IPv4', true)] })).toBeUndefined();
  });
});

describe('resolveOptions: registryUrl as a list', () => {
  it('keeps every URL in order, without trailing slashes; baseUrl is the first', () => {
    const resolved = resolveOptions({
      ...minimal,
      registryUrl: ['http://a:4000/', new URL('https://b:4443')],
    });
    expect(resolved.baseUrls).toEqual(['http://a:4000', 'https://b:4443']);
    expect(resolved.baseUrl).toBe('http://a:4000');
    expect(Object.isFrozen(resolved.baseUrls)).toBe(true);
  });

  it('turns a single URL into a list of one', () => {
    expect(resolveOptions(minimal).baseUrls).toEqual(['http://registry:4000']);
  });

  it('refuses an empty list and names every URL that is not http(s)', () => {
    expect(() => resolveOptions({ ...minimal, registryUrl: [] })).toThrow(
      /registryUrl must list at least one http\(s\) URL/,
    );
    let message = '';
    try {
      resolveOptions({ ...minimal, registryUrl: ['http://ok:1', 'ftp://x', 'nope'] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('"ftp://x"');
    expect(message).toContain('"nope"');
    expect(message).not.toContain('ok:1');
  });
});

describe('register() refuses what the registry would refuse, before any request', () => {
  let registry: FakeRegistry;

  beforeEach(async () => {
    registry = await new FakeRegistry().start();
  });
  afterEach(() => registry.stop());

  const longName = 'a'.repeat(64);
  it.each([
    ['a service name with capitals and _', { service: 'Orders_v2' }, /service .*"Orders_v2"/],
    ['a 64-character service name', { service: longName }, /service .*1-63 of \[a-z0-9-\]/],
    ['a bad instance id', { instanceId: 'i/1' }, /instanceId .*"i\/1".*1-128 of/],
    ['a prefix with a trailing /', { prefix: '/orders/' }, /prefix .*"\/orders\/".*no trailing/],
    ['a prefix with dot segments', { prefix: '/a/../b' }, /prefix .*'\.\.' segments/],
    ['a malformed extra prefix', { extraPrefixes: ['x'] }, /extraPrefixes holds \(got "x"\)/],
    [
      'an extra prefix nested in the prefix',
      { prefix: '/a', extraPrefixes: ['/a/b'] },
      /prefixes \/a and \/a\/b nest in each other/,
    ],
    [
      'too many extra prefixes',
      { extraPrefixes: Array.from({ length: 17 }, (_, i) => `/p${i}`) },
      /extraPrefixes must be a list of at most 16/,
    ],
  ] as const)('%s', async (_label, bad, message) => {
    const error = (await register({
      registryUrl: registry.url,
      token: 't',
      service: 'orders',
      host: '127.0.0.1',
      port: 3000,
      ...bad,
    }).catch((e: unknown) => e)) as SdkError;
    expect(error).toMatchObject({
      code: 'SDK_ERR_INVALID_OPTIONS',
      message: expect.stringMatching(message),
    });
    expect(registry.requests).toEqual([]);
  });

  it('accepts every name, id and prefix the registry accepts', () => {
    expect(() =>
      resolveOptions({
        ...minimal,
        service: 'a'.repeat(63),
        instanceId: 'x'.repeat(128),
        prefix: '/api/orders-v2',
      }),
    ).not.toThrow();
  });

  it('names the rule and the value in the message', () => {
    expect(() => resolveOptions({ ...minimal, service: 'Orders_v2' })).toThrow(
      'invalid options: service must be a service name (got "Orders_v2"): service names are 1-63 of [a-z0-9-], starting and ending with a letter or digit',
    );
  });
});

describe('route-less services and labels', () => {
  it('sends route and labels in the registration body', () => {
    const resolved = resolveOptions({ ...minimal, route: false, labels: { gpu: 'true' } });
    expect(resolved.body).toMatchObject({ route: false, labels: { gpu: 'true' } });
    expect(resolveOptions(minimal).body).not.toHaveProperty('route');
  });

  it('refuses routing options with route: false, and bad labels, all at once', () => {
    expect(() =>
      resolveOptions({
        ...minimal,
        route: false,
        auth: 'jwt',
        healthCheck: { path: '/h' },
        labels: { gpu: 'yes please' },
      }),
    ).toThrow(/leave out auth, healthCheck; labels\.gpu: label values are/);
  });

  it("refuses upstream with route: false, and upstream settings past Kong's bounds", () => {
    expect(() =>
      resolveOptions({ ...minimal, route: false, upstream: { readTimeoutMs: 120_000 } }),
    ).toThrow(/leave out upstream/);
    expect(() =>
      resolveOptions({ ...minimal, upstream: { connectTimeoutMs: 0, retries: 40_000 } }),
    ).toThrow(
      /upstream\.connectTimeoutMs: an integer of milliseconds from 1 to 2147483646 \(Kong's connect_timeout\); upstream\.retries: an integer from 0 to 32767/,
    );
  });

  it('keeps selfHealth checks, and refuses checks that are not functions', () => {
    const check = () => true;
    expect(
      resolveOptions({ ...minimal, selfHealth: { checks: { db: check } } }).selfHealth,
    ).toEqual({ checks: { db: check } });
    expect(() =>
      resolveOptions({
        ...minimal,
        selfHealth: { checks: { db: 'up' as unknown as () => boolean } },
      }),
    ).toThrow(/selfHealth\.checks must be functions/);
  });
});
