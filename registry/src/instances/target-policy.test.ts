import {
  DEFAULT_DENIED_TARGETS,
  DeniedTargetCache,
  deniedBy,
  parseDeniedTargets,
} from './target-policy';

describe('denied instance targets', () => {
  const { rules, problems } = parseDeniedTargets(DEFAULT_DENIED_TARGETS);

  it('parses the defaults without problems', () => {
    expect(problems).toEqual([]);
    expect(rules.map((r) => r.raw)).toContain('127.0.0.0/8:8001');
  });

  it.each([
    ['127.0.0.1', 8001, '127.0.0.0/8:8001'],
    ['127.1.2.3', 8444, '127.0.0.0/8:8444'],
    ['::1', 8001, '[::1]:8001'],
    ['LOCALHOST', 8001, 'localhost:8001'],
    ['169.254.169.254', 80, '169.254.0.0/16'],
    ['fe80::1', 443, '[fe80::/10]'],
  ])('refuses %s:%d (rule %s)', (host, port, rule) => {
    expect(deniedBy(rules, host, port)?.raw).toBe(rule);
  });

  it.each([
    ['127.0.0.1', 3000],
    ['10.0.0.5', 8001],
    ['localhost', 3000],
    ['orders.internal', 8001],
    ['2001:db8::1', 8001],
  ])('allows %s:%d', (host, port) => {
    expect(deniedBy(rules, host, port)).toBeUndefined();
  });

  it('takes hostnames, bare IPs and IPv6 without a port, and names bad entries', () => {
    const parsed = parseDeniedTargets(
      'kong:8001, 10.1.2.3, 2001:db8::/32, 10.0.0.0/33, bad host, x:99999',
    );
    expect(deniedBy(parsed.rules, 'kong', 8001)?.raw).toBe('kong:8001');
    expect(deniedBy(parsed.rules, 'kong', 8000)).toBeUndefined();
    expect(deniedBy(parsed.rules, '10.1.2.3', 1)?.raw).toBe('10.1.2.3');
    expect(deniedBy(parsed.rules, '2001:db8:ffff::1', 1)?.raw).toBe('2001:db8::/32');
    expect(parsed.problems).toHaveLength(3);
  });
});

describe('DeniedTargetCache', () => {
  const { rules } = parseDeniedTargets(DEFAULT_DENIED_TARGETS);

  it.each([
    ['127.0.0.1', 8001],
    ['127.0.0.1', 8080],
    ['LOCALHOST', 8444],
    ['fe80::1', 1],
    ['10.0.0.1', 8001],
    ['orders.internal', 80],
  ])('answers %s:%d as deniedBy does, first and cached', (host, port) => {
    const cache = new DeniedTargetCache(rules);
    const expected = deniedBy(rules, host, port);
    expect(cache.deniedBy(host, port)).toBe(expected);
    expect(cache.deniedBy(host, port)).toBe(expected);
    expect(cache.size).toBe(1);
  });

  it('keeps verdicts per host and port', () => {
    const cache = new DeniedTargetCache(rules);
    expect(cache.deniedBy('127.0.0.1', 8080)).toBeUndefined();
    expect(cache.deniedBy('127.0.0.1', 8001)?.raw).toBe('127.0.0.0/8:8001');
    expect(cache.deniedBy('127.0.0.1', 8080)).toBeUndefined();
  });

  it('starts afresh when full, so distinct hosts cannot grow it without bound', () => {
    const cache = new DeniedTargetCache(rules, 3);
    for (let i = 1; i <= 3; i += 1) cache.deniedBy(`10.0.0.${i}`, 80);
    expect(cache.size).toBe(3);
    expect(cache.deniedBy('169.254.169.254', 80)?.raw).toBe('169.254.0.0/16');
    expect(cache.size).toBe(1);
  });
});
