/* eslint-disable @typescript-eslint/no-explicit-any -- untyped JSON from the Admin API, narrowed by the assertions */
/**
 * Kong's own telemetry programmed by the controller (kong-plugin/src/desired/telemetry.ts): a
 * global prometheus plugin and a log plugin, global or per service, owned by tag and converged
 * like everything else; never a second one, hand-made ones left alone, and per-service
 * reconciles never touching the global ones. In DB mode and DB-less mode, against kong-sim.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ids } from '@kong-registry/kong-plugin';
import { startLogReceiver, type LogReceiver } from '../../helpers/log-receiver';
import { kongGet, kongWrite, startStack, type Stack } from './harness';

const TAG = 'managed-by:kong-registry';

/** Every plugin of the Kong node, as `name scope [tags]`, sorted. */
async function pluginsOf(stack: Stack): Promise<string[]> {
  const list = await kongGet<{ data: any[] }>(stack.kong, '/plugins');
  return list.data
    .map((p) => {
      const scope = p.service ? `service:${p.service.id}` : p.route ? 'route' : 'global';
      return `${p.name} ${scope} ${JSON.stringify(p.tags)}`;
    })
    .sort();
}

describe("Kong's telemetry plugins, DB mode", () => {
  let stack: Stack;
  let receiver: LogReceiver;
  const sync = async (controller = stack.controllers.at(-1)!) => {
    const report = await controller.reconcileOnce();
    expect(report.nodes[0]?.error).toBeUndefined();
    expect(report.nodes[0]?.result?.errors.map((e) => e.message)).toEqual([]);
    return report;
  };
  /** A controller with other telemetry settings replaces the current one (the lock is shared). */
  const switchTo = async (env: Record<string, string>) => {
    await stack.controllers.at(-1)!.stop();
    const controller = stack.addController(env);
    expect(await controller.acquireLeadership()).toBe(true);
    return controller;
  };

  beforeAll(async () => {
    receiver = await startLogReceiver();
    stack = await startStack({
      env: { KONG_PROMETHEUS_PLUGIN: 'on', KONG_LOG_PLUGIN: `http-log:${receiver.url}/kong` },
    });
    await stack.register('orders', 'o-1', { host: '127.0.0.1', port: 9801, auth: 'key-auth' });
    await stack.register('users', 'u-1', { host: '127.0.0.1', port: 9802 });
    expect(await stack.controllers[0]!.acquireLeadership()).toBe(true);
  });
  afterAll(async () => {
    await stack.close();
    await receiver.close();
  });

  it('programs a global prometheus and http-log with the ownership tag, then plans nothing', async () => {
    await sync();
    expect(await pluginsOf(stack)).toEqual([
      `http-log global ["${TAG}"]`,
      `key-auth service:${ids.service('orders')} ["kr-service:orders","${TAG}"]`,
      `prometheus global ["${TAG}"]`,
    ]);
    const prometheus = await kongGet(stack.kong, `/plugins/${ids.globalPlugin('prometheus')}`);
    expect(prometheus.config).toMatchObject({
      status_code_metrics: true,
      latency_metrics: true,
      upstream_health_metrics: true,
      per_consumer: false,
    });
    const httpLog = await kongGet(stack.kong, `/plugins/${ids.globalPlugin('http-log')}`);
    expect(httpLog.config.http_endpoint).toBe(`${receiver.url}/kong`);
    const again = await sync();
    expect(again.nodes[0]?.plan?.ops).toEqual([]);
  });

  it('per-service reconciles neither create nor delete the global plugins', async () => {
    // Drift: someone deletes our prometheus by hand.
    expect(
      await kongWrite(stack.kong, 'DELETE', `/plugins/${ids.globalPlugin('prometheus')}`),
    ).toBe(204);
    await stack.register('orders', 'o-2', { host: '127.0.0.2', port: 9801, auth: 'key-auth' });
    const scoped = await stack.controllers[0]!.reconcileOnce({
      scope: { kind: 'services', services: ['orders'] },
    });
    expect(scoped.scope).toEqual(['orders']);
    expect(scoped.nodes[0]!.result!.applied.map((op) => `${op.op} ${op.kind}`)).toEqual([
      'create target',
    ]);
    expect((await pluginsOf(stack)).filter((p) => p.includes('global'))).toEqual([
      `http-log global ["${TAG}"]`,
    ]);
    // The next whole reconcile puts it back.
    const whole = await sync();
    expect(whole.nodes[0]!.result!.applied.map((op) => `${op.op} ${op.name}`)).toEqual([
      'create global/prometheus',
    ]);
  });

  it('leaves a hand-made global plugin alone and adds no second one', async () => {
    expect(await kongWrite(stack.kong, 'DELETE', `/plugins/${ids.globalPlugin('http-log')}`)).toBe(
      204,
    );
    const handMade = await fetch(`${stack.kong.admin}/plugins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'http-log',
        config: { http_endpoint: 'http://ops-logs:9000/' },
      }),
    });
    expect(handMade.status).toBe(201);
    const handMadeId = ((await handMade.json()) as { id: string }).id;
    const report = await sync();
    expect(report.nodes[0]!.plan!.ops).toEqual([]);
    expect(report.nodes[0]!.plan!.yielded.map((y) => [y.name, y.entity.id])).toEqual([
      ['global/http-log', handMadeId],
    ]);
    const kept = await kongGet(stack.kong, `/plugins/${handMadeId}`);
    expect(kept).toMatchObject({ tags: null, config: { http_endpoint: 'http://ops-logs:9000/' } });
  });

  it('per-service scope puts the log plugin on each routed service; a hand-made one on one keeps it', async () => {
    const usersLog = await fetch(`${stack.kong.admin}/services/users/plugins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'file-log', config: { path: '/tmp/users.json' } }),
    });
    expect(usersLog.status).toBe(201);
    const controller = await switchTo({
      KONG_PROMETHEUS_PLUGIN: 'on',
      KONG_LOG_PLUGIN: 'file-log:/var/log/kong/requests.json',
      KONG_LOG_PLUGIN_SCOPE: 'per-service',
    });
    const report = await sync(controller);
    expect(report.nodes[0]!.plan!.yielded.map((y) => y.name)).toEqual(['users/file-log']);
    expect(report.nodes[0]!.plan!.quarantined.services).toEqual([]);
    expect(await pluginsOf(stack)).toEqual([
      `file-log service:${ids.service('orders')} ["kr-service:orders","${TAG}"]`,
      `file-log service:${ids.service('users')} null`,
      'http-log global null',
      `key-auth service:${ids.service('orders')} ["kr-service:orders","${TAG}"]`,
      `prometheus global ["${TAG}"]`,
    ]);
    expect((await sync(controller)).nodes[0]?.plan?.ops).toEqual([]);
  });

  it('with the settings off, deletes its own telemetry plugins and nothing else', async () => {
    const controller = await switchTo({ KONG_PROMETHEUS_PLUGIN: 'off', KONG_LOG_PLUGIN: 'off' });
    const report = await sync(controller);
    expect(report.nodes[0]!.result!.applied.map((op) => `${op.op} ${op.name}`).sort()).toEqual([
      'delete global/prometheus',
      'delete orders/file-log',
    ]);
    expect(await pluginsOf(stack)).toEqual([
      `file-log service:${ids.service('users')} null`,
      'http-log global null',
      `key-auth service:${ids.service('orders')} ["kr-service:orders","${TAG}"]`,
    ]);
  });
});

