import { DEFAULT_OWNERSHIP_TAG, ids } from '../naming';
import {
  makeConsumer,
  makeInstance,
  makeService,
  makeSnapshot,
  TEST_NOW,
} from '../__tests__/snapshot-factory';
import { buildDesiredState } from './build';

const build = (snapshot: Parameters<typeof buildDesiredState>[0]) =>
  buildDesiredState(snapshot, { ownershipTag: DEFAULT_OWNERSHIP_TAG, now: TEST_NOW });

describe('buildDesiredState', () => {
  it('translates a service into service, route, upstream and one target per instance', () => {
    const desired = build(
      makeSnapshot([
        makeService('orders', [
          makeInstance('orders', 'a', { host: '10.0.0.1', port: 8080 }),
          makeInstance('orders', 'b', { host: '10.0.0.2', port: 8080, weight: 50 }),
        ]),
      ]),
    );
    expect(desired.failures).toEqual([]);
    const service = desired.state.service.get(ids.service('orders'));
    expect(service?.body).toMatchObject({
      name: 'orders',
      host: 'orders.upstream',
      protocol: 'http',
    });
    expect(service?.body.tags).toEqual(['kr-service:orders', DEFAULT_OWNERSHIP_TAG]);
    expect(desired.state.route.get(ids.route('orders'))?.body).toMatchObject({
      name: 'orders',
      paths: ['/orders/', '~/orders$'],
      strip_path: true,
      protocols: ['http', 'https'],
      service: { id: ids.service('orders') },
    });
    const targets = [...desired.state.target.values()].map((t) => [t.body.target, t.body.weight]);
    expect(targets).toEqual([
      ['10.0.0.1:8080', 100],
      ['10.0.0.2:8080', 50],
    ]);
    expect(desired.targets.size).toBe(2);
  });

  it('maps the health check definition onto active and passive checks', () => {
    const desired = build(
      makeSnapshot([
        makeService('orders', [], {
          healthCheck: {
            path: '/hc',
            intervalSeconds: 3,
            healthyThreshold: 4,
            unhealthyThreshold: 300,
            timeoutSeconds: 1,
          },
        }),
      ]),
    );
    const upstream = desired.state.upstream.get(ids.upstream('orders'));
    expect(upstream?.body.healthchecks).toMatchObject({
      active: {
        http_path: '/hc',
        timeout: 1,
        healthy: { interval: 3, successes: 4 },
        unhealthy: { interval: 3, http_failures: 254, tcp_failures: 254, timeouts: 254 },
      },
      passive: { unhealthy: { http_failures: 254 } },
    });
  });

  it.each([
    [
      'draining instances get weight 0',
      { draining: true, drainUntil: '2026-01-01T00:00:30.000Z' },
      0,
    ],
    ['instances keep their weight', { weight: 7 }, 7],
    [
      'instances that report themselves unhealthy get weight 0',
      {
        weight: 7,
        selfHealth: { status: 'unhealthy' as const, detail: 'db down', reportedAt: '' },
      },
      0,
    ],
    [
      'instances that report themselves healthy keep their weight',
      { weight: 7, selfHealth: { status: 'healthy' as const, detail: null, reportedAt: '' } },
      7,
    ],
  ])('%s', (_label, patch, weight) => {
    const desired = build(
      makeSnapshot([makeService('orders', [makeInstance('orders', 'a', patch)])]),
    );
    expect([...desired.state.target.values()][0]?.body.weight).toBe(weight);
  });

  it.each([
    ['an expired lease', { leaseExpiresAt: '2025-12-31T23:59:59.000Z' }],
    ['a passed drain deadline', { draining: true, drainUntil: '2025-12-31T23:59:00.000Z' }],
  ])('leaves out instances with %s', (_label, patch) => {
    const desired = build(
      makeSnapshot([makeService('orders', [makeInstance('orders', 'a', patch)])]),
    );
    expect(desired.state.target.size).toBe(0);
  });

  it('gives grpc services grpc routes without strip_path', () => {
    const desired = build(
      makeSnapshot([makeService('rpc', [], { protocol: 'grpc', stripPrefix: true })]),
    );
    expect(desired.state.route.get(ids.route('rpc'))?.body).toMatchObject({
      protocols: ['grpc', 'grpcs'],
      strip_path: false,
    });
    expect(desired.state.route.get(ids.route('rpc'))?.body.methods).toBeUndefined();
  });

  it("sets the Kong service's timeouts and retries from the definition, gRPC services too", () => {
    const upstream = {
      connectTimeoutMs: 2000,
      readTimeoutMs: 300_000,
      writeTimeoutMs: 60_000,
      retries: 1,
    };
    const desired = build(
      makeSnapshot([
        makeService('reports', [], { upstream }),
        makeService('rpc', [], { protocol: 'grpc', upstream: { ...upstream, retries: 0 } }),
      ]),
    );
    expect(desired.failures).toEqual([]);
    expect(desired.state.service.get(ids.service('reports'))?.body).toMatchObject({
      connect_timeout: 2000,
      read_timeout: 300_000,
      write_timeout: 60_000,
      retries: 1,
    });
    expect(desired.state.service.get(ids.service('rpc'))?.body).toMatchObject({
      protocol: 'grpc',
      connect_timeout: 2000,
      read_timeout: 300_000,
      write_timeout: 60_000,
      retries: 0,
    });
  });

  it('leaves them out of a service without upstream: Kong gives it its defaults', () => {
    const body = build(makeSnapshot([makeService('orders', [])])).state.service.get(
      ids.service('orders'),
    )?.body;
    expect(Object.keys(body ?? {}).sort()).toEqual([
      'host',
      'id',
      'name',
      'port',
      'protocol',
      'tags',
    ]);
  });

  it('quarantines a service whose timeouts Kong would refuse, and builds the others', () => {
    const desired = build(
      makeSnapshot([
        makeService('bad', [], {
          upstream: { connectTimeoutMs: 0, readTimeoutMs: 1, writeTimeoutMs: 1, retries: 5 },
        }),
        makeService('good', [], {
          // A field of a newer registry is not this controller's business.
          upstream: { connectTimeoutMs: 1, readTimeoutMs: 1, writeTimeoutMs: 1, retries: 5, x: 1 },
        } as never),
      ]),
    );
    expect(desired.failures).toEqual([
      {
        service: 'bad',
        reason:
          "upstream.connectTimeoutMs 0 is not an integer of milliseconds from 1 to 2147483646 (Kong's connect_timeout)",
      },
    ]);
    expect(desired.services).toEqual(['good']);
  });

  it('routes every prefix of a service, extra ones after its prefix', () => {
    const desired = build(
      makeSnapshot([
        makeService('shop', [], {
          protocol: 'grpc',
          prefix: '/shop.Orders',
          extraPrefixes: ['/shop.Payments'],
        }),
      ]),
    );
    expect(desired.state.route.get(ids.route('shop'))?.body.paths).toEqual([
      '/shop.Orders/',
      '~/shop\\.Orders$',
      '/shop.Payments/',
      '~/shop\\.Payments$',
    ]);
  });

  it('refuses a service whose extra prefix another service already claims', () => {
    const desired = build(
      makeSnapshot([
        makeService('a', [], { prefix: '/a', extraPrefixes: ['/shared'] }),
        makeService('b', [], { prefix: '/shared' }),
      ]),
    );
    expect(desired.failures).toEqual([
      { service: 'b', reason: "prefix '/shared' is also claimed by service 'a'" },
    ]);
  });

  it('gives grpc upstreams no health checks Kong cannot run on a gRPC port', () => {
    const desired = build(makeSnapshot([makeService('rpc', [], { protocol: 'grpc' })]));
    const checks = desired.state.upstream.get(ids.upstream('rpc'))?.body.healthchecks;
    expect(checks).toEqual({
      active: { type: 'http', healthy: { interval: 0 }, unhealthy: { interval: 0 } },
      passive: { type: 'http', unhealthy: { http_failures: 0, tcp_failures: 0, timeouts: 0 } },
    });
  });

  it.each([
    ['key-auth', { type: 'key-auth' as const, allowGroups: [] }, ['key-auth']],
    ['jwt', { type: 'jwt' as const, allowGroups: [] }, ['jwt']],
    ['jwt + acl', { type: 'jwt' as const, allowGroups: ['staff', 'admins'] }, ['jwt', 'acl']],
    ['none', { type: 'none' as const, allowGroups: [] }, []],
  ])('adds plugins for auth %s', (_label, auth, plugins) => {
    const desired = build(makeSnapshot([makeService('orders', [], { auth })]));
    const found = [...desired.state.plugin.values()].map((p) => p.body.name);
    expect(found).toEqual(plugins);
    const jwt = [...desired.state.plugin.values()].find((p) => p.body.name === 'jwt');
    if (jwt) expect(jwt.body.config).toEqual({ claims_to_verify: ['exp'] });
    const acl = [...desired.state.plugin.values()].find((p) => p.body.name === 'acl');
    if (acl) expect(acl.body.config).toEqual({ allow: ['admins', 'staff'] });
  });

  it.each([
    ['an invalid name', makeService('Bad_Name', [])],
    ['a prefix without a leading slash', makeService('orders', [], { prefix: 'orders' })],
    [
      'acl groups without auth',
      makeService('orders', [], { auth: { type: 'none', allowGroups: ['x'] } }),
    ],
  ])('quarantines a service with %s and keeps building the rest', (_label, bad) => {
    const desired = build(makeSnapshot([bad, makeService('billing', [])]));
    expect(desired.failures).toHaveLength(1);
    expect(desired.failures[0]?.service).toBe(bad.name);
    expect(desired.services).toEqual(['billing']);
  });

  it('lets the first service (by name) keep a prefix two services claim', () => {
    const desired = build(
      makeSnapshot([
        makeService('zeta', [], { prefix: '/shared' }),
        makeService('alpha', [], { prefix: '/shared' }),
      ]),
    );
    expect(desired.services).toEqual(['alpha']);
    expect(desired.failures).toEqual([
      { service: 'zeta', reason: expect.stringContaining("claimed by service 'alpha'") },
    ]);
  });

  it('translates consumers with key-auth, jwt credentials and acl groups', () => {
    const desired = build(
      makeSnapshot(
        [],
        [
          makeConsumer('alice', {
            groups: ['staff'],
            credentials: [
              { id: 'c1', type: 'key-auth', createdAt: '', key: 'secret-key' },
              {
                id: 'c2',
                type: 'jwt',
                createdAt: '',
                key: 'alice-iss',
                algorithm: 'HS256',
                secret: 's3',
              },
            ],
          }),
        ],
      ),
    );
    expect(desired.failures).toEqual([]);
    expect([...desired.state.consumer.values()].map((c) => c.body.username)).toEqual(['alice']);
    expect([...desired.state['key-auth'].values()][0]?.body).toMatchObject({ key: 'secret-key' });
    expect([...desired.state.jwt.values()][0]?.body).toMatchObject({
      key: 'alice-iss',
      secret: 's3',
      algorithm: 'HS256',
    });
    expect([...desired.state.acl.values()][0]?.body).toMatchObject({ group: 'staff' });
    expect([...desired.state.acl.values()][0]?.body.tags).toEqual([
      'kr-consumer:alice',
      DEFAULT_OWNERSHIP_TAG,
    ]);
  });

  it('quarantines a consumer whose key is missing from the snapshot', () => {
    const desired = build(
      makeSnapshot(
        [],
        [makeConsumer('bob', { credentials: [{ id: 'c1', type: 'key-auth', createdAt: '' }] })],
      ),
    );
    expect(desired.failures).toEqual([
      { consumer: 'bob', reason: expect.stringContaining('no key') },
    ]);
    expect(desired.state.consumer.size).toBe(0);
  });

  it('computes the same ids on every run', () => {
    const snapshot = makeSnapshot([makeService('orders', [makeInstance('orders', 'a')])]);
    const first = [...build(snapshot).state.target.keys()];
    expect([...build(snapshot).state.target.keys()]).toEqual(first);
    expect(first[0]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('route-less services (route: false)', () => {
  const worker = () =>
    makeService(
      'gpu-worker',
      [
        makeInstance('gpu-worker', 'w1', {
          labels: { gpu: 'true' },
          selfHealth: { status: 'unhealthy', detail: 'stuck', reportedAt: TEST_NOW.toISOString() },
        }),
      ],
      { route: false, prefix: null },
    );

  it('get nothing in Kong and are no failure', () => {
    const desired = build(makeSnapshot([worker()]));
    expect(desired.failures).toEqual([]);
    expect(desired.services).toEqual([]);
    expect(desired.targets.size).toBe(0);
    for (const kind of ['service', 'route', 'upstream', 'target', 'plugin'] as const)
      expect(desired.state[kind].size).toBe(0);
  });

  it('leave the routed services of the same snapshot as they were', () => {
    const alone = build(makeSnapshot([makeService('orders', [makeInstance('orders', 'a')])]));
    const beside = build(
      makeSnapshot([makeService('orders', [makeInstance('orders', 'a')]), worker()]),
    );
    expect(beside.services).toEqual(['orders']);
    for (const kind of ['service', 'route', 'upstream', 'target', 'plugin'] as const)
      expect([...beside.state[kind].keys()]).toEqual([...alone.state[kind].keys()]);
  });

  it('a definition stored before route existed is routed', () => {
    const legacy = makeService('orders', [makeInstance('orders', 'a')]);
    delete (legacy.definition as { route?: boolean }).route;
    expect(build(makeSnapshot([legacy])).state.route.has(ids.route('orders'))).toBe(true);
  });

  it('a route-less definition that still names a prefix claims nothing in Kong', () => {
    // Not something the registry stores; the controller trusts route over prefix all the same.
    const odd = makeService('orders', [makeInstance('orders', 'a')], { route: false });
    expect(build(makeSnapshot([odd])).state.route.size).toBe(0);
  });
});
