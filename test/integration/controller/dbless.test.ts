/* eslint-disable @typescript-eslint/no-explicit-any -- untyped JSON from the Admin API and the registry, narrowed by the assertions */
/**
 * DB-less mode end to end: the controller renders one declarative document per node, pushes it
 * only when it changed, re-pushes to a node that restarted empty, and converges each node on its
 * own (one node down never blocks the others).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import { ids } from '@kong-registry/kong-plugin';
import { kongGet, startStack, type Stack } from './harness';

const names = (list: { data: any[] }) => list.data.map((e) => e.name).sort();
const writes = (kong: KongSim) =>
  kong
    .requests()
    .filter((r) => r.method !== 'GET' && r.method !== 'HEAD')
    .map((r) => `${r.method} ${r.path} ${r.status}`);

describe('controller in DB-less mode', () => {
  let stack: Stack;
  let second: KongSim;
  const baseDir = mkdtempSync(join(tmpdir(), 'kr-base-'));
  const baseFile = join(baseDir, 'base.yaml');

  beforeAll(async () => {
    writeFileSync(
      baseFile,
      [
        '_format_version: "3.0"',
        'services:',
        '  - name: legacy',
        '    url: http://legacy.internal',
        '    routes:',
        '      - name: legacy',
        '        paths: ["/legacy"]',
        '',
      ].join('\n'),
    );
    second = await startKongSim({ mode: 'dbless' });
    stack = await startStack({
      mode: 'dbless',
      env: { DBLESS_BASE_FILE: baseFile, KONG_MODE: 'dbless' },
    });
    await stack.register('orders', 'o-1', { host: '127.0.0.1', port: 9501, auth: 'key-auth' });
    await stack.register('orders', 'o-2', { host: '127.0.0.2', port: 9501, auth: 'key-auth' });
    expect(await stack.controllers[0]!.acquireLeadership()).toBe(true);
  });
  afterAll(async () => {
    await stack.close();
    await second.close();
  });

  const sync = async () => {
    const report = await stack.controllers[0]!.reconcileOnce();
    expect(report.nodes.map((n) => n.error)).toEqual([undefined]);
    return report;
  };

  it('pushes one declarative document with our entities and the base file', async () => {
    stack.kong.resetRequests();
    await sync();
    expect(writes(stack.kong)).toEqual(['POST /config 201']);
    expect(names(await kongGet(stack.kong, '/services'))).toEqual(['legacy', 'orders']);
    expect(names(await kongGet(stack.kong, '/routes'))).toEqual(['legacy', 'orders']);
    const targets = await kongGet(stack.kong, `/upstreams/${ids.upstream('orders')}/targets`);
    expect(targets.data.map((t: any) => t.target).sort()).toEqual([
      '127.0.0.1:9501',
      '127.0.0.2:9501',
    ]);
    expect((await kongGet(stack.kong, '/plugins')).data.map((p: any) => p.name)).toEqual([
      'key-auth',
    ]);
    const status = await kongGet(stack.kong, '/status');
    expect(status.configuration_hash).not.toMatch(/^0+$/);
  });

  it('does not push again when nothing changed, and asks Kong only for its hash', async () => {
    stack.kong.resetRequests();
    const report = await sync();
    expect(report.nodes[0]?.result?.skipped).toBe(true);
    expect(writes(stack.kong)).toEqual([]);
    // Kong still reports the configuration_hash it had after our push of this very desired
    // state: nothing to list, plan or render.
    expect(stack.kong.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /status']);
  });

  it('reads and pushes again when someone else replaced the configuration', async () => {
    const status = await fetch(`${stack.kong.admin}/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _format_version: '3.0', services: [] }),
    });
    expect(status.status).toBe(201);
    stack.kong.resetRequests();
    await sync();
    expect(writes(stack.kong)).toEqual(['POST /config 201']);
    expect(names(await kongGet(stack.kong, '/services'))).toEqual(['legacy', 'orders']);
  });

  it('pushes once for a weight change', async () => {
    await stack.register('orders', 'o-2', {
      host: '127.0.0.2',
      port: 9501,
      weight: 3,
      auth: 'key-auth',
    });
    stack.kong.resetRequests();
    await sync();
    expect(writes(stack.kong)).toEqual(['POST /config 201']);
    const targets = await kongGet(stack.kong, `/upstreams/${ids.upstream('orders')}/targets`);
    expect(targets.data.find((t: any) => t.target === '127.0.0.2:9501').weight).toBe(3);
  });

  it('re-pushes to a node that restarted empty', async () => {
    const admin = new URL(stack.kong.admin);
    const proxy = new URL(stack.kong.proxy);
    await stack.kong.close();
    stack.kong = await startKongSim({
      mode: 'dbless',
      adminPort: Number(admin.port),
      proxyPort: Number(proxy.port),
    });
    expect((await kongGet(stack.kong, '/status')).configuration_hash).toMatch(/^0+$/);
    await sync();
    expect(writes(stack.kong)).toEqual(['POST /config 201']);
    expect(names(await kongGet(stack.kong, '/services'))).toEqual(['legacy', 'orders']);
  });

  it('converges every node on its own; a node down does not block the others', async () => {
    const controller = stack.addController({
      KONG_ADMIN_URL: `${stack.kong.admin},${second.admin}`,
      KONG_MODE: 'dbless',
      DBLESS_BASE_FILE: baseFile,
    });
    await stack.controllers[0]!.stop(); // release the lock for the new controller
    expect(await controller.acquireLeadership()).toBe(true);
    const first = await controller.reconcileOnce();
    expect(first.nodes.map((n) => [n.node, n.error])).toEqual([
      [stack.kong.admin, undefined],
      [second.admin, undefined],
    ]);
    expect(names(await kongGet(second, '/services'))).toEqual(['legacy', 'orders']);

    await second.close();
    await stack.register('orders', 'o-3', { host: '127.0.0.3', port: 9501, auth: 'key-auth' });
    const report = await controller.reconcileOnce();
    expect(report.nodes[0]?.error).toBeUndefined();
    expect(report.nodes[1]?.error).toEqual(expect.any(String));
    expect(report.ok).toBe(false);
    const targets = await kongGet(stack.kong, `/upstreams/${ids.upstream('orders')}/targets`);
    expect(targets.data.map((t: any) => t.target)).toContain('127.0.0.3:9501');
  });
});
