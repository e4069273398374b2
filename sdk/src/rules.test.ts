import {
  CONSUMER_USERNAME,
  DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
  ERROR_CODE,
  GROUP_NAME,
  INSTANCE_ID,
  INSTANCE_ID_PATTERN,
  PREFIX_DOT_SEGMENT_RULE,
  PREFIX_LENGTH_RULE,
  PREFIX_SHAPE,
  PREFIX_SHAPE_RULE,
  SERVICE_NAME,
  SERVICE_NAME_PATTERN,
  SERVICE_NAME_RULE,
  SERVICE_NAME_SEGMENT_PATTERN,
  defaultPrefix,
  prefixNests,
  prefixSetProblem,
  servicePrefixes,
  drainDeadline,
  effectiveTtl,
  hasDotSegment,
  heartbeatIntervalSeconds,
  instanceIdProblem,
  isErrorCodeShape,
  isRouted,
  clipHealthDetail,
  routeOnlyFieldsGiven,
  SELF_HEALTH_DETAIL_MAX_LENGTH,
  labelKeyProblem,
  labelsProblems,
  labelValueProblem,
  LABEL_KEY_RULE,
  LABEL_VALUE_RULE,
  LABELS_COUNT_RULE,
  LABELS_MAX_COUNT,
  matchesLabels,
  parseLabelSelector,
  selfHealthProblem,
  isLeaseExpired,
  isLeaseTtl,
  leaseDeadline,
  leaseDurationFromIntervalMs,
  prefixProblem,
  readErrorBody,
  serviceNameProblem,
} from './rules';
import { SDK_ERROR_CODES } from './errors';

describe('names', () => {
  it.each(['orders', 'a', 'orders-v2', '0', 'a'.repeat(63)])('%s is a service name', (name) => {
    expect(SERVICE_NAME.test(name)).toBe(true);
    expect(serviceNameProblem(name)).toBeUndefined();
  });

  it.each(['Orders_v2', 'orders.v2', '-a', 'a-', '', 'a'.repeat(64), 'Orders', 'a b'])(
    '%s is not a service name',
    (name) => {
      expect(serviceNameProblem(name)).toBe(SERVICE_NAME_RULE);
    },
  );

  it('refuses names that are not strings', () => {
    expect(serviceNameProblem(undefined)).toBe(SERVICE_NAME_RULE);
    expect(serviceNameProblem(42)).toBe(SERVICE_NAME_RULE);
    expect(instanceIdProblem(null)).toBeDefined();
  });

  it.each(['i-1', '10.0.0.5-8080', 'A_b.c', '-x', 'x'.repeat(128)])(
    '%s is an instance id',
    (id) => {
      expect(INSTANCE_ID.test(id)).toBe(true);
      expect(instanceIdProblem(id)).toBeUndefined();
    },
  );

  it.each(['', 'a/b', 'a b', 'x'.repeat(129), 'é'])('%s is not an instance id', (id) => {
    expect(instanceIdProblem(id)).toBeDefined();
  });

  it('keeps groups and usernames as the registry documents them', () => {
    expect(GROUP_NAME.source).toBe('^[A-Za-z0-9._-]{1,64}$');
    expect(CONSUMER_USERNAME.source).toBe('^[A-Za-z0-9._@-]{1,128}$');
  });
});

describe('bare patterns for composing (the registry hot lane)', () => {
  it('are the anchored rules without their anchors', () => {
    expect(SERVICE_NAME.source).toBe(`^${SERVICE_NAME_PATTERN}$`);
    expect(INSTANCE_ID.source).toBe(`^${INSTANCE_ID_PATTERN}$`);
    expect(SERVICE_NAME.source).toBe('^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$');
    expect(INSTANCE_ID.source).toBe('^[A-Za-z0-9._-]{1,128}$');
  });

  it('the segment pattern takes every valid service name, and no longer one', () => {
    const segment = new RegExp(`^${SERVICE_NAME_SEGMENT_PATTERN}$`);
    for (const name of ['a', 'orders', 'orders-v2', '9lives', 'a'.repeat(63)]) {
      expect({ name, valid: SERVICE_NAME.test(name), segment: segment.test(name) }).toEqual({
        name,
        valid: true,
        segment: true,
      });
    }
    expect(segment.test('a'.repeat(64))).toBe(false);
    expect(segment.test('Orders')).toBe(false);
  });

  it('the segment pattern admits every service name (the full rule is checked after the match)', () => {
    const segment = new RegExp(`^${SERVICE_NAME_SEGMENT_PATTERN}$`);
    for (const name of ['a', 'orders-v2', 'a'.repeat(63)]) expect(segment.test(name)).toBe(true);
    expect(segment.test('a'.repeat(64))).toBe(false);
  });
});

