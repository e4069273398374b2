import { RegistryError } from '../errors';
import {
  createRegisterSchema,
  heartbeatBodySchema,
  instanceIdSchema,
  parseOrThrow,
  prefixAllowed,
  prefixSchema,
  reservedBy,
  resolveDefinition,
  serviceNameSchema,
} from './validation';

describe('names', () => {
  it.each(['orders', 'a', 'a1', 'order-service', `a${'b'.repeat(61)}c`])(
    'accepts service %s',
    (name) => {
      expect(serviceNameSchema.safeParse(name).success).toBe(true);
    },
  );
  it.each(['', 'Orders', 'my_svc', '-a', 'a-', 'a.b', 'a/b', `a${'b'.repeat(63)}`])(
    'refuses service %j',
    (name) => {
      expect(serviceNameSchema.safeParse(name).success).toBe(false);
    },
  );
  it.each(['i-1', 'host.example_1', 'A'.repeat(128)])('accepts instance id %s', (id) => {
    expect(instanceIdSchema.safeParse(id).success).toBe(true);
  });
  it.each(['', 'a b', 'a/b', 'a:b', 'A'.repeat(129)])('refuses instance id %j', (id) => {
    expect(instanceIdSchema.safeParse(id).success).toBe(false);
  });
});

describe('prefixes', () => {
  it.each(['/orders', '/api/v2/orders', '/a.b', '/a_b-c'])('accepts %s', (p) => {
    expect(prefixSchema.safeParse(p).success).toBe(true);
  });
  it.each([
    'orders',
    '/',
    '/orders/',
    '//a',
    '/a/../b',
    '/..',
    '/.',
    '~/orders',
    '/orders(.*)',
    '/a b',
    '/a?b',
  ])('refuses %j', (p) => {
    expect(prefixSchema.safeParse(p).success).toBe(false);
  });
  it('finds the reserved prefix a path falls under', () => {
    expect(reservedBy('/v1', ['/v1'])).toBe('/v1');
    expect(reservedBy('/v1/x', ['/v1'])).toBe('/v1');
    expect(reservedBy('/v10', ['/v1'])).toBeUndefined();
  });
  it('checks a token prefix allow-list (exact or nested)', () => {
    expect(prefixAllowed('/shop', undefined)).toBe(true);
    expect(prefixAllowed('/shop/cart', ['/shop'])).toBe(true);
    expect(prefixAllowed('/shopping', ['/shop'])).toBe(false);
  });
});

describe('registration defaults', () => {
  const schema = createRegisterSchema({ minTtlSeconds: 5, maxTtlSeconds: 300 });

  it('fills the definition defaults', () => {
    expect(resolveDefinition('orders', parseOrThrow(schema, { port: 80 }, 'body'))).toEqual({
      route: true,
      prefix: '/orders',
      stripPrefix: true,
      protocol: 'http',
      auth: { type: 'none', allowGroups: [] },
      healthCheck: {
        path: '/health',
        intervalSeconds: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        timeoutSeconds: 2,
      },
    });
  });

  it('grpc keeps the prefix by default', () => {
    expect(
      resolveDefinition('g', parseOrThrow(schema, { port: 80, protocol: 'grpc' }, 'body'))
        .stripPrefix,
    ).toBe(false);
  });

  it('accepts auth as a string with flat allowGroups, or as an object; groups sorted and unique', () => {
    const flat = resolveDefinition(
      'a',
      parseOrThrow(schema, { port: 80, auth: 'jwt', allowGroups: ['b', 'a', 'b'] }, 'body'),
    );
    expect(flat.auth).toEqual({ type: 'jwt', allowGroups: ['a', 'b'] });
    const nested = resolveDefinition(
      'a',
      parseOrThrow(schema, { port: 80, auth: { type: 'key-auth', allowGroups: ['x'] } }, 'body'),
    );
    expect(nested.auth).toEqual({ type: 'key-auth', allowGroups: ['x'] });
  });

  it('refuses allowGroups in both places', () => {
    const body = parseOrThrow(
      schema,
      { port: 80, auth: { type: 'jwt', allowGroups: ['a'] }, allowGroups: ['b'] },
      'body',
    );
    expect(() => resolveDefinition('a', body)).toThrow(RegistryError);
  });

  it('lists every problem at once with paths', () => {
    try {
      parseOrThrow(schema, { port: 0, weight: 2000, ttlSeconds: 1, nope: 1 }, 'registration');
      throw new Error('expected a validation error');
    } catch (err) {
      expect(err).toMatchObject({ code: 'REG_ERR_VALIDATION', statusCode: 400 });
      const paths = (err as RegistryError).details?.map((d) => d.path) ?? [];
      expect(paths).toEqual(expect.arrayContaining(['port', 'weight', 'ttlSeconds']));
      expect(paths).toHaveLength(4);
    }
  });

  it.each([
    ['10.0.0.1', true],
    ['::1', true],
    ['fe80::1', true],
    ['orders.internal', true],
    ['my-host', true],
    ['http://x', false],
    ['a/b', false],
    ['-bad', false],
    ['', false],
  ])('host %j valid: %s', (host, ok) => {
    expect(schema.safeParse({ port: 80, host }).success).toBe(ok);
  });
});

