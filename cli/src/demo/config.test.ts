import { DEMO_TIMINGS, loadDemoConfig, type DemoConfig } from './config';

function load(argv: string[], env: Record<string, string | undefined> = {}): DemoConfig {
  const config = loadDemoConfig(argv, env);
  if (config === 'help') throw new Error('unexpected help');
  return config;
}

describe('loadDemoConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = load([], { PATH: '/usr/bin' });
    expect(config).toMatchObject({
      tour: false,
      quiet: false,
      instances: 2,
      python: true,
      kong: undefined,
      redisUrl: undefined,
      ports: { registry: 0, proxy: 0, admin: 0 },
      bindHost: '127.0.0.1',
      advertiseHost: '127.0.0.1',
      logLevel: 'info',
      timings: DEMO_TIMINGS,
      baseEnv: { PATH: '/usr/bin' },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('passes only harmless variables to the children', () => {
    const config = load([], {
      PATH: '/bin',
      PORT: '4000',
      REGISTRY_TOKEN: 'x',
      LOG_LEVEL: 'debug',
    });
    expect(config.baseEnv).toEqual({ PATH: '/bin' });
    expect(config.logLevel).toBe('debug');
  });

  it('uses a real Kong when both URLs are set; flags win over the environment', () => {
    const config = load(['--kong-proxy-url', 'http://kong:8000/'], {
      KONG_ADMIN_URL: 'http://kong:8001',
      KONG_PROXY_URL: 'http://ignored:1',
      KONG_ADMIN_TOKEN: 't',
    });
    expect(config.kong).toEqual({
      adminUrl: 'http://kong:8001',
      proxyUrl: 'http://kong:8000',
      adminToken: 't',
    });
  });

  it('listens on every interface when Kong reaches the services through another address', () => {
    const config = load(['--advertise-host', '172.17.0.1']);
    expect(config).toMatchObject({ advertiseHost: '172.17.0.1', bindHost: '0.0.0.0' });
  });

  it('keeps the tour readable: quiet unless --verbose', () => {
    expect(load(['--tour']).quiet).toBe(true);
    expect(load(['--tour', '--verbose']).quiet).toBe(false);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadDemoConfig(['--instances', '0', '--registry-port', '70000'], {
        KONG_ADMIN_URL: 'http://kong:8001',
        REDIS_URL: 'localhost:6379',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'DEMO_ERR_CONFIG' });
    const message = (error as Error).message;
    expect(message).toContain('--instances must be 1..9');
    expect(message).toContain('--registry-port must be 0..65535');
    expect(message).toContain('set both or neither');
    expect(message).toContain('REDIS_URL must start with redis://');
  });

  it('rejects unknown flags and answers --help', () => {
    expect(() => loadDemoConfig(['--nope'], {})).toThrow(
      expect.objectContaining({ code: 'DEMO_ERR_CONFIG' }),
    );
    expect(loadDemoConfig(['--help'], {})).toBe('help');
  });
});
