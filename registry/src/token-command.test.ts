import { verifyToken } from './auth/jwt';
import { runTokenCommand } from './token-command';

const SECRET = 'token-command-secret-0123456789abcdef';

describe('kong-registry token', () => {
  const saved = { ...process.env };
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    jest.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
    process.env = { ...saved, REGISTRY_JWT_SECRET: SECRET };
    delete process.env.REGISTRY_JWT_PUBLIC_KEY;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = saved;
  });

  it('mints a service token with prefixes', async () => {
    expect(
      await runTokenCommand(['--service', 'orders', '--prefix', '/orders', '--ttl', '1h']),
    ).toBe(0);
    const claims = verifyToken({ algorithm: 'HS256', secret: SECRET }, out[0] ?? '');
    expect(claims).toMatchObject({ role: 'service', service: 'orders', prefixes: ['/orders'] });
  });

  it('mints a service token with its own targets, comma-separated or repeated', async () => {
    expect(
      await runTokenCommand([
        '--service',
        'orders',
        '--targets',
        '10.0.3.0/24,orders.internal',
        '--targets',
        '10.0.4.7:3000',
      ]),
    ).toBe(0);
    const claims = verifyToken({ algorithm: 'HS256', secret: SECRET }, out[0] ?? '');
    expect(claims).toMatchObject({
      role: 'service',
      targets: ['10.0.3.0/24', 'orders.internal', '10.0.4.7:3000'],
    });
    expect(claims.targetRules?.map((r) => r.raw)).toEqual(claims.targets);
  });

  it('mints an admin token', async () => {
    expect(await runTokenCommand(['--admin'])).toBe(0);
    expect(verifyToken({ algorithm: 'HS256', secret: SECRET }, out[0] ?? '')).toMatchObject({
      role: 'admin',
    });
  });

  it.each([
    [[], /exactly one/],
    [['--admin', '--service', 'a'], /exactly one/],
    [['--service', 'Bad_Name'], /not a service name/],
    [['--service', 'a', '--prefix', 'nope'], /not a valid prefix/],
    [['--service', 'a', '--ttl', 'forever'], /not a duration/],
    [['--service', 'a', '--targets', '10.0.0.0/33'], /--targets: '10.0.0.0\/33'/],
    [['--service', 'a', '--targets', ','], /at least one/],
    [['--admin', '--targets', '10.0.0.0/8'], /--targets goes with --service only/],
    [['--bogus'], /Unknown option/],
  ])('refuses %j', async (argv, message) => {
    expect(await runTokenCommand(argv)).toBe(1);
    expect(err.join('\n')).toMatch(message);
    expect(out).toEqual([]);
  });

  it('refuses to mint without a configured secret', async () => {
    delete process.env.REGISTRY_JWT_SECRET;
    expect(await runTokenCommand(['--admin'])).toBe(1);
    expect(err.join('\n')).toMatch(/REGISTRY_JWT_SECRET/);
  });

  it('prints help', async () => {
    expect(await runTokenCommand(['--help'])).toBe(0);
    expect(out.join('\n')).toContain('Usage: kong-registry token');
  });
});