describe('route-less services (route: false)', () => {
  const schema = createRegisterSchema({ minTtlSeconds: 5, maxTtlSeconds: 300 });

  it('have no prefix and default the rest', () => {
    const definition = resolveDefinition(
      'worker',
      parseOrThrow(schema, { port: 9100, route: false }, 'body'),
    );
    expect(definition).toMatchObject({ route: false, prefix: null, stripPrefix: false });
    expect(definition.auth).toEqual({ type: 'none', allowGroups: [] });
  });

  it('refuse every field that only a route has, naming each', () => {
    const body = parseOrThrow(
      schema,
      { port: 9100, route: false, prefix: '/w', auth: 'jwt', healthCheck: { path: '/h' } },
      'body',
    );
    expect.assertions(3);
    try {
      resolveDefinition('worker', body);
    } catch (err) {
      expect((err as RegistryError).code).toBe('REG_ERR_VALIDATION');
      expect((err as RegistryError).message).toMatch(/leave out prefix, auth, healthCheck/);
      expect((err as RegistryError).details?.map((d) => d.path)).toEqual([
        'prefix',
        'auth',
        'healthCheck',
      ]);
    }
  });
});

describe('upstream settings (Kong timeouts and retries)', () => {
  const schema = createRegisterSchema({ minTtlSeconds: 5, maxTtlSeconds: 300 });
  const resolve = (body: Record<string, unknown>) =>
    resolveDefinition('reports', parseOrThrow(schema, { port: 80, ...body }, 'registration'));
  const refusal = (upstream: unknown): RegistryError => {
    try {
      parseOrThrow(schema, { port: 80, upstream }, 'registration');
    } catch (err) {
      return err as RegistryError;
    }
    throw new Error('expected a validation error');
  };

  it("are stored with Kong's default in every field left out, in one key order", () => {
    const definition = resolve({ upstream: { retries: 1, readTimeoutMs: 300_000 } });
    expect(definition.upstream).toEqual({
      connectTimeoutMs: 60_000,
      readTimeoutMs: 300_000,
      writeTimeoutMs: 60_000,
      retries: 1,
    });
    // The stored JSON is compared as a string to tell a definition change: the order of the
    // request's keys must not make one.
    expect(JSON.stringify(definition)).toBe(
      JSON.stringify(resolve({ upstream: { readTimeoutMs: 300_000, retries: 1 } })),
    );
  });

  it('are not stored when none is given, so such a definition keeps its stored form', () => {
    expect(resolve({})).not.toHaveProperty('upstream');
    expect(resolve({ upstream: {} })).not.toHaveProperty('upstream');
    expect(JSON.stringify(resolve({ upstream: {} }))).toBe(JSON.stringify(resolve({})));
  });

  it("accept Kong's bounds themselves", () => {
    expect(
      resolve({
        upstream: {
          connectTimeoutMs: 1,
          readTimeoutMs: 2_147_483_646,
          writeTimeoutMs: 1,
          retries: 0,
        },
      }).upstream,
    ).toEqual({ connectTimeoutMs: 1, readTimeoutMs: 2_147_483_646, writeTimeoutMs: 1, retries: 0 });
    expect(resolve({ upstream: { retries: 32_767 } }).upstream?.retries).toBe(32_767);
  });

  it.each([
    [
      'connectTimeoutMs',
      0,
      "an integer of milliseconds from 1 to 2147483646 (Kong's connect_timeout)",
    ],
    [
      'readTimeoutMs',
      2_147_483_647,
      "an integer of milliseconds from 1 to 2147483646 (Kong's read_timeout)",
    ],
    [
      'writeTimeoutMs',
      1.5,
      "an integer of milliseconds from 1 to 2147483646 (Kong's write_timeout)",
    ],
    [
      'writeTimeoutMs',
      '5000',
      "an integer of milliseconds from 1 to 2147483646 (Kong's write_timeout)",
    ],
    ['retries', -1, "an integer from 0 to 32767 (Kong's retries)"],
    ['retries', 32_768, "an integer from 0 to 32767 (Kong's retries)"],
  ])('refuse %s %j with a 400 naming the field and the bound', (field, value, rule) => {
    const err = refusal({ [field]: value });
    expect(err).toMatchObject({ code: 'REG_ERR_VALIDATION', statusCode: 400 });
    expect(err.details).toEqual([{ path: `upstream.${field}`, message: rule }]);
    expect(err.message).toBe(`invalid registration: upstream.${field}: ${rule}`);
  });

  it('refuse a field Kong does not have, and list every bad one at once', () => {
    const err = refusal({ timeoutMs: 5, connectTimeoutMs: 0, retries: 99_999 });
    expect(err.details?.map((d) => d.path).sort()).toEqual([
      'upstream',
      'upstream.connectTimeoutMs',
      'upstream.retries',
    ]);
    expect(err.message).toMatch(/timeoutMs/);
  });

  it('are refused with route: false, like every route-only field', () => {
    const body = parseOrThrow(
      schema,
      { port: 80, route: false, upstream: { connectTimeoutMs: 2000 } },
      'registration',
    );
    expect(() => resolveDefinition('worker', body)).toThrow(
      /a route-less service \(route: false\) has no gateway route: leave out upstream/,
    );
  });
});

