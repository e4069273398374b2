/**
 * A service that only speaks HTTP (Python standard library, no SDK) becomes reachable through
 * Kong (kong-sim) because `kong-registry agent` registers it: real registry on real Redis, the
 * real controller (createController) programming kong-sim, the agent and the service as child
 * processes. Health failure takes it out of rotation (weight 0), recovery puts it back, SIGTERM
 * removes it.
 */
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import { createController, loadConfig, type Controller } from '@kong-registry/kong-plugin';
import type { RunningRegistry } from '@kong-registry/registry';
import { waitFor } from '../../helpers/wait';
import {
  buildCli,
  instanceOf,
  spawnAgent,
  startAgentRegistry,
  startPlainService,
  stopAgentRegistry,
  writeTokenFile,
  type AgentProcess,
  type PlainService,
} from './harness';

jest.setTimeout(90_000);

const SERVICE = 'plain-py';
let registry: RunningRegistry;
let kong: KongSim;
let controller: Controller;
let service: PlainService;
let agent: AgentProcess | undefined;
let tokens: ReturnType<typeof writeTokenFile>;

beforeAll(async () => {
  buildCli();
  // A long drain period, so the health-drained instance stays visible (weight 0) while we look.
  registry = await startAgentRegistry({ REGISTRY_DRAIN_SECONDS: '30' });
  kong = await startKongSim({ mode: 'db' });
  const config = loadConfig(
    {},
    {
      REGISTRY_URL: registry.url,
      REGISTRY_TOKEN: registry.adminToken ?? registry.mintToken({ role: 'admin' }),
      KONG_ADMIN_URL: kong.admin,
      RESYNC_INTERVAL: '1s',
      EVENT_DEBOUNCE: '50ms',
      HEALTH_FEEDBACK_INTERVAL: '0',
      LOG_LEVEL: 'silent',
    },
  );
  controller = createController(config, {});
  await controller.start();
  service = await startPlainService();
  tokens = writeTokenFile(registry.mintToken({ role: 'service', service: SERVICE }));
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await service?.stop();
  await controller?.stop();
  await kong?.close();
  await stopAgentRegistry(registry);
  tokens?.cleanup();
});

async function viaKong(path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${kong.proxy}${path}`);
  return { status: response.status, body: await response.text() };
}

async function targetWeights(): Promise<number[]> {
  const response = await fetch(`${kong.admin}/upstreams/${SERVICE}.upstream/targets`);
  if (!response.ok) return [];
  const { data } = (await response.json()) as { data: { weight: number }[] };
  return data.map((t) => t.weight);
}

describe('a plain HTTP service behind kong-sim through the agent', () => {
  it('is proxied once the agent registers it, leaves rotation while unhealthy, and is removed on SIGTERM', async () => {
    const before = await viaKong('/py/hello');
    expect(before.status).toBe(404);

    agent = spawnAgent([
      '--service',
      SERVICE,
      '--port',
      String(service.port),
      '--host',
      '127.0.0.1',
      '--health',
      `http://127.0.0.1:${service.port}/health`,
      '--prefix',
      '/py',
      '--token-file',
      tokens.path,
      '--registry',
      registry.url,
      '--ttl',
      '3',
      '--health-interval',
      '0.2',
      '--unhealthy-threshold',
      '2',
      '--drain-seconds',
      '1',
    ]);
    const running = agent;

    // Registered by the agent, programmed by the controller, answered by Python.
    const first = await waitFor(
      async () => {
        const res = await viaKong('/py/hello');
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: 20_000, what: `200 from /py/hello through kong-sim\n${running.output()}` },
    );
    expect(JSON.parse(first.body)).toEqual({ service: SERVICE, path: '/hello' });

    // The service's health fails: the agent drains it; Kong gets weight 0 and no peer.
    await fetch(`http://127.0.0.1:${service.port}/admin/fail`);
    await waitFor(async () => (await targetWeights()).join() === '0', {
      timeoutMs: 15_000,
      what: 'the target at weight 0 in kong-sim',
    });
    expect(await instanceOf(registry, SERVICE, `127.0.0.1-${service.port}`)).toMatchObject({
      draining: true,
    });
    await waitFor(async () => (await viaKong('/py/hello')).status === 503, {
      what: 'kong-sim answering 503 (no peer) while the only target is drained',
    });

    // Health returns: registered again, weight back, proxied again.
    await fetch(`http://127.0.0.1:${service.port}/admin/recover`);
    await waitFor(async () => (await targetWeights()).join() === '100', {
      timeoutMs: 15_000,
      what: 'the target back at weight 100',
    });
    await waitFor(async () => (await viaKong('/py/again')).status === 200, {
      timeoutMs: 15_000,
      what: '200 through kong-sim after recovery',
    });

    // SIGTERM: drained, deregistered, target removed, exit 0.
    expect(await running.stop('SIGTERM')).toBe(0);
    await waitFor(async () => (await targetWeights()).length === 0, {
      timeoutMs: 15_000,
      what: 'the target removed from kong-sim',
    });
    expect(await instanceOf(registry, SERVICE, `127.0.0.1-${service.port}`)).toBeUndefined();
  });
});
