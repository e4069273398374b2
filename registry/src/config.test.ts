import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConfigError } from '@kong-registry/sdk';
import { loadConfig, redactConfig } from './config';

const SECRET = 'x'.repeat(32);

describe('loadConfig', () => {
  it('has working defaults for the demo (no secret: ephemeral)', () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4000,
      redis: { mode: 'standalone', url: 'redis://127.0.0.1:6379' },
      keyPrefix: 'kong-registry:',
      jwt: { algorithm: 'none-configured', ephemeral: true },
      lease: { defaultTtlSeconds: 15, minTtlSeconds: 5, maxTtlSeconds: 300, drainSeconds: 10 },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.lease)).toBe(true);
  });

  it('keeps tombstones 300 s by default, 10 s to 7 days', () => {
    expect(loadConfig({}, {}).tombstoneSeconds).toBe(300);
    expect(loadConfig({}, { REGISTRY_TOMBSTONE_SECONDS: '600' }).tombstoneSeconds).toBe(600);
    for (const bad of ['9', '604801', '1.5', 'soon'])
      expect(() => loadConfig({}, { REGISTRY_TOMBSTONE_SECONDS: bad })).toThrow(
        /REGISTRY_TOMBSTONE_SECONDS/,
      );
  });

  it('coalesces up to 64 heartbeats per Redis call by default, 1 (none) to 1000', () => {
    expect(loadConfig({}, {}).redisBatchMax).toBe(64);
    expect(loadConfig({}, { REGISTRY_REDIS_BATCH_MAX: '1' }).redisBatchMax).toBe(1);
    expect(loadConfig({}, { REGISTRY_REDIS_BATCH_MAX: '1000' }).redisBatchMax).toBe(1000);
    for (const bad of ['0', '1001', '2.5', 'many'])
      expect(() => loadConfig({}, { REGISTRY_REDIS_BATCH_MAX: bad })).toThrow(
        /REGISTRY_REDIS_BATCH_MAX/,
      );
  });

  it('waits for no replica by default; REGISTRY_REDIS_MIN_REPLICAS_ACK turns the WAIT on', () => {
    expect(loadConfig({}, {}).replicaAck).toBeUndefined();
    expect(loadConfig({}, { REGISTRY_REDIS_MIN_REPLICAS_ACK: '0' }).replicaAck).toBeUndefined();
    expect(loadConfig({}, { REGISTRY_REDIS_MIN_REPLICAS_ACK: '1' }).replicaAck).toEqual({
      replicas: 1,
      timeoutMs: 500,
    });
    expect(
      loadConfig(
        {},
        { REGISTRY_REDIS_MIN_REPLICAS_ACK: '2', REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS: '50' },
      ).replicaAck,
    ).toEqual({ replicas: 2, timeoutMs: 50 });
    for (const bad of ['-1', '17', 'one'])
      expect(() => loadConfig({}, { REGISTRY_REDIS_MIN_REPLICAS_ACK: bad })).toThrow(
        /REGISTRY_REDIS_MIN_REPLICAS_ACK/,
      );
    // The WAIT must end before the command timeout would fail it as an outage.
    expect(() =>
      loadConfig(
        {},
        { REGISTRY_REDIS_MIN_REPLICAS_ACK: '1', REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS: '2000' },
      ),
    ).toThrow(/REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS must be below REDIS_COMMAND_TIMEOUT_MS/);
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig(
        {},
        {
          PORT: 'eighty',
          REDIS_URL: 'http://x',
          REGISTRY_JWT_SECRET: 'short',
          REGISTRY_LEASE_TTL_SECONDS: '-1',
        },
      );
      throw new Error('expected a ConfigError');
    } catch (err) {
      if (!isConfigError(err)) throw err;
      expect(err.code).toBe('REG_ERR_CONFIG');
      const text = err.problems.join('\n');
      for (const name of ['PORT', 'REDIS_URL', 'REGISTRY_JWT_SECRET', 'REGISTRY_LEASE_TTL_SECONDS'])
        expect(text).toContain(name);
    }
  });

  it('goes on to the rules between variables after a variable fails its own check', () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({}, { PORT: 'eighty', REDIS_SENTINELS: 'a:26379' });
    } catch (err) {
      if (!isConfigError(err)) throw err;
      problems = err.problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^PORT: /),
      'REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the master group name)',
    ]);
  });

  it('does not blame a rule between variables on a variable that failed its own check', () => {
    let problems: readonly string[] = [];
    try {
      loadConfig(
        {},
        {
          REGISTRY_JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----',
          REGISTRY_JWT_PUBLIC_KEY: 'not a key',
        },
      );
    } catch (err) {
      if (!isConfigError(err)) throw err;
      problems = err.problems;
    }
    expect(problems).toEqual(['REGISTRY_JWT_PUBLIC_KEY: must be a PEM public key']);
  });

  it('checks rules between variables', () => {
    expect(() =>
      loadConfig(
        {},
        {
          REGISTRY_JWT_SECRET: SECRET,
          REGISTRY_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----',
        },
      ),
    ).toThrow(/pick one/);
    expect(() =>
      loadConfig({}, { REGISTRY_JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----' }),
    ).toThrow(/needs REGISTRY_JWT_PUBLIC_KEY/);
    expect(() => loadConfig({}, { REGISTRY_LEASE_TTL_SECONDS: '400' })).toThrow(
      /between the min and max/,
    );
    expect(() => loadConfig({}, { REDIS_SENTINELS: 'a:26379' })).toThrow(/REDIS_SENTINEL_NAME/);
  });

  it('reads secrets from *_FILE and refuses both forms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-config-'));
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    expect(loadConfig({}, { REGISTRY_JWT_SECRET_FILE: file }).jwt).toEqual({
      algorithm: 'HS256',
      secret: SECRET,
      ephemeral: false,
    });
    expect(() =>
      loadConfig({}, { REGISTRY_JWT_SECRET_FILE: file, REGISTRY_JWT_SECRET: SECRET }),
    ).toThrow(/both set/);
    expect(() => loadConfig({}, { REGISTRY_JWT_SECRET_FILE: join(dir, 'missing') })).toThrow(
      /cannot read/,
    );
  });

  it('configures Sentinel', () => {
    const config = loadConfig(
      {},
      {
        REDIS_SENTINELS: 's1:26379,s2:26380',
        REDIS_SENTINEL_NAME: 'mymaster',
        REDIS_PASSWORD: 'pw',
      },
    );
    expect(config.redis).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'mymaster',
      password: 'pw',
      sentinelPassword: null,
      db: 0,
    });
    expect(JSON.stringify(redactConfig(config))).not.toContain('"pw"');
  });

  it('redacts secrets for the startup log', () => {
    const text = JSON.stringify(
      redactConfig(
        loadConfig({}, { REGISTRY_JWT_SECRET: SECRET, REDIS_URL: 'redis://:hunter2@h:6379' }),
      ),
    );
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('hunter2');
  });

  it('samples the history every 10 s by default (0: not on this replica), Kong metrics optional', () => {
    expect(loadConfig({}, {})).toMatchObject({
      historySampleMs: 10_000,
      kongMetrics: { urls: [], adminToken: null },
    });
    expect(loadConfig({}, { REGISTRY_HISTORY_SAMPLE_SECONDS: '0' }).historySampleMs).toBe(0);
    for (const bad of ['61', '-1', '2.5'])
      expect(() => loadConfig({}, { REGISTRY_HISTORY_SAMPLE_SECONDS: bad })).toThrow(
        /REGISTRY_HISTORY_SAMPLE_SECONDS/,
      );
    const config = loadConfig(
      {},
      {
        REGISTRY_KONG_METRICS_URL: 'http://kong-1:8100/metrics, https://u:pw@kong-2:8100/metrics',
        REGISTRY_KONG_ADMIN_TOKEN: 'kong-token-1',
      },
    );
    expect(config.kongMetrics).toEqual({
      urls: ['http://kong-1:8100/metrics', 'https://u:pw@kong-2:8100/metrics'],
      adminToken: 'kong-token-1',
    });
    const logged = JSON.stringify(redactConfig(config));
    expect(logged).not.toContain('kong-token-1');
    expect(logged).not.toContain(':pw@');
    expect(() =>
      loadConfig({}, { REGISTRY_KONG_METRICS_URL: 'http://kong:8001/metrics,kong:8001' }),
    ).toThrow(/REGISTRY_KONG_METRICS_URL: 'kong:8001' is not an http\(s\) URL/);
  });

  it('flags override the environment', () => {
    expect(loadConfig({ port: 0, host: '0.0.0.0' }, { PORT: '5000' })).toMatchObject({
      port: 0,
      host: '0.0.0.0',
    });
  });
});