describe("Kong's telemetry plugins, DB-less mode", () => {
  let stack: Stack;
  const baseDir = mkdtempSync(join(tmpdir(), 'kr-telemetry-base-'));
  const baseFile = join(baseDir, 'base.yaml');

  beforeAll(async () => {
    // Config we do not own, with its own global prometheus.
    writeFileSync(
      baseFile,
      [
        '_format_version: "3.0"',
        'plugins:',
        '  - name: prometheus',
        '    tags: ["team:ops"]',
        '',
      ].join('\n'),
    );
    stack = await startStack({
      mode: 'dbless',
      env: {
        KONG_MODE: 'dbless',
        DBLESS_BASE_FILE: baseFile,
        KONG_PROMETHEUS_PLUGIN: 'on',
        KONG_LOG_PLUGIN: 'file-log:/var/log/kong/requests.json',
      },
    });
    await stack.register('orders', 'o-1', { host: '127.0.0.1', port: 9811 });
    expect(await stack.controllers[0]!.acquireLeadership()).toBe(true);
  });
  afterAll(async () => {
    await stack.close();
  });

  it("pushes its log plugin with the base file's prometheus, not a second one, and then nothing", async () => {
    const first = await stack.controllers[0]!.reconcileOnce();
    expect(first.nodes[0]?.error).toBeUndefined();
    expect(first.nodes[0]!.plan!.yielded.map((y) => y.name)).toEqual(['global/prometheus']);
    expect(await pluginsOf(stack)).toEqual([
      `file-log global ["${TAG}"]`,
      'prometheus global ["team:ops"]',
    ]);
    stack.kong.resetRequests();
    const second = await stack.controllers[0]!.reconcileOnce();
    expect(second.nodes[0]!.plan!.ops).toEqual([]);
    expect(stack.kong.requests().filter((r) => r.method === 'POST')).toEqual([]);
  });
});
