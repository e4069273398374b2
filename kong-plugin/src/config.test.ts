import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseDuration, redactConfig } from './config';

const base = {
  REGISTRY_URL: 'http://127.0.0.1:4000',
  REGISTRY_TOKEN: 'tok',
  KONG_ADMIN_URL: 'http://127.0.0.1:8001',
};
const load = (env: Record<string, string>) => loadConfig({}, env);

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = load(base);
    expect(config.ownershipTag).toBe('managed-by:kong-registry');
    expect(config.kong.mode).toBe('auto');
    expect(config.resyncIntervalMs).toBe(30_000);
    expect(config.massExpiry).toEqual({ threshold: 0.5, holdMs: 60_000, minTargets: 2 });
    expect(Object.isFrozen(config.kong.headers)).toBe(true);
  });

  it('lists every problem at once', () => {
    expect(() =>
      load({ KONG_ADMIN_URL: 'ftp://x', RESYNC_INTERVAL: 'soon', KONG_MODE: 'hybrid' }),
    ).toThrow(
      expect.objectContaining({
        code: 'KCP_ERR_CONFIG',
        problems: expect.arrayContaining([
          expect.stringContaining('RESYNC_INTERVAL'),
          expect.stringContaining('KONG_MODE'),
          expect.stringContaining('REGISTRY_TOKEN'),
        ]),
      }),
    );
  });

  it('checks the rules between variables even when a variable fails its own check', () => {
    expect(() =>
      load({
        ...base,
        RESYNC_INTERVAL: 'soon',
        KONG_ADMIN_URL: 'http://a:8001,http://b:8001',
        KONG_MODE: 'db',
        KONG_ADMIN_CLIENT_CERT_FILE: '/x',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringMatching(/^RESYNC_INTERVAL: /),
          expect.stringContaining('only allowed in DB-less'),
          expect.stringContaining('set both or neither'),
          expect.stringContaining('KONG_ADMIN_CLIENT_CERT_FILE: cannot read /x'),
        ],
      }),
    );
  });

  it.each([
    [{ KONG_ADMIN_URL: 'http://a:8001,http://b:8001', KONG_MODE: 'db' }, 'only allowed in DB-less'],
    [{ KONG_ADMIN_CLIENT_CERT_FILE: '/x' }, 'set both or neither'],
    [{ REGISTRY_TOKEN_FILE: '/nonexistent' }, 'are both set: use one'],
    [{ KONG_ADMIN_HEADERS: 'novalue' }, 'is not name=value'],
    [{ OWNERSHIP_TAG: 'a,b' }, "must not contain ','"],
  ])('rejects %j', (patch, message) => {
    expect(() => load({ ...base, ...patch })).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([expect.stringContaining(message)]),
      }),
    );
  });

  it('reads secrets from files and parses extra headers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcp-config-'));
    writeFileSync(join(dir, 'token'), 'from-file\n');
    const { REGISTRY_TOKEN: _unused, ...rest } = base;
    const config = load({
      ...rest,
      REGISTRY_TOKEN_FILE: join(dir, 'token'),
      KONG_ADMIN_HEADERS: 'apikey=s3cret,X-Team=ops',
      KONG_ADMIN_URL: 'http://a:8001/,http://b:8001',
      KONG_MODE: 'dbless',
    });
    expect(config.registryToken).toBe('from-file');
    expect(config.kong.headers).toEqual({ apikey: 's3cret', 'x-team': 'ops' });
    expect(config.kong.urls).toEqual(['http://a:8001', 'http://b:8001']);
    expect(JSON.stringify(redactConfig(config))).not.toContain('s3cret');
  });

  it('finds the lock Redis through Sentinel, with its passwords redacted', () => {
    const config = load({
      ...base,
      REDIS_SENTINELS: '10.0.0.11:26379,s2:26380',
      REDIS_SENTINEL_NAME: 'kr',
      REDIS_PASSWORD: 'master-pw',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
    });
    expect(config.redisSentinel).toEqual({
      sentinels: [
        { host: '10.0.0.11', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'kr',
      password: 'master-pw',
      sentinelPassword: 'sentinel-pw',
    });
    const logged = JSON.stringify(redactConfig(config));
    expect(logged).not.toContain('master-pw');
    expect(logged).not.toContain('sentinel-pw');
    expect(load(base).redisSentinel).toBeUndefined();
    expect(() => load({ ...base, REDIS_SENTINELS: 's1:26379' })).toThrow(
      expect.objectContaining({
        problems: [expect.stringContaining('REDIS_SENTINEL_NAME')],
      }),
    );
    expect(() => load({ ...base, REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'kr' })).toThrow(
      /REDIS_SENTINELS/,
    );
  });

  it('lets Kong-only commands run without a registry', () => {
    expect(
      loadConfig({}, { KONG_ADMIN_URL: 'http://k:8001' }, { registryOptional: true }).registryUrl,
    ).toBe('');
  });

  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['2m', 120_000],
    ['15', 15_000],
    ['later', undefined],
  ])('parseDuration(%s)', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });
});