describe('prefixes', () => {
  it.each(['/orders', '/api/orders', '/a.b/c_d-e', `/${'a'.repeat(199)}`])(
    '%s is a prefix',
    (p) => {
      expect(PREFIX_SHAPE.test(p)).toBe(true);
      expect(prefixProblem(p)).toBeUndefined();
    },
  );

  it.each([
    ['orders', PREFIX_SHAPE_RULE],
    ['/', PREFIX_SHAPE_RULE],
    ['/orders/', PREFIX_SHAPE_RULE],
    ['/~/(.*)', PREFIX_SHAPE_RULE],
    ['/a//b', PREFIX_SHAPE_RULE],
    ['/a/../b', PREFIX_DOT_SEGMENT_RULE],
    ['/.', PREFIX_DOT_SEGMENT_RULE],
    [`/${'a'.repeat(200)}`, PREFIX_LENGTH_RULE],
  ])('%s is refused: %s', (p, rule) => {
    expect(prefixProblem(p)).toBe(rule);
  });

  it('finds dot segments and builds the default prefix', () => {
    expect(hasDotSegment('/a/./b')).toBe(true);
    expect(hasDotSegment('/a/.b')).toBe(false);
    expect(defaultPrefix('orders')).toBe('/orders');
    expect(prefixProblem(defaultPrefix('a'.repeat(63)))).toBeUndefined();
  });
});

describe('several prefixes of one service', () => {
  it('lists a service prefix then its extra ones; a route-less service has none', () => {
    expect(servicePrefixes({ prefix: '/a' })).toEqual(['/a']);
    expect(servicePrefixes({ prefix: '/a', extraPrefixes: ['/b', '/c'] })).toEqual([
      '/a',
      '/b',
      '/c',
    ]);
    expect(servicePrefixes({ prefix: null, extraPrefixes: ['/b'] })).toEqual([]);
  });

  it('nests by whole segments only', () => {
    expect(prefixNests('/a/b', '/a')).toBe(true);
    expect(prefixNests('/a', '/a')).toBe(true);
    expect(prefixNests('/ab', '/a')).toBe(false);
    expect(prefixNests('/a', '/a/b')).toBe(false);
  });

  it('refuses a repeated prefix and prefixes that nest, naming the one to keep', () => {
    expect(prefixSetProblem(['/a', '/b', '/ab'])).toBeUndefined();
    expect(prefixSetProblem(['/a', '/b', '/b'])).toBe('prefix /b is listed twice');
    expect(prefixSetProblem(['/a/v2', '/a'])).toBe(
      'prefixes /a/v2 and /a nest in each other: list only /a',
    );
  });
});

describe('lease arithmetic', () => {
  const t0 = Date.parse('2030-01-01T00:00:00Z');

  it('a lease lasts exactly the TTL after its renewal', () => {
    const deadline = leaseDeadline(t0, 15);
    expect(deadline - t0).toBe(15_000);
    expect(isLeaseExpired(deadline, t0 + 14_999)).toBe(false);
    expect(isLeaseExpired(deadline, t0 + 15_000)).toBe(true);
  });

  it('heartbeats every third of the TTL, at least every second', () => {
    expect(heartbeatIntervalSeconds(15)).toBe(5);
    expect(heartbeatIntervalSeconds(2)).toBe(1);
    expect(DEFAULT_HEARTBEAT_INTERVAL_SECONDS).toBe(5);
    expect(leaseDurationFromIntervalMs(5)).toBe(15_000);
    expect(leaseDurationFromIntervalMs(0.05)).toBe(150);
  });

  it('uses the default TTL unless one is asked for, and bounds what may be asked', () => {
    expect(effectiveTtl(undefined, 15)).toBe(15);
    expect(effectiveTtl(60, 15)).toBe(60);
    expect(drainDeadline(t0, 10)).toBe(t0 + 10_000);
    expect([1, 300, 86_400].every(isLeaseTtl)).toBe(true);
    expect([0, 1.5, 86_401, '15', undefined].some(isLeaseTtl)).toBe(false);
  });
});

describe('error codes', () => {
  it('every SDK code has the shape', () => {
    for (const code of Object.keys(SDK_ERROR_CODES)) expect(code).toMatch(ERROR_CODE);
    expect(isErrorCodeShape('REG_ERR_PREFIX_CONFLICT')).toBe(true);
    expect(isErrorCodeShape('ECONNREFUSED')).toBe(false);
    expect(isErrorCodeShape(42)).toBe(false);
  });

  it('reads only well-typed fields of an error reply', () => {
    expect(readErrorBody({ code: 'REG_ERR_X', message: 'no', details: [] })).toEqual({
      code: 'REG_ERR_X',
      message: 'no',
      details: [],
    });
    expect(readErrorBody({ code: 7, message: null })).toEqual({});
    expect(readErrorBody('oops')).toEqual({});
    expect(readErrorBody(undefined)).toEqual({});
  });
});

