import { authContext } from '../__tests__/auth-context';
import { MemoryStore } from '../__tests__/memory-store';
import { createRateLimitingPlugin } from './rate-limiting';

// Kong's rules: K:kong/plugins/rate-limiting/handler.lua.
describe('rate-limiting, local policy', () => {
  const store = new MemoryStore();
  const at = Date.UTC(2026, 0, 1, 12, 0, 30);

  it('counts per identifier in a fixed window and answers 429 with Retry-After', () => {
    let now = at;
    const plugin = createRateLimitingPlugin(() => now);
    const config = { minute: 2, limit_by: 'ip' };
    const first = authContext(store, { clientIp: '10.0.0.1' });
    expect(plugin.access(config, first, 'p1')).toBeUndefined();
    expect(first.responseHeaders).toEqual({
      'X-RateLimit-Limit-Minute': '2',
      'X-RateLimit-Remaining-Minute': '1',
      'RateLimit-Limit': '2',
      'RateLimit-Remaining': '1',
      'RateLimit-Reset': '30',
    });
    expect(
      plugin.access(config, authContext(store, { clientIp: '10.0.0.1' }), 'p1'),
    ).toBeUndefined();
    expect(plugin.access(config, authContext(store, { clientIp: '10.0.0.1' }), 'p1')).toEqual({
      type: 'error',
      status: 429,
      message: 'API rate limit exceeded',
      headers: {
        'X-RateLimit-Limit-Minute': '2',
        'X-RateLimit-Remaining-Minute': '0',
        'RateLimit-Limit': '2',
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': '30',
        'Retry-After': '30',
      },
    });
    expect(
      plugin.access(config, authContext(store, { clientIp: '10.0.0.2' }), 'p1'),
    ).toBeUndefined();
    now = at + 30_000;
    expect(
      plugin.access(config, authContext(store, { clientIp: '10.0.0.1' }), 'p1'),
    ).toBeUndefined();
  });

  it('reports the period with the least remaining; hide_client_headers hides them', () => {
    const plugin = createRateLimitingPlugin(() => at);
    const ctx = authContext(store);
    plugin.access({ second: 5, hour: 100 }, ctx, 'p2');
    expect(ctx.responseHeaders['RateLimit-Limit']).toBe('5');
    expect(ctx.responseHeaders['RateLimit-Remaining']).toBe('4');
    expect(ctx.responseHeaders['X-RateLimit-Remaining-Hour']).toBe('99');
    const hidden = authContext(store);
    plugin.access({ second: 5, hide_client_headers: true }, hidden, 'p3');
    expect(hidden.responseHeaders).toEqual({});
  });
});
