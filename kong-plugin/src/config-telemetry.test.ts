import { loadConfig, redactConfig } from './config';
import { errorCode } from './errors';

const BASE = {
  REGISTRY_URL: 'http://127.0.0.1:4000',
  REGISTRY_TOKEN: 'token',
  KONG_ADMIN_URL: 'http://127.0.0.1:8001',
};
const load = (env: Record<string, string>) => loadConfig({}, { ...BASE, ...env });
const problems = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (err) {
    expect(errorCode(err)).toBe('KCP_ERR_CONFIG');
    return (err as Error).message;
  }
  throw new Error('expected a config error');
};

describe("Kong's telemetry settings", () => {
  it('are off by default', () => {
    expect(load({}).telemetry).toEqual({ prometheus: false, log: undefined, logScope: 'global' });
  });

  it('read KONG_PROMETHEUS_PLUGIN, KONG_LOG_PLUGIN and KONG_LOG_PLUGIN_SCOPE', () => {
    expect(
      load({
        KONG_PROMETHEUS_PLUGIN: 'on',
        KONG_LOG_PLUGIN: 'http-log:http://logstash:8080/kong',
        KONG_LOG_PLUGIN_SCOPE: 'per-service',
      }).telemetry,
    ).toEqual({
      prometheus: true,
      log: { plugin: 'http-log', endpoint: 'http://logstash:8080/kong' },
      logScope: 'per-service',
    });
    expect(load({ KONG_LOG_PLUGIN: 'file-log:/var/log/kong/requests.json' }).telemetry.log).toEqual(
      { plugin: 'file-log', path: '/var/log/kong/requests.json' },
    );
  });

  it('list every bad value at once', () => {
    const message = problems({
      KONG_PROMETHEUS_PLUGIN: 'yes',
      KONG_LOG_PLUGIN: 'http-log:logstash:8080',
      KONG_LOG_PLUGIN_SCOPE: 'route',
    });
    expect(message).toContain("KONG_PROMETHEUS_PLUGIN: expected 'on' or 'off', not 'yes'");
    expect(message).toContain("KONG_LOG_PLUGIN: 'logstash:8080' is not an http(s) URL");
    expect(message).toContain("KONG_LOG_PLUGIN_SCOPE: expected 'global' or 'per-service'");
    expect(problems({ KONG_LOG_PLUGIN: 'file-log:requests.json' })).toContain(
      'file-log needs an absolute path',
    );
    expect(problems({ KONG_LOG_PLUGIN: 'file-log:/tmp/a*b' })).toContain('file-log needs');
    expect(problems({ KONG_LOG_PLUGIN: 'syslog:x' })).toContain(
      "KONG_LOG_PLUGIN: expected 'off', 'http-log:<url>' or 'file-log:<path>'",
    );
    expect(problems({ KONG_LOG_PLUGIN_SCOPE: 'per-service' })).toContain(
      'KONG_LOG_PLUGIN_SCOPE: only used with KONG_LOG_PLUGIN',
    );
  });

  it("hide an http-log URL's password in the logged configuration", () => {
    const config = load({ KONG_LOG_PLUGIN: 'http-log:https://kong:s3cret@logs.example.com/in' });
    expect(config.telemetry.log).toEqual({
      plugin: 'http-log',
      endpoint: 'https://kong:s3cret@logs.example.com/in',
    });
    expect(JSON.stringify(redactConfig(config))).not.toContain('s3cret');
    expect(JSON.stringify(redactConfig(config))).toContain(
      'https://kong:[redacted]@logs.example.com/in',
    );
  });
});
