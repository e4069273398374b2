import { DEFAULT_OWNERSHIP_TAG, ids } from '../naming';
import { makeInstance, makeService, makeSnapshot, TEST_NOW } from '../__tests__/snapshot-factory';
import { buildDesiredState } from './build';
import type { TelemetrySettings } from './telemetry';

const TAG = DEFAULT_OWNERSHIP_TAG;
const httpLog = { plugin: 'http-log' as const, endpoint: 'http://logstash:8080/kong' };
/** `GET /v1/state`, or with `scope` the scoped read of those services alone. */
const build = (telemetry: TelemetrySettings, scope?: string[]) => {
  const all = ['orders', 'users'];
  const snapshot = makeSnapshot(
    (scope ?? all).map((name) => makeService(name, [makeInstance(name, 'a')])),
  );
  return buildDesiredState(scope ? { ...snapshot, scope } : snapshot, {
    ownershipTag: TAG,
    now: TEST_NOW,
    telemetry,
  });
};
const plugins = (desired: ReturnType<typeof build>) =>
  [...desired.state.plugin.values()].map((p) => ({ name: p.name, id: p.id, body: p.body }));

describe("Kong's telemetry in the desired state", () => {
  it('programs nothing by default', () => {
    const desired = buildDesiredState(
      makeSnapshot([makeService('orders', [makeInstance('orders', 'a')])]),
      {
        ownershipTag: TAG,
        now: TEST_NOW,
      },
    );
    expect(plugins(desired)).toEqual([]);
  });

  it('puts prometheus and the log plugin in the global scope, with the ownership tag alone', () => {
    const desired = build({ prometheus: true, log: httpLog, logScope: 'global' });
    expect(plugins(desired)).toEqual([
      {
        name: 'global/prometheus',
        id: ids.globalPlugin('prometheus'),
        body: {
          id: ids.globalPlugin('prometheus'),
          name: 'prometheus',
          config: {
            per_consumer: false,
            status_code_metrics: true,
            latency_metrics: true,
            bandwidth_metrics: true,
            upstream_health_metrics: true,
          },
          tags: [TAG],
        },
      },
      {
        name: 'global/http-log',
        id: ids.globalPlugin('http-log'),
        body: {
          id: ids.globalPlugin('http-log'),
          name: 'http-log',
          config: { http_endpoint: 'http://logstash:8080/kong' },
          tags: [TAG],
        },
      },
    ]);
    expect([...desired.state.plugin.values()].every((p) => p.service === undefined)).toBe(true);
  });

  it('puts the log plugin on every routed service with per-service scope', () => {
    const desired = build({
      prometheus: false,
      log: { plugin: 'file-log', path: '/var/log/kong/requests.json' },
      logScope: 'per-service',
    });
    expect(
      plugins(desired).map((p) => [p.name, p.body.service, p.body.config, p.body.tags]),
    ).toEqual([
      [
        'orders/file-log',
        { id: ids.service('orders') },
        { path: '/var/log/kong/requests.json' },
        ['kr-service:orders', TAG],
      ],
      [
        'users/file-log',
        { id: ids.service('users') },
        { path: '/var/log/kong/requests.json' },
        ['kr-service:users', TAG],
      ],
    ]);
  });

  it("leaves global plugins out of a scoped snapshot, keeps the scope's own log plugins", () => {
    const global = build({ prometheus: true, log: httpLog, logScope: 'global' }, ['orders']);
    expect(plugins(global)).toEqual([]);
    const perService = build({ prometheus: true, log: httpLog, logScope: 'per-service' }, [
      'orders',
    ]);
    expect(plugins(perService).map((p) => p.name)).toEqual(['orders/http-log']);
  });
});
