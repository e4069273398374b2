import { isConfigError } from '@kong-registry/sdk';
import { parseAgentFlags } from './command';
import { describeConfig, loadAgentConfig } from './config';
import { registerOptions } from './lease';

const files: Record<string, string> = {
  '/run/token': 'tok-from-file\n',
  '/etc/empty.token': '  \n',
  '/etc/agent.yaml':
    'service: from-file\nport: 3000\nhealthInterval: 2\nauth: jwt\nallowGroups: [staff, ops]\n',
  '/etc/agent.json': '{"service": "json", "port": 4000, "tokenFile": "/run/token"}',
  '/etc/list.yaml': '- not a mapping\n',
  '/etc/unknown.yaml': 'service: x\nport: 1\nbogus: 1\n',
};
const read = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
  return text;
};
const load = (flags: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
  loadAgentConfig(flags, env, read);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (isConfigError(err)) return [...err.problems];
    throw err;
  }
  throw new Error('expected an AgentConfigError');
}

describe('loadAgentConfig', () => {
  it('fills defaults and derives the Kong health path from a health URL on the same port', () => {
    const config = load({
      service: 'orders',
      port: '3000',
      health: 'http://127.0.0.1:3000/healthz?deep=1',
      tokenFile: '/run/token',
    });
    expect(config).toMatchObject({
      registryUrl: 'http://127.0.0.1:4000',
      token: { kind: 'file', path: '/run/token' },
      kongHealthPath: '/healthz?deep=1',
      health: { intervalMs: 5000, timeoutMs: 2000, unhealthyThreshold: 3, healthyThreshold: 1 },
      drainMs: 6_000,
      logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('leaves the Kong health path alone when the health URL is on another port', () => {
    const config = load({
      service: 'orders',
      port: '3000',
      health: 'http://127.0.0.1:9090/health',
      tokenFile: '/run/token',
    });
    expect(config.kongHealthPath).toBeUndefined();
  });

  it('layers flags over env over the file', () => {
    const config = load(
      { config: '/etc/agent.yaml', port: '3100' },
      {
        AGENT_PORT: '3200',
        AGENT_SERVICE: 'from-env',
        REGISTRY_TOKEN: 'tok',
        REGISTRY_URL: 'http://r:4000/',
      },
    );
    expect(config).toMatchObject({
      service: 'from-env',
      port: 3100,
      auth: 'jwt',
      allowGroups: ['staff', 'ops'],
      registryUrl: 'http://r:4000',
      token: { kind: 'value', value: 'tok' },
    });
  });

  it('reads JSON config files and AGENT_CONFIG', () => {
    expect(load({}, { AGENT_CONFIG: '/etc/agent.json' })).toMatchObject({
      service: 'json',
      port: 4000,
    });
  });

  it('prefers the AGENT_ variable over the shared one', () => {
    const config = load(
      { service: 's', port: '1', token: 't' },
      { AGENT_REGISTRY_URL: 'http://agent:1', REGISTRY_URL: 'http://shared:2', LOG_LEVEL: 'warn' },
    );
    expect(config.registryUrl).toBe('http://agent:1');
    expect(config.logLevel).toBe('warn');
  });

  it('parses lists, metadata and booleans from strings', () => {
    const config = load({
      service: 's',
      port: '1',
      token: 't',
      metadata: 'zone=a, rack = r1,empty=',
      allowGroups: 'a, b',
      stripPrefix: 'false',
      healthInterval: '0.5',
    });
    expect(config.metadata).toEqual({ zone: 'a', rack: 'r1', empty: '' });
    expect(config.allowGroups).toEqual(['a', 'b']);
    expect(config.stripPrefix).toBe(false);
  });

  it('parses extra prefixes as a list of gateway prefixes, naming a bad one', () => {
    const config = load({
      service: 's',
      port: '1',
      token: 't',
      protocol: 'grpc',
      extraPrefixes: '/shop.Payments, /shop.Carts',
    });
    expect(config.extraPrefixes).toEqual(['/shop.Payments', '/shop.Carts']);
    expect(
      problemsOf(() => load({ service: 's', port: '1', token: 't', extraPrefixes: '/ok,bad' })),
    ).toEqual([
      expect.stringMatching(/^--extra-prefixes \(AGENT_EXTRA_PREFIXES\): prefixes look like/),
    ]);
  });

  it('a token file named on a higher layer beats a token value below it', () => {
    const config = load(
      { service: 's', port: '1', tokenFile: '/run/token' },
      { REGISTRY_TOKEN: 't' },
    );
    expect(config.token).toEqual({ kind: 'file', path: '/run/token' });
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(() =>
      load({ port: '0', auth: 'basic', health: 'ftp://x', weight: '2000', stripPrefix: 'maybe' }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/token is required/),
        expect.stringMatching(/^--service \(AGENT_SERVICE\): required/),
        expect.stringMatching(/^--port/),
        expect.stringMatching(/^--auth/),
        expect.stringMatching(/^--health /),
        expect.stringMatching(/^--weight/),
        expect.stringMatching(/^--strip-prefix/),
      ]),
    );
  });

  it.each([
    [{ token: 't', tokenFile: '/run/token' }, {}, /not both/],
    [{}, { AGENT_TOKEN: 't', AGENT_TOKEN_FILE: '/run/token' }, /not both/],
    [{ tokenFile: '/missing' }, {}, /cannot read token file \/missing/],
    [{ tokenFile: '/etc/empty.token' }, {}, /is empty/],
    [
      { token: 't', health: 'http://h/', healthInterval: '1', healthTimeout: '3' },
      {},
      /health-timeout/,
    ],
    [{ token: 't', config: '/etc/list.yaml' }, {}, /expected a mapping/],
    [{ token: 't', config: '/etc/nope.yaml' }, {}, /--config \/etc\/nope.yaml/],
    [{ token: 't', config: '/etc/unknown.yaml' }, {}, /bogus/],
  ] as const)('refuses %j %j', (flags, env, message) => {
    const problems = problemsOf(() => load({ service: 's', port: '1', ...flags }, env));
    expect(problems.join('\n')).toMatch(message);
  });

  it('keeps the timeout under a short interval by default', () => {
    const config = load({
      service: 's',
      port: '1',
      token: 't',
      health: 'http://h/',
      healthInterval: '0.5',
    });
    expect(config.health?.timeoutMs).toBe(500);
  });

  it('never shows the token in the logged settings', () => {
    const shown = JSON.stringify(
      describeConfig(load({ service: 's', port: '1', token: 'sekrit' })),
    );
    expect(shown).not.toContain('sekrit');
  });
});

describe("Kong's timeouts and retries (--kong-*-timeout, --kong-retries)", () => {
  it('take seconds like every duration of the agent and register milliseconds', () => {
    expect(parseAgentFlags(['--kong-connect-timeout', '2', '--kong-retries', '1']).values).toEqual({
      kongConnectTimeout: '2',
      kongRetries: '1',
    });
    const config = load(
      { service: 's', port: '1', token: 't', kongConnectTimeout: '1.5', kongRetries: '0' },
      { AGENT_KONG_READ_TIMEOUT: '300' },
    );
    expect(config.upstream).toEqual({
      connectTimeoutMs: 1500,
      readTimeoutMs: 300_000,
      retries: 0,
    });
    expect(registerOptions(config, 'h', 'i').upstream).toEqual({
      connectTimeoutMs: 1500,
      readTimeoutMs: 300_000,
      retries: 0,
    });
  });

  it("leave Kong's defaults to the registry when none is given", () => {
    const config = load({ service: 's', port: '1', token: 't' });
    expect(config.upstream).toBeUndefined();
    expect(registerOptions(config, 'h', 'i').upstream).toBeUndefined();
  });

  it("refuse values past Kong's bounds, naming the flag and the bound", () => {
    const problems = problemsOf(() =>
      load({
        service: 's',
        port: '1',
        token: 't',
        kongConnectTimeout: '0',
        kongWriteTimeout: '2147484',
        kongRetries: '32768',
      }),
    );
    expect(problems).toEqual([
      "--kong-connect-timeout (AGENT_KONG_CONNECT_TIMEOUT): seconds that make an integer of milliseconds from 1 to 2147483646 (Kong's connect_timeout)",
      "--kong-write-timeout (AGENT_KONG_WRITE_TIMEOUT): seconds that make an integer of milliseconds from 1 to 2147483646 (Kong's write_timeout)",
      "--kong-retries (AGENT_KONG_RETRIES): an integer from 0 to 32767 (Kong's retries)",
    ]);
  });

  it('are refused with --no-route', () => {
    const problems = problemsOf(() =>
      load({ service: 's', port: '1', token: 't', route: 'false', kongReadTimeout: '300' }),
    );
    expect(problems.join('\n')).toMatch(
      /--no-route has no gateway route: leave out --kong-read-timeout/,
    );
  });
});

describe('route-less agents (--no-route)', () => {
  it('--no-route is route false, and --labels parse like metadata', () => {
    expect(parseAgentFlags(['--no-route', '--labels', 'gpu=true,host=box-2']).values).toEqual({
      route: 'false',
      labels: 'gpu=true,host=box-2',
    });
    const config = load({
      service: 'worker',
      port: '9100',
      token: 't',
      route: 'false',
      labels: 'gpu=true,host=box-2',
      healthCmd: 'test -f /run/ok',
      healthTimeout: '1.5',
    });
    expect(config).toMatchObject({
      route: false,
      labels: { gpu: 'true', host: 'box-2' },
      healthCommand: { command: 'test -f /run/ok', timeoutMs: 1500 },
      kongHealthPath: undefined,
    });
  });

  it('a routed agent is the default, with no command', () => {
    expect(load({ service: 's', port: '1', token: 't' })).toMatchObject({
      route: true,
      healthCommand: undefined,
      labels: undefined,
    });
  });

  it.each([
    [
      { route: 'false', prefix: '/w', auth: 'jwt' },
      /--no-route has no gateway route: leave out --prefix, --auth/,
    ],
    [{ route: 'false', kongHealthPath: '/h' }, /leave out --kong-health-path/],
    [
      { route: 'false', health: 'http://h/', healthCmd: 'true' },
      /--health or --health-cmd, not both/,
    ],
    [{ healthCmd: 'true' }, /--health-cmd goes with --no-route/],
    [{ labels: 'bad key=x' }, /labels\.bad key: label keys are/],
  ] as const)('refuses %j', (flags, message) => {
    const problems = problemsOf(() => load({ service: 's', port: '1', token: 't', ...flags }));
    expect(problems.join('\n')).toMatch(message);
  });
});
