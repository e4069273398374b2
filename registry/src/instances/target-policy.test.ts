import { RegistryError } from '../errors';
import {
  DEFAULT_DENIED_TARGETS,
  parseTargetRules,
  TargetPolicy,
  type TargetPolicyOptions,
} from './target-policy';
import { AddressResolver, type Resolver } from '@kong-registry/sdk';

/** A resolver over a fixed table; counts its calls. */
function fakeDns(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (name: string): Promise<string[]> => {
    calls.push(name);
    const addresses = table[name];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return addresses;
  };
  return Object.assign(resolve, { calls });
}

const DNS = fakeDns({
  localhost: ['127.0.0.1', '::1'],
  'kong.internal': ['10.0.0.12'],
  'orders.internal': ['10.0.3.7'],
  'rebind.example': ['10.0.3.8', '127.0.0.1'],
});

function policy(options: Partial<TargetPolicyOptions> = {}): TargetPolicy {
  return new TargetPolicy({
    denied: parseTargetRules(DEFAULT_DENIED_TARGETS).rules,
    names: new AddressResolver({ resolve: DNS }),
    ...options,
  });
}

/** The verdict as data: the stored host, or the refusal's message. */
async function verdict(
  p: TargetPolicy,
  host: string,
  port: number,
  context = {},
): Promise<{ host: string } | { denied: string }> {
  try {
    return { host: await p.check(host, port, context) };
  } catch (err) {
    if (!(err instanceof RegistryError) || err.code !== 'REG_ERR_TARGET_DENIED') throw err;
    return { denied: err.message };
  }
}

describe('parseTargetRules', () => {
  it('parses the defaults without problems', () => {
    const { rules, problems } = parseTargetRules(DEFAULT_DENIED_TARGETS);
    expect(problems).toEqual([]);
    expect(rules.map((r) => r.raw)).toEqual(
      expect.arrayContaining(['0.0.0.0/0:8001', '[::/0]:8444', '0.0.0.0/0:8007', '169.254.0.0/16']),
    );
  });

  it('takes hostnames, bare IPs, IPv6 without a port, and names every bad entry', () => {
    const parsed = parseTargetRules(
      'kong:8001, 10.1.2.3, 2001:db8::/32, 10.0.0.0/33, bad host, x:99999',
    );
    expect(parsed.rules.map((r) => r.raw)).toEqual(['kong:8001', '10.1.2.3', '2001:db8::/32']);
    expect(parsed.problems).toHaveLength(3);
  });
});

describe('TargetPolicy with the default deny list', () => {
  it.each([
    ['127.0.0.1', 8001, '0.0.0.0/0:8001'],
    ['127.1', 8001, '0.0.0.0/0:8001'],
    ['2130706433', 8001, '0.0.0.0/0:8001'],
    ['0x7f000001', 8444, '0.0.0.0/0:8444'],
    ['0177.0.0.1', 8001, '0.0.0.0/0:8001'],
    ['::ffff:127.0.0.1', 8001, '0.0.0.0/0:8001'],
    ['::1', 8001, '[::/0]:8001'],
    ['10.0.0.12', 8001, '0.0.0.0/0:8001'],
    ['10.0.0.12', 8007, '0.0.0.0/0:8007'],
    ['kong.internal', 8001, '0.0.0.0/0:8001'],
    ['localhost', 8444, '0.0.0.0/0:8444'],
    ['169.254.169.254', 80, '169.254.0.0/16'],
    ['fe80::1', 443, '[fe80::/10]'],
  ])('refuses %s:%d, naming rule %s', async (host, port, rule) => {
    expect(await verdict(policy(), host, port)).toEqual({
      denied: expect.stringContaining(`REGISTRY_DENIED_TARGETS rule ${rule}`),
    });
  });

  it('says which address a refused name resolved to', async () => {
    expect(await verdict(policy(), 'kong.internal', 8001)).toEqual({
      denied: expect.stringContaining('kong.internal resolves to 10.0.0.12'),
    });
  });

  it.each([
    ['127.0.0.1', 3000, '127.0.0.1'],
    ['127.1', 3000, '127.0.0.1'],
    ['::ffff:10.0.0.5', 8080, '10.0.0.5'],
    ['10.0.0.5', 8080, '10.0.0.5'],
    ['orders.internal', 8001 + 1, 'orders.internal'],
    ['unknown.example', 80, 'unknown.example'],
  ])('accepts %s:%d and stores it as %s', async (host, port, stored) => {
    expect(await verdict(policy(), host, port)).toEqual({ host: stored });
  });
});

