import { KongTraffic, MIN_READ_SPACING_MS, RATE_WINDOW_MS } from './kong-traffic';

const line = (service: string, code: number, n: number) =>
  `kong_http_requests_total{service="${service}",route="${service}",code="${code}",source="service",workspace="default",consumer=""} ${n}\n`;

/** A Kong /metrics double: the counters the test sets, and what each request carried. */
function fakeKong() {
  const kong = { ok: 0, failed: 0, status: 200, seen: [] as { url: string; token?: string }[] };
  const fetchImpl = ((url: string, init: RequestInit) => {
    const headers = init.headers as Record<string, string>;
    kong.seen.push({ url, token: headers['Kong-Admin-Token'] });
    return Promise.resolve(
      new Response(line('orders', 200, kong.ok) + line('orders', 502, kong.failed), {
        status: kong.status,
      }),
    );
  }) as typeof fetch;
  return { kong, fetchImpl };
}

describe('KongTraffic', () => {
  it('says it is not configured without a URL, and reads nothing', async () => {
    const { kong, fetchImpl } = fakeKong();
    const traffic = new KongTraffic({ urls: [], adminToken: null }, () => 0, fetchImpl);
    await expect(traffic.current()).resolves.toEqual({
      configured: false,
      at: null,
      windowSeconds: null,
      services: [],
    });
    expect(kong.seen).toEqual([]);
  });

  it('reads Kong when asked, at most every 2 s, and gives rates over the reads of the last minute', async () => {
    const { kong, fetchImpl } = fakeKong();
    let now = 1_000_000;
    const url = 'http://127.0.0.1:8001/metrics';
    const traffic = new KongTraffic({ urls: [url], adminToken: 't0k' }, () => now, fetchImpl);

    kong.ok = 100;
    const first = await traffic.current();
    expect(first).toMatchObject({ configured: true, windowSeconds: null });
    expect(first.services).toEqual([
      {
        service: 'orders',
        requests: 100,
        errors: 0,
        requestsPerSecond: null,
        errorsPerSecond: null,
      },
    ]);
    expect(kong.seen).toEqual([{ url, token: 't0k' }]);

    kong.ok = 180;
    kong.failed = 20;
    now += MIN_READ_SPACING_MS - 1; // too soon: the same read
    expect((await traffic.current()).services[0]?.requests).toBe(100);
    expect(kong.seen).toHaveLength(1);

    now += 8_001; // 10 s after the first read
    const second = await traffic.current();
    expect(second.windowSeconds).toBe(10);
    expect(second.services[0]).toMatchObject({ requestsPerSecond: 10, errorsPerSecond: 2 });

    now += RATE_WINDOW_MS; // an idle minute later: no average over the time nobody looked
    expect((await traffic.current()).services[0]?.requestsPerSecond).toBeNull();
  });

  it('reports a failed read instead of rates', async () => {
    const { kong, fetchImpl } = fakeKong();
    kong.status = 404;
    const traffic = new KongTraffic(
      { urls: ['http://user:pw@127.0.0.1:8001/metrics'], adminToken: null },
      () => 0,
      fetchImpl,
    );
    const reply = await traffic.current();
    expect(reply).toMatchObject({ configured: true, services: [] });
    expect(reply.problem).toBe(
      'Kong metrics at http://127.0.0.1:8001/metrics: HTTP 404 (is the prometheus plugin on?)',
    );
  });
});
