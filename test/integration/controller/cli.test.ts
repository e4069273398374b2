/* eslint-disable @typescript-eslint/no-explicit-any -- untyped JSON printed by the commands, narrowed by the assertions */
/**
 * The admin commands against a real registry and kong-sim: diff (exit 2 until converged, then 0),
 * sync, routes and explain, each with --json.
 */
import {
  runDiffCommand,
  runExplainCommand,
  runRoutesCommand,
  runSyncCommand,
} from '@kong-registry/kong-plugin';
import { kongWrite, startStack, type Stack } from './harness';

/** Runs a command with the stack's environment; returns exit code and stdout. */
async function run(stack: Stack, command: (argv: string[]) => Promise<number>, argv: string[]) {
  const saved = { ...process.env };
  Object.assign(process.env, {
    REGISTRY_URL: stack.config.registryUrl,
    REGISTRY_TOKEN: stack.config.registryToken,
    KONG_ADMIN_URL: stack.kong.admin,
    REDIS_URL: stack.config.redisUrl,
    LEADER_LOCK_KEY: stack.config.lock.key,
    LOG_LEVEL: 'silent',
  });
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out.push(args.join(' '));
  });
  const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await command(argv);
    return { code, stdout: out.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.env = saved;
  }
}

describe('admin CLI', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await stack.controllers[0]!.stop(); // the CLI takes the lock itself
    expect(
      await kongWrite(stack.kong, 'PUT', '/services/legacy', { host: 'legacy.internal' }),
    ).toBe(200);
    expect(
      await kongWrite(stack.kong, 'PUT', '/routes/legacy', {
        paths: ['/legacy'],
        service: { name: 'legacy' },
      }),
    ).toBe(200);
    await stack.register('orders', 'o-1', {
      host: '127.0.0.1',
      port: 9901,
      auth: { type: 'jwt', allowGroups: ['staff'] },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('diff exits 2 with decK-style output, sync converges, then diff exits 0', async () => {
    const before = await run(stack, runDiffCommand, []);
    expect(before.code).toBe(2);
    expect(before.stdout).toContain('creating service orders');
    expect(before.stdout).toContain('creating plugin orders/jwt');
    expect(before.stdout).toMatch(/Summary:\n {2}Created: 6\n {2}Updated: 0\n {2}Deleted: 0/);

    const sync = await run(stack, runSyncCommand, ['--json']);
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.stdout).nodes[0].summary).toEqual({
      created: 6,
      updated: 0,
      deleted: 0,
    });

    const after = await run(stack, runDiffCommand, ['--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).nodes[0].ops).toEqual([]);
  });

  it('routes lists managed and unmanaged routes with auth and instances', async () => {
    const { code, stdout } = await run(stack, runRoutesCommand, ['--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout);
    expect(rows.map((r: any) => [r.prefix, r.service, r.managed])).toEqual([
      ['/legacy', 'legacy', false],
      ['/orders (and /orders/...)', 'orders', true],
    ]);
    const orders = rows.find((r: any) => r.service === 'orders');
    expect(orders.auth).toEqual(['jwt', 'acl(allow: staff)']);
    expect(orders.instances).toEqual([
      expect.objectContaining({
        target: '127.0.0.1:9901',
        weight: 100,
        instanceId: 'o-1',
        registry: expect.stringContaining('live'),
      }),
    ]);
    const table = await run(stack, runRoutesCommand, []);
    expect(table.stdout.split('\n')[0]).toMatch(/^PREFIX\s+SERVICE\s+MANAGED\s+AUTH\s+INSTANCES/);
    // Written seconds ago, to a Kong with its default settings (eventual, 5 s): the workers may
    // not route it yet, and the table says so.
    expect(orders.pending).toMatchObject({ note: expect.stringContaining('every 5 s') });
    expect(table.stdout).toMatch(/^\/orders \(and \/orders\/\.\.\.\) \*/m);
    expect(table.stdout).toMatch(
      /^\* \/orders \(and \/orders\/\.\.\.\): Kong has had this since /m,
    );
  });

  it('routes lists route-less workers with their labels, and --label filters', async () => {
    await stack.register('gpu-worker', 'w-1', {
      host: '127.0.0.1',
      port: 9902,
      route: false,
      labels: { gpu: 'true', host: 'box-2' },
    });
    await stack.register('gpu-worker', 'w-2', {
      host: '127.0.0.1',
      port: 9903,
      route: false,
      labels: { gpu: 'false' },
    });
    try {
      const all = JSON.parse((await run(stack, runRoutesCommand, ['--json'])).stdout);
      expect(all.map((r: any) => [r.prefix, r.service, r.routeless ?? false])).toEqual([
        ['/legacy', 'legacy', false],
        ['/orders (and /orders/...)', 'orders', false],
        ['(no route)', 'gpu-worker', true],
      ]);
      const gpu = await run(stack, runRoutesCommand, ['--json', '--label', 'gpu=true']);
      expect(gpu.code).toBe(0);
      expect(
        JSON.parse(gpu.stdout).map((r: any) => [r.service, r.instances.map((i: any) => i.labels)]),
      ).toEqual([['gpu-worker', [{ gpu: 'true', host: 'box-2' }]]]);
      const table = await run(stack, runRoutesCommand, ['--label', 'host=box-2']);
      expect(table.stdout).toContain('Workers (no route):');
      expect(table.stdout).toMatch(
        /^ {2}gpu-worker {2}w-1 127\.0\.0\.1:9902 {2}live \[gpu=true,host=box-2\]$/m,
      );
      expect(table.stdout).not.toContain('w-2');
      expect((await run(stack, runRoutesCommand, ['--label', 'gpu'])).code).toBe(1);
    } finally {
      await stack.deregister('gpu-worker', 'w-1');
      await stack.deregister('gpu-worker', 'w-2');
    }
  });

  it('explain names the route, service, auth and instances for a request', async () => {
    const hit = await run(stack, runExplainCommand, ['GET', '/orders/42?x=1', '--json']);
    expect(hit.code).toBe(0);
    const explanation = JSON.parse(hit.stdout);
    expect(explanation).toMatchObject({
      matched: true,
      route: { name: 'orders', matchedPath: '/orders/' },
      service: { name: 'orders', host: 'orders.upstream' },
      upstreamPath: '/42',
      auth: ['jwt', 'acl(allow: staff)'],
    });
    expect(explanation.instances.map((i: any) => i.target)).toEqual(['127.0.0.1:9901']);
    expect(Date.parse(explanation.pending.byOnThisNode)).toBeGreaterThan(Date.now());
    const text = await run(stack, runExplainCommand, ['GET', '/orders/42']);
    expect(text.stdout).toContain('pending:  Kong has had this since');

    const miss = await run(stack, runExplainCommand, ['GET', '/nowhere']);
    expect(miss.code).toBe(4);
    expect(miss.stdout).toContain('no route matches');
  });

  it('prints help with the variables each command reads, and rejects bad usage', async () => {
    const help = await run(stack, runDiffCommand, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('KONG_ADMIN_TOKEN');
    expect(help.stdout).toContain('Exit codes: 0 converged, 2 changes pending');
    expect(help.stdout).toMatch(/^ {2}REGISTRY_URL +registry base URL.*\(required\)$/m);
    expect(help.stdout).not.toContain('RESYNC_INTERVAL');

    // routes needs Kong only; the registry adds columns, so it says so, and nothing contradicts it.
    const routes = (await run(stack, runRoutesCommand, ['--help'])).stdout;
    expect(routes).toMatch(/^ {2}KONG_ADMIN_URL .*\(required\)$/m);
    expect(routes).toMatch(/^ {2}REGISTRY_URL .*\(optional: adds the registry columns\)$/m);
    expect(routes).not.toMatch(/REGISTRY_URL.*\(required\)/);
    expect(routes).toContain('running `npm run demo`');
    for (const name of ['EVENT_DEBOUNCE', 'REDIS_URL', 'METRICS_PORT', 'HEALTH_FEEDBACK_INTERVAL'])
      expect(routes).not.toContain(name);
    const explain = (await run(stack, runExplainCommand, ['--help'])).stdout;
    expect(explain.slice(explain.indexOf('Environment:'))).not.toContain('REGISTRY_URL');
    expect((await run(stack, runExplainCommand, ['GET'])).code).toBe(1);
    expect((await run(stack, runSyncCommand, ['--bogus'])).code).toBe(1);
  });
});