describe('route-less services and self health', () => {
  it('a definition without route was routed', () => {
    expect(isRouted({})).toBe(true);
    expect(isRouted({ route: true })).toBe(true);
    expect(isRouted({ route: false })).toBe(false);
  });

  it.each([{ status: 'healthy' }, { status: 'unhealthy', detail: 'x'.repeat(200) }])(
    '%j is a self health',
    (value) => {
      expect(selfHealthProblem(value)).toBeUndefined();
    },
  );

  it.each([
    null,
    'healthy',
    { status: 'ok' },
    { status: 'healthy', detail: 'x'.repeat(201) },
    { status: 'healthy', x: 1 },
  ])('%j is not', (value) => {
    expect(selfHealthProblem(value)).toMatch(/^health is/);
  });
});

describe('labels', () => {
  it.each(['gpu', 'a', 'version', 'k8s.io/arch', 'example.com/team-1', 'A_b.c'])(
    '%s is a key',
    (key) => {
      expect(labelKeyProblem(key)).toBeUndefined();
    },
  );

  it.each([
    '',
    '-a',
    'a-',
    'a b',
    'Example.com/x',
    '/x',
    'a/',
    'a'.repeat(64),
    `${'a'.repeat(254)}/x`,
  ])('%j is not a key', (key) => {
    expect(labelKeyProblem(key)).toBe(LABEL_KEY_RULE);
  });

  it.each(['', 'true', '1.4.2', 'box-2', 'a'.repeat(63)])('%j is a value', (value) => {
    expect(labelValueProblem(value)).toBeUndefined();
  });

  it.each(['a b', '-x', 'x-', 'a'.repeat(64), 1])('%j is not a value', (value) => {
    expect(labelValueProblem(value)).toBe(LABEL_VALUE_RULE);
  });

  it('lists every problem of a map, with its path', () => {
    expect(labelsProblems({ gpu: 'true' })).toEqual([]);
    expect(labelsProblems({ 'a b': 'x', ok: 'y z' }).map((p) => p.path)).toEqual([
      'labels.a b',
      'labels.ok',
    ]);
    const many = Object.fromEntries(
      Array.from({ length: LABELS_MAX_COUNT + 1 }, (_, i) => [`k${i}`, 'v']),
    );
    expect(labelsProblems(many)).toEqual([{ path: 'labels', message: LABELS_COUNT_RULE }]);
    expect(labelsProblems(['x'])[0]?.path).toBe('labels');
  });

  it('parses key=value filters, the value may hold = and be empty', () => {
    expect(parseLabelSelector('gpu=true')).toEqual({ key: 'gpu', value: 'true' });
    expect(parseLabelSelector('gpu=')).toEqual({ key: 'gpu', value: '' });
    expect(parseLabelSelector('gpu')).toMatch(/key=value/);
    expect(parseLabelSelector('gpu=a=b')).toMatch(/label values/);
    expect(parseLabelSelector('bad key=x')).toMatch(/label keys/);
  });

  it('matches when every term matches (AND)', () => {
    const labels = { gpu: 'true', host: 'box-2' };
    expect(matchesLabels(labels, [])).toBe(true);
    expect(matchesLabels(labels, [{ key: 'gpu', value: 'true' }])).toBe(true);
    expect(
      matchesLabels(labels, [
        { key: 'gpu', value: 'true' },
        { key: 'host', value: 'box-3' },
      ]),
    ).toBe(false);
    expect(matchesLabels(labels, [{ key: 'zone', value: '' }])).toBe(false);
    expect(matchesLabels(undefined, [{ key: 'gpu', value: 'true' }])).toBe(false);
    expect(matchesLabels({}, [{ key: 'toString', value: '' }])).toBe(false);
  });
});

describe('route-only fields and health details', () => {
  it('lists the routing fields a request gives', () => {
    expect(routeOnlyFieldsGiven({ port: 1, prefix: '/a', auth: 'jwt', labels: {} })).toEqual([
      'prefix',
      'auth',
    ]);
    expect(routeOnlyFieldsGiven({ port: 1 })).toEqual([]);
    expect(routeOnlyFieldsGiven({ port: 1, upstream: { retries: 0 } })).toEqual(['upstream']);
  });

  it('clips a detail to the limit', () => {
    expect(clipHealthDetail('short')).toBe('short');
    const clipped = clipHealthDetail('x'.repeat(SELF_HEALTH_DETAIL_MAX_LENGTH + 1));
    expect(clipped).toHaveLength(SELF_HEALTH_DETAIL_MAX_LENGTH);
    expect(selfHealthProblem({ status: 'unhealthy', detail: clipped })).toBeUndefined();
  });
});
