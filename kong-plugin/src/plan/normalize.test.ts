import { diffBodies, normalizeEntity } from './normalize';

describe('normalizeEntity', () => {
  it.each([
    [
      'fills Kong defaults',
      'service',
      { name: 's', host: 'h' },
      {
        name: 's',
        host: 'h',
        retries: 5,
        port: 80,
        protocol: 'http',
        path: null,
        enabled: true,
        connect_timeout: 60000,
      },
    ],
    [
      'ignores ids, timestamps and fields it does not know',
      'service',
      { id: 'x', created_at: 1, ws_id: 'w', name: 's', host: 'h' },
      { name: 's', host: 'h', retries: 5 },
    ],
    [
      'sorts and dedupes sets, treating an empty set as absent',
      'route',
      { tags: ['b', 'a', 'b'], methods: [] },
      { tags: ['a', 'b'], methods: null },
    ],
    [
      'keeps arrays that are not sets in order',
      'route',
      { paths: ['/b', '/a'] },
      { paths: ['/b', '/a'] },
    ],
    [
      'reduces foreign keys to their id',
      'route',
      { service: { id: 's1', name: 'x' } },
      { service: { id: 's1' } },
    ],
    [
      'fills nested healthcheck defaults',
      'upstream',
      { name: 'u', healthchecks: { active: { http_path: '/hc' } } },
      {
        healthchecks: expect.objectContaining({
          threshold: 0,
          active: expect.objectContaining({
            http_path: '/hc',
            timeout: 1,
            healthy: { interval: 0, http_statuses: [200, 302], successes: 0 },
          }),
        }),
      },
    ],
    [
      'defaults strip_path to false for grpc routes',
      'route',
      { protocols: ['grpcs', 'grpc'] },
      { protocols: ['grpc', 'grpcs'], strip_path: false },
    ],
    [
      'ignores the made-up secret of asymmetric jwt credentials',
      'jwt',
      { key: 'k', algorithm: 'RS256', secret: 'random', rsa_public_key: 'pem' },
      { secret: null, rsa_public_key: 'pem' },
    ],
    [
      'fills known plugin config defaults',
      'plugin',
      { name: 'jwt', config: { claims_to_verify: ['exp'] } },
      {
        config: expect.objectContaining({
          key_claim_name: 'iss',
          claims_to_verify: ['exp'],
          cookie_names: null,
        }),
      },
    ],
    [
      'orders unknown plugin config canonically',
      'plugin',
      { name: 'custom', config: { b: 1, a: { d: null, c: [2, 1] } } },
      { config: { a: { c: [2, 1], d: null }, b: 1 } },
    ],
  ] as const)('%s', (_label, kind, body, expected) => {
    expect(normalizeEntity(kind, body as Record<string, unknown>)).toMatchObject(expected);
  });

  it('treats a body echoed by Kong (nulls everywhere) like the sparse one we sent', () => {
    const sent = { name: 'orders', paths: ['/orders'], service: { id: 's' }, tags: ['x'] };
    const echoed = {
      ...sent,
      id: 'r',
      created_at: 1,
      updated_at: 2,
      hosts: null,
      methods: null,
      headers: null,
      snis: null,
      sources: null,
      destinations: null,
      strip_path: true,
      preserve_host: false,
      protocols: ['https', 'http'],
      regex_priority: 0,
      path_handling: 'v0',
      https_redirect_status_code: 426,
      request_buffering: true,
      response_buffering: true,
    };
    expect(diffBodies(normalizeEntity('route', echoed), normalizeEntity('route', sent))).toEqual(
      [],
    );
  });
});