describe('labels', () => {
  const schema = createRegisterSchema({ minTtlSeconds: 5, maxTtlSeconds: 300 });

  it('accepts Kubernetes-style keys and values', () => {
    const labels = {
      gpu: 'true',
      version: '1.4.2',
      host: 'box-2',
      'example.com/team': 'ml',
      e: '',
    };
    expect(parseOrThrow(schema, { port: 1, labels }, 'body').labels).toEqual(labels);
  });

  it.each([
    [{ 'bad key': 'x' }, 'labels.bad key'],
    [{ gpu: 'no spaces' }, 'labels.gpu'],
    [{ '-gpu': 'x' }, 'labels.-gpu'],
    [{ gpu: 'x'.repeat(64) }, 'labels.gpu'],
    [Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])), 'labels'],
  ])('refuses %j with the path %s', (labels, path) => {
    expect.assertions(2);
    try {
      parseOrThrow(schema, { port: 1, labels }, 'registration');
    } catch (err) {
      expect((err as RegistryError).code).toBe('REG_ERR_VALIDATION');
      expect((err as RegistryError).details?.map((d) => d.path)).toContain(path);
    }
  });

  it('refuses a value that is not a string', () => {
    expect(schema.safeParse({ port: 1, labels: { gpu: true } }).success).toBe(false);
  });
});

describe('heartbeat body', () => {
  it.each([
    undefined,
    {},
    { health: { status: 'healthy' } },
    { health: { status: 'unhealthy', detail: 'queue stuck' } },
  ])('accepts %j', (body) => {
    expect(heartbeatBodySchema.safeParse(body).success).toBe(true);
  });

  it.each([
    { health: { status: 'ok' } },
    { health: { status: 'healthy', detail: 'x'.repeat(201) } },
    { health: { status: 'healthy', extra: 1 } },
    { other: 1 },
  ])('refuses %j', (body) => {
    expect(heartbeatBodySchema.safeParse(body).success).toBe(false);
  });
});
