/* eslint-disable @typescript-eslint/no-explicit-any -- untyped JSON from the Admin API and the registry, narrowed by the assertions */
/**
 * The controller against kong-sim in DB mode with a real registry and Redis: what lands in Kong,
 * how many Admin API writes each change costs, and what it never touches.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKongSim } from '@kong-registry/kong-sim';
import { ids } from '@kong-registry/kong-plugin';
import { kongGet, kongWrite, startStack, type Stack } from './harness';

const names = (list: { data: any[] }, field = 'name') => list.data.map((e) => e[field]).sort();

describe('controller in DB mode', () => {
  let stack: Stack;
  const controller = () => stack.controllers[0]!;
  const sync = async () => {
    const report = await controller().reconcileOnce();
    expect(report.nodes[0]?.error).toBeUndefined();
    expect(report.nodes[0]?.result?.errors.map((e) => e.message)).toEqual([]);
    return report;
  };

  beforeAll(async () => {
    stack = await startStack();
    expect(await controller().acquireLeadership()).toBe(true);
    // Config we do not own: it must survive every sync.
    expect(
      await kongWrite(stack.kong, 'PUT', '/services/legacy', {
        host: 'legacy.internal',
        tags: ['team:ops'],
      }),
    ).toBe(200);
    expect(
      await kongWrite(stack.kong, 'PUT', '/routes/legacy', {
        paths: ['/legacy'],
        service: { name: 'legacy' },
      }),
    ).toBe(200);
    await stack.register('orders', 'o-1', {
      host: '127.0.0.1',
      port: 9101,
      auth: { type: 'key-auth', allowGroups: ['staff'] },
    });
    await stack.register('orders', 'o-2', {
      host: '127.0.0.2',
      port: 9101,
      weight: 50,
      auth: { type: 'key-auth', allowGroups: ['staff'] },
    });
    await stack.register('billing', 'b-1', {
      host: '127.0.0.3',
      port: 9201,
      auth: 'jwt',
      stripPrefix: false,
    });
    const alice = await stack.api('POST', '/v1/consumers', {
      username: 'alice',
      groups: ['staff'],
    });
    expect(alice.status).toBe(201);
    expect(
      (
        await stack.api('POST', '/v1/consumers/alice/credentials', {
          type: 'key-auth',
          key: 'alice-key-0123456789',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await stack.api('POST', '/v1/consumers/alice/credentials', {
          type: 'jwt',
          key: 'alice-iss',
        })
      ).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('creates service, route, upstream, targets, plugins and consumers on register', async () => {
    await sync();
    expect(names(await kongGet(stack.kong, '/services'))).toEqual(['billing', 'legacy', 'orders']);
    const routes = await kongGet(stack.kong, '/routes');
    const orders = routes.data.find((r: any) => r.name === 'orders');
    expect(orders).toMatchObject({
      paths: ['/orders/', '~/orders$'],
      strip_path: true,
      service: { id: ids.service('orders') },
    });
    expect(routes.data.find((r: any) => r.name === 'billing')).toMatchObject({ strip_path: false });
    expect(names(await kongGet(stack.kong, '/upstreams'))).toEqual([
      'billing.upstream',
      'orders.upstream',
    ]);
    const upstream = await kongGet(stack.kong, `/upstreams/${ids.upstream('orders')}`);
    expect(upstream.healthchecks.active).toMatchObject({
      http_path: '/health',
      healthy: { interval: 5, successes: 2 },
    });
    const targets = await kongGet(stack.kong, `/upstreams/${ids.upstream('orders')}/targets`);
    expect(targets.data.map((t: any) => [t.target, t.weight]).sort()).toEqual([
      ['127.0.0.1:9101', 100],
      ['127.0.0.2:9101', 50],
    ]);
    const plugins = await kongGet(stack.kong, '/plugins');
    expect(
      plugins.data
        .map(
          (p: any) => `${p.name}@${p.service?.id === ids.service('orders') ? 'orders' : 'billing'}`,
        )
        .sort(),
    ).toEqual(['acl@orders', 'jwt@billing', 'key-auth@orders']);
    expect(plugins.data.find((p: any) => p.name === 'jwt').config.claims_to_verify).toEqual([
      'exp',
    ]);
    expect(names(await kongGet(stack.kong, '/consumers'), 'username')).toEqual(['alice']);
    expect((await kongGet(stack.kong, '/key-auths')).data.map((k: any) => k.key)).toEqual([
      'alice-key-0123456789',
    ]);
    expect((await kongGet(stack.kong, '/jwts')).data.map((k: any) => k.key)).toEqual(['alice-iss']);
    expect((await kongGet(stack.kong, '/acls')).data.map((k: any) => k.group)).toEqual(['staff']);
  });

  it('sends zero writes when nothing changed', async () => {
    stack.kong.resetRequests();
    const report = await sync();
    expect(report.nodes[0]?.plan?.ops).toEqual([]);
    expect(stack.kong.writeCount()).toBe(0);
  });

  it('sends exactly one write for a weight change', async () => {
    await stack.register('orders', 'o-2', {
      host: '127.0.0.2',
      port: 9101,
      weight: 7,
      auth: { type: 'key-auth', allowGroups: ['staff'] },
    });
    stack.kong.resetRequests();
    await sync();
    const writes = stack.kong.requests().filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    expect(writes.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `PUT /upstreams/${ids.upstream('orders')}/targets/${ids.target('orders', '127.0.0.2:9101')} 200`,
    ]);
    const targets = await kongGet(stack.kong, `/upstreams/${ids.upstream('orders')}/targets`);
    expect(targets.data.find((t: any) => t.target === '127.0.0.2:9101').weight).toBe(7);
  });

  it('drains first: a draining instance keeps its target at weight 0 (one write)', async () => {
    await stack.register('drainy', 'd-1', { host: '127.0.0.9', port: 9109 });
    await sync();
    const drained = await stack.api('DELETE', '/v1/services/drainy/instances/d-1?drain=true');
    expect(drained.status).toBeLessThan(300);
    stack.kong.resetRequests();
    await sync();
    const writes = stack.kong.requests().filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /upstreams/${ids.upstream('drainy')}/targets/${ids.target('drainy', '127.0.0.9:9109')}`,
    ]);
    const targets = await kongGet(stack.kong, `/upstreams/${ids.upstream('drainy')}/targets`);
    expect(targets.data.map((t: any) => [t.target, t.weight])).toEqual([['127.0.0.9:9109', 0]]);
    await stack.deregister('drainy', 'd-1');
    await sync();
  });

  it('reverts a hand edit of a managed entity on the next resync', async () => {
    expect(
      await kongWrite(stack.kong, 'PATCH', `/services/${ids.service('orders')}`, { retries: 1 }),
    ).toBe(200);
    expect(await kongWrite(stack.kong, 'DELETE', `/plugins/${ids.plugin('orders', 'acl')}`)).toBe(
      204,
    );
    const report = await sync();
    expect(report.nodes[0]?.plan?.ops.map((o) => `${o.op} ${o.kind} ${o.name}`)).toEqual([
      'update service orders',
      'create plugin orders/acl',
    ]);
    expect((await kongGet(stack.kong, `/services/${ids.service('orders')}`)).retries).toBe(5);
    expect((await sync()).nodes[0]?.plan?.ops).toEqual([]);
  });

  it('removes a deregistered instance, and a service whose last instance left', async () => {
    await stack.deregister('orders', 'o-2');
    await sync();
    const targets = await kongGet(stack.kong, `/upstreams/${ids.upstream('orders')}/targets`);
    expect(targets.data.map((t: any) => t.target)).toEqual(['127.0.0.1:9101']);
    await stack.deregister('billing', 'b-1');
    await sync();
    const snapshot = (await stack.api('GET', '/v1/state')).body;
    const billingKept = snapshot.services.some((s: any) => s.name === 'billing');
    const services = names(await kongGet(stack.kong, '/services'));
    expect(services.includes('billing')).toBe(billingKept);
    expect(
      (
        await kongGet(stack.kong, `/upstreams/${ids.upstream('billing')}/targets`).catch(() => ({
          data: [],
        }))
      ).data,
    ).toEqual([]);
  });

  it('never touches the unmanaged service and route', async () => {
    expect(names(await kongGet(stack.kong, '/services'))).toContain('legacy');
    expect(names(await kongGet(stack.kong, '/routes'))).toContain('legacy');
    expect(stack.kong.requests().some((r) => r.method !== 'GET' && r.path.includes('legacy'))).toBe(
      false,
    );
  });

  it('quarantines a service whose prefix an unmanaged route claims, without blocking others', async () => {
    expect(
      await kongWrite(stack.kong, 'PUT', '/routes/hand-made', {
        paths: ['/payments'],
        service: { name: 'legacy' },
      }),
    ).toBe(200);
    await stack.register('payments', 'p-1', { host: '127.0.0.4', port: 9301 });
    await stack.register('search', 's-1', { host: '127.0.0.5', port: 9401 });
    const report = await sync();
    expect(report.nodes[0]?.plan?.conflicts.map((c) => c.service)).toEqual(['payments']);
    const routes = await kongGet(stack.kong, '/routes');
    expect(routes.data.find((r: any) => r.name === 'hand-made').paths).toEqual(['/payments']);
    expect(names(routes)).not.toContain('payments');
    expect(names(routes)).toContain('search');
  });

  it('agrees with decK: a dump by the ownership tag lists exactly the managed entities', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-deck-'));
    // Async: kong-sim runs in this process, so a blocking exec would deadlock it.
    await promisify(execFile)(
      'deck',
      [
        'dump',
        '--kong-addr',
        stack.kong.admin,
        '--select-tag',
        'managed-by:kong-registry',
        '--format',
        'json',
        '-o',
        join(dir, 'dump.json'),
        '--with-id',
      ],
      { env: { ...process.env, DECK_ANALYTICS: 'off' }, timeout: 60_000 },
    );
    const file = readdirSync(dir).find((f) => f.startsWith('dump'))!;
    const dump = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const snapshot = (await stack.api('GET', '/v1/state')).body;
    const expected = snapshot.services
      .map((s: any) => s.name)
      .filter((n: string) => n !== 'payments')
      .sort();
    expect((dump.services ?? []).map((s: any) => s.name).sort()).toEqual(expected);
    expect((dump.upstreams ?? []).map((u: any) => u.name).sort()).toEqual(
      expected.map((n: string) => `${n}.upstream`),
    );
    expect((dump.consumers ?? []).map((c: any) => c.username)).toEqual(['alice']);
    const routeNames = (dump.services ?? [])
      .flatMap((s: any) => (s.routes ?? []).map((r: any) => r.name))
      .sort();
    expect(routeNames).toEqual(expected);
    expect(JSON.stringify(dump)).not.toContain('legacy');
    expect(JSON.stringify(dump)).not.toContain('hand-made');
  });

  it('reconverges a Kong that restarted empty', async () => {
    const { port } = new URL(stack.kong.admin);
    const { port: proxyPort } = new URL(stack.kong.proxy);
    await stack.kong.close();
    stack.kong = await startKongSim({
      mode: 'db',
      adminPort: Number(port),
      proxyPort: Number(proxyPort),
    });
    expect((await kongGet(stack.kong, '/services')).data).toEqual([]);
    await sync();
    // Everything the registry has comes back; with the hand-made route gone, payments too.
    const snapshot = (await stack.api('GET', '/v1/state')).body;
    expect(names(await kongGet(stack.kong, '/services'))).toEqual(
      snapshot.services.map((s: any) => s.name).sort(),
    );
    expect(names(await kongGet(stack.kong, '/services'))).toContain('payments');
    expect((await sync()).nodes[0]?.plan?.ops).toEqual([]);
  });
});