describe('REGISTRY_ALLOWED_TARGETS and the token claim', () => {
  const allowed = parseTargetRules('10.0.3.0/24, orders.internal, 127.0.0.1:3000').rules;

  it.each([
    ['10.0.3.9', 8080],
    ['orders.internal', 9000],
    ['127.0.0.1', 3000],
  ])('accepts %s:%d', async (host, port) => {
    expect(await verdict(policy({ allowed }), host, port)).toEqual({ host });
  });

  it.each([
    ['10.0.4.1', 8080, 'not in REGISTRY_ALLOWED_TARGETS'],
    ['127.0.0.1', 3001, 'not in REGISTRY_ALLOWED_TARGETS'],
    ['rebind.example', 8080, 'rebind.example resolves to 127.0.0.1'],
    ['unknown.example', 80, 'does not resolve'],
    ['10.0.3.9', 8001, 'REGISTRY_DENIED_TARGETS rule 0.0.0.0/0:8001'],
  ])('refuses %s:%d (%s)', async (host, port, why) => {
    expect(await verdict(policy({ allowed }), host, port)).toEqual({
      denied: expect.stringContaining(why),
    });
  });

  it('narrows further with the token targets claim', async () => {
    const tokenTargets = parseTargetRules('10.0.3.0/28').rules;
    const p = policy({ allowed });
    expect(await verdict(p, '10.0.3.9', 80, { tokenTargets })).toEqual({ host: '10.0.3.9' });
    expect(await verdict(p, '10.0.3.99', 80, { tokenTargets })).toEqual({
      denied: expect.stringContaining("not in the token's targets claim"),
    });
  });
});

describe('source binding', () => {
  it('accepts only the caller address, in any spelling', async () => {
    const p = policy();
    expect(await verdict(p, '10.0.3.7', 80, { boundTo: '::ffff:10.0.3.7' })).toEqual({
      host: '10.0.3.7',
    });
    expect(await verdict(p, 'orders.internal', 80, { boundTo: '10.0.3.7' })).toEqual({
      host: 'orders.internal',
    });
    expect(await verdict(p, '10.0.3.8', 80, { boundTo: '10.0.3.7' })).toEqual({
      denied: expect.stringContaining('source binding'),
    });
  });
});

describe('name resolution cache', () => {
  it('resolves a name once per cache period', async () => {
    const dns = fakeDns({ 'svc.internal': ['10.0.0.1'] });
    let now = 0;
    const p = policy({
      names: new AddressResolver({ resolve: dns, clock: () => now, ttlMs: 1000 }),
    });
    await p.check('svc.internal', 80);
    await p.check('svc.internal', 81);
    expect(dns.calls).toEqual(['svc.internal']);
    now = 1001;
    await p.check('svc.internal', 80);
    expect(dns.calls).toEqual(['svc.internal', 'svc.internal']);
  });
});

describe('verdicts on IP literals', () => {
  it.each([
    ['127.0.0.1', 8001],
    ['127.1', 3000],
    ['::ffff:10.0.0.5', 8080],
    ['169.254.169.254', 80],
  ])('answer %s:%d the same the second time (from the cache)', async (host, port) => {
    const p = policy();
    const first = await verdict(p, host, port);
    expect(await verdict(p, host, port)).toEqual(first);
  });

  it('are not reused for a token claim, which narrows the lists', async () => {
    const p = policy();
    expect(await verdict(p, '10.0.4.1', 80)).toEqual({ host: '10.0.4.1' });
    const tokenTargets = parseTargetRules('10.0.3.0/24').rules;
    expect(await verdict(p, '10.0.4.1', 80, { tokenTargets })).toEqual({
      denied: expect.stringContaining("not in the token's targets claim"),
    });
  });
});
