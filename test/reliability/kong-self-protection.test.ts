/**
 * The attack: a holder of one ordinary service token registers Kong's own Admin API as an instance,
 * so that `GET $PROXY/evil/services` answers Kong's entity list through the public proxy. Three
 * DB-less kong-sim nodes on random admin ports (A on 127.0.0.1, B on another loopback address,
 * 127.0.0.2, C on IPv6 loopback), the registry on its default settings and the controller
 * managing every node. Every spelling of
 * those admin listeners is either refused at registration, or quarantined by the controller and
 * never reachable through either proxy. An honest instance of the same service keeps serving.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import type { Controller } from '@kong-registry/kong-plugin';
import type { RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { LogCapture } from './support/registry';
import {
  controllerConfig,
  stackPrefix,
  startCapturedController,
  startTestRegistry,
  STACK_SECRET,
} from './support/stack';
import { claims, hmacToken } from './support/tokens';

jest.setTimeout(60_000);

const portOf = (url: string): number => Number(new URL(url).port);

let nodeA: KongSim;
let nodeB: KongSim;
let nodeC: KongSim;
let registry: RunningRegistry;
let controller: Controller;
let logs: LogCapture;
let honest: Server;
let honestPort: number;
const evilToken = hmacToken(claims({ role: 'service', service: 'evil' }), STACK_SECRET);
const adminToken = hmacToken(claims({ role: 'admin' }), STACK_SECRET);

async function register(instanceId: string, host: string, port: number) {
  const reply = await fetch(`${registry.url}/v1/services/evil/instances/${instanceId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${evilToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ host, port, prefix: '/evil', healthCheck: { path: '/status' } }),
  });
  return { status: reply.status, body: (await reply.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  nodeA = await startKongSim({ mode: 'dbless' });
  nodeB = await startKongSim({ mode: 'dbless', host: '127.0.0.2' });
  nodeC = await startKongSim({ mode: 'dbless', host: '::1' });
  honest = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: 'evil', honest: true, path: req.url }));
  });
  await new Promise<void>((resolve) => honest.listen(0, '127.0.0.1', resolve));
  honestPort = (honest.address() as AddressInfo).port;
  registry = await startTestRegistry(sharedRedisUrl(), stackPrefix(), {
    REGISTRY_LEASE_TTL_SECONDS: '30',
  });
  logs = new LogCapture();
  ({ controller } = startCapturedController(
    controllerConfig(registry.url, adminToken, `${nodeA.admin},${nodeB.admin},${nodeC.admin}`, {
      KONG_MODE: 'dbless',
    }),
    logs,
  ));
  await controller.start();
});

afterAll(async () => {
  await controller?.stop();
  await registry?.close();
  await Promise.all([nodeA?.close(), nodeB?.close(), nodeC?.close()]);
  await new Promise<void>((resolve) => (honest ? honest.close(() => resolve()) : resolve()));
});

describe('refused at registration by the default deny list', () => {
  it.each([
    ['127.0.0.1', 8001],
    ['127.1', 8001],
    ['2130706433', 8444],
    ['0x7f000001', 8001],
    ['::ffff:127.0.0.1', 8001],
    ['10.0.0.12', 8001],
    ['localhost', 8007],
    ['169.254.169.254', 80],
  ])('%s:%d is 400 REG_ERR_TARGET_DENIED naming the rule', async (host, port) => {
    const reply = await register(`default-${port}`, host, port);
    expect({ status: reply.status, code: reply.body.code }).toEqual({
      status: 400,
      code: 'REG_ERR_TARGET_DENIED',
    });
    expect(String(reply.body.message)).toMatch(/REGISTRY_DENIED_TARGETS rule \S+/);
  });
});

describe('Kong protects itself on a non-default admin port', () => {
  /** Spellings of the two nodes' Admin APIs the registry cannot know about. */
  const spellings = (): Array<[string, string, number]> => [
    ['loopback', '127.0.0.1', portOf(nodeA.admin)],
    ['shorthand', '127.1', portOf(nodeA.admin)],
    ['decimal', '2130706433', portOf(nodeA.admin)],
    ['hex', '0x7f000001', portOf(nodeA.admin)],
    ['ipv4-mapped-ipv6', '::ffff:127.0.0.1', portOf(nodeA.admin)],
    ['a name for loopback', 'localhost', portOf(nodeA.admin)],
    ['another loopback address (node B)', '127.0.0.2', portOf(nodeB.admin)],
    ['node B in decimal', '2130706434', portOf(nodeB.admin)],
    ['IPv6 loopback (node C)', '::1', portOf(nodeC.admin)],
    ['IPv6 loopback written out (node C)', '0:0:0:0:0:0:0:1', portOf(nodeC.admin)],
  ];

  beforeAll(async () => {
    expect((await register('honest', '127.0.0.1', honestPort)).status).toBe(201);
    for (const [name, host, port] of spellings()) {
      const reply = await register(`attack-${name.replace(/\W+/g, '-')}`, host, port);
      expect({ name, status: reply.status }).toEqual({ name, status: 201 });
    }
  });

  it('the controller reports a quarantine for every spelling, naming the Kong node', async () => {
    const report = await waitFor(
      async () => {
        const r = await controller.reconcileOnce();
        return r.desired.unsafeTargets.length === spellings().length ? r : undefined;
      },
      { timeoutMs: 20_000, what: 'every attack target quarantined' },
    );
    expect(report.desired.unsafeTargets.map((u) => u.instanceId).sort()).toEqual(
      spellings()
        .map(([name]) => `attack-${name.replace(/\W+/g, '-')}`)
        .sort(),
    );
    const nodeByPort = new Map([nodeA, nodeB, nodeC].map((n) => [portOf(n.admin), n.admin]));
    for (const unsafe of report.desired.unsafeTargets) {
      expect({ id: unsafe.instanceId, node: unsafe.endpoint.node }).toEqual({
        id: unsafe.instanceId,
        node: nodeByPort.get(unsafe.endpoint.port),
      });
    }
    const quarantined = logs.lines.filter((l) => l.includes('"event":"target.quarantined"'));
    expect(quarantined.length).toBeGreaterThanOrEqual(spellings().length);
    const metrics = (await controller.metrics.expose()).body;
    expect(metrics).toMatch(
      new RegExp(`kr_controller_unsafe_targets\\{service="evil"\\} ${spellings().length}`),
    );
  });

  it.each([
    ['A', () => nodeA],
    ['B', () => nodeB],
    ['C', () => nodeC],
  ])('node %s holds only the honest target', async (_name, node) => {
    const targets = await waitFor(
      async () => {
        const reply = await fetch(`${node().admin}/upstreams/evil.upstream/targets`);
        if (reply.status !== 200) return undefined;
        const list = ((await reply.json()) as { data: Array<{ target: string }> }).data;
        return list.length > 0 ? list.map((t) => t.target) : undefined;
      },
      { timeoutMs: 20_000, what: 'the evil upstream programmed' },
    );
    expect(targets).toEqual([`127.0.0.1:${honestPort}`]);
  });

  it.each([
    ['A', () => nodeA],
    ['B', () => nodeB],
    ['C', () => nodeC],
  ])("no node's Admin API answers through node %s's proxy", async (_name, node) => {
    for (let i = 0; i < 20; i += 1) {
      const reply = await fetch(`${node().proxy}/evil/services`);
      const body = (await reply.json()) as Record<string, unknown>;
      expect({ status: reply.status, body }).toEqual({
        status: 200,
        body: { service: 'evil', honest: true, path: '/services' },
      });
    }
  });
});
