import { parseKongRequests, sumCounters, trafficBetween, type Reading } from './kong-metrics';

// As Kong 3.9's prometheus plugin writes it (status_code_metrics on), with other series around.
const METRICS = `# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong
# TYPE kong_http_requests_total counter
kong_http_requests_total{service="orders",route="orders",code="200",source="service",workspace="default",consumer=""} 90
kong_http_requests_total{service="orders",route="orders",code="401",source="kong",workspace="default",consumer=""} 5
kong_http_requests_total{service="orders",route="orders",code="503",source="kong",workspace="default",consumer=""} 3
kong_http_requests_total{service="orders",route="orders-admin",code="500",source="service",workspace="default",consumer="bob"} 2
kong_http_requests_total{service="say \\"hi\\"",route="r",code="200",source="service",workspace="default",consumer=""} 1.5e1
kong_http_requests_total{service="",route="",code="404",source="kong",workspace="default",consumer=""} 7
kong_http_requests_total_created{service="orders",route="orders",code="200"} 1700000000
kong_bandwidth_bytes{service="orders",route="orders",direction="egress",type="service",workspace="default",consumer=""} 12345
kong_nginx_connections_total{node_id="x",subsystem="http",state="active"} 3
`;

describe("Kong's request counters", () => {
  it('adds up requests and 5xx per service over routes, codes and consumers', () => {
    const counters = parseKongRequests(METRICS);
    expect(Object.fromEntries(counters)).toEqual({
      orders: { requests: 100, errors: 5 },
      'say "hi"': { requests: 15, errors: 0 },
    });
  });

  it('reads nothing from text without the series', () => {
    expect(parseKongRequests('').size).toBe(0);
    expect(parseKongRequests('kong_http_requests_total{service="x"} not-a-number\n').size).toBe(0);
  });

  it('sums several Kong nodes', () => {
    const a = new Map([['orders', { requests: 10, errors: 1 }]]);
    const b = new Map([
      ['orders', { requests: 5, errors: 0 }],
      ['users', { requests: 2, errors: 2 }],
    ]);
    expect(Object.fromEntries(sumCounters([a, b]))).toEqual({
      orders: { requests: 15, errors: 1 },
      users: { requests: 2, errors: 2 },
    });
  });

  it('turns two reads into rates per second, a restarted Kong counting from zero', () => {
    const base: Reading = {
      atMs: 0,
      counters: new Map([
        ['orders', { requests: 100, errors: 5 }],
        ['users', { requests: 500, errors: 0 }],
      ]),
    };
    const newest: Reading = {
      atMs: 10_000,
      counters: new Map([
        ['users', { requests: 40, errors: 4 }], // below the base: Kong restarted
        ['orders', { requests: 300, errors: 25 }],
        ['fresh', { requests: 3, errors: 0 }], // first requests since the base
      ]),
    };
    expect(trafficBetween(base, newest)).toEqual([
      { service: 'fresh', requests: 3, errors: 0, requestsPerSecond: 0.3, errorsPerSecond: 0 },
      { service: 'orders', requests: 300, errors: 25, requestsPerSecond: 20, errorsPerSecond: 2 },
      { service: 'users', requests: 40, errors: 4, requestsPerSecond: 4, errorsPerSecond: 0.4 },
    ]);
    expect(trafficBetween(undefined, newest)[1]).toMatchObject({
      requestsPerSecond: null,
      errorsPerSecond: null,
    });
  });
});
