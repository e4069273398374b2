import { RegistryError } from '../errors';
import {
  createRegisterSchema,
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
