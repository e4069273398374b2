/**
 * End to end through the gateway: Redis, kong-sim (or a real Kong, see helpers/stack.ts), the
 * registry, the controller and the example services all run as child processes; the tests are
 * clients of the proxy. One stack for the file: the steps build on each other (3 orders
 * instances → one SIGKILLed → one SIGTERMed), as a deploy would.
 */
import { randomBytes } from 'node:crypto';
import {
  EXAMPLES,
  callJson,
  describeCount,
  echoKind,
  failureCount,
  pollUntil,
  readTargetHealth,
  readTargets,
  sendRequests,
  signDemoJwt,
  startClientLoop,
  type ServiceKind,
} from '../../cli/src/demo';
import { watchPort } from './helpers/port-watch';
import { startE2eStack, type E2eStack } from './helpers/stack';

jest.setTimeout(60_000);

/** The services every routing test walks (`npm test` installs python3 for inventory). */
const KINDS: ServiceKind[] = [EXAMPLES.orders, EXAMPLES.users, EXAMPLES.inventory];

let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack('gateway', [
    { kind: EXAMPLES.orders, count: 3 },
    { kind: EXAMPLES.users, count: 1 },
    { kind: EXAMPLES.inventory, count: 1 },
  ]);
}, 90_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

const proxy = (path: string, headers: Record<string, string> = {}) =>
  callJson(`${stack.proxyUrl}${path}`, { headers });
const targetOf = (port: number): string => `${stack.config.advertiseHost}:${port}`;

describe('routing', () => {
  it.each(KINDS.map((k) => [k.service, k] as const))(
    'reaches %s through its prefix with the prefix stripped',
    async (_name, kind) => {
      const reply = await proxy(`${kind.prefix}/a/b?x=1`, stack.credentialsFor(kind));
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ service: kind.service, path: '/a/b' });
    },
  );

  it('answers 404 for a prefix no service claims', async () => {
    expect((await proxy('/nobody-claims-this')).status).toBe(404);
  });
});

describe('authentication at the gateway', () => {
  it('key-auth: 401 without a key or with a wrong one, 200 with the consumer key', async () => {
    expect((await proxy('/orders/1')).status).toBe(401);
    expect((await proxy('/orders/1', { apikey: 'not-a-key' })).status).toBe(401);
    const reply = await proxy('/orders/1', { apikey: stack.consumer.apiKey });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ consumer: { username: stack.consumer.username } });
  });

  it('jwt: 200 with a valid JWT, 401 with an expired one or none', async () => {
    const valid = signDemoJwt(stack.consumer, 300);
    const expired = signDemoJwt(stack.consumer, -30);
    expect((await proxy('/users/me', { authorization: `Bearer ${valid}` })).status).toBe(200);
    expect((await proxy('/users/me', { authorization: `Bearer ${expired}` })).status).toBe(401);
    expect((await proxy('/users/me')).status).toBe(401);
  });
});

describe('instances', () => {
  it('3 instances share the traffic', async () => {
    const ids = stack.instancesOf('orders').map((i) => i.instanceId);
    expect(ids).toHaveLength(3);
    const count = await sendRequests(
      `${stack.proxyUrl}/orders/x`,
      stack.credentialsFor(EXAMPLES.orders),
      60,
    );
    expect(failureCount(count)).toBe(0);
    for (const id of ids) expect(count.byInstance[id] ?? 0).toBeGreaterThan(0);
  });

  it('SIGKILL: no request reaches the instance once the health check trips; its target leaves Kong after the lease expires', async () => {
    const victim = stack.instancesOf('orders')[0]!;
    const target = targetOf(victim.port);
    const killedAt = Date.now();
    victim.child.signal('SIGKILL');
    expect(await victim.child.exited).toBe('SIGKILL');
    // Count at the instance's own address: a stand-in takes over its port and sees every
    // connection Kong still makes there. It answers nothing, so the target stays down for Kong;
    // no client request is sent until the health check has tripped, and none may arrive after.
    const atInstance = await watchPort(stack.config.bindHost, victim.port);
    let after;
    let trippedMs: number;
    try {
      await pollUntil(
        async () =>
          (await readTargetHealth(stack, 'orders')).find((t) => t.target === target)?.health ===
          'UNHEALTHY',
        { timeoutMs: 15_000, what: `Kong's active health check to mark ${target} UNHEALTHY` },
      );
      trippedMs = Date.now() - killedAt;
      after = await sendRequests(
        `${stack.proxyUrl}/orders/x`,
        stack.credentialsFor(EXAMPLES.orders),
        40,
      );
    } finally {
      await atInstance.close();
    }
    // The probes that tripped the check prove the stand-in sat where Kong connects.
    expect(atInstance.probes).toBeGreaterThan(0);
    expect(atInstance.proxied).toBe(0);
    expect(after.byInstance[victim.instanceId]).toBeUndefined();
    expect(failureCount(after)).toBe(0);
    expect(Object.keys(after.byInstance).sort()).toEqual(
      stack
        .instancesOf('orders')
        .slice(1)
        .map((i) => i.instanceId)
        .sort(),
    );

    await pollUntil(
      async () => !(await readTargets(stack, 'orders')).some((t) => t.target === target),
      {
        timeoutMs: 20_000,
        what: `${target} to leave Kong after its lease expired`,
      },
    );
    console.log(
      `e2e: SIGKILL ${victim.instanceId}: UNHEALTHY in Kong after ${trippedMs} ms, target gone after ${Date.now() - killedAt} ms (TTL ${stack.config.timings.leaseTtlSeconds} s); then ${describeCount(after)}; at its port: ${atInstance.proxied} client requests, ${atInstance.probes} health probes`,
    );
  });

  it('SIGTERM: the instance drains and leaves with zero failed client requests', async () => {
    const [leaving, staying] = stack.instancesOf('orders').slice(1);
    const loop = startClientLoop(
      `${stack.proxyUrl}/orders/x`,
      stack.credentialsFor(EXAMPLES.orders),
      3,
    );
    await pollUntil(() => (loop.count.byInstance[leaving!.instanceId] ?? 0) >= 5, {
      timeoutMs: 10_000,
      what: `the client loop to reach ${leaving!.instanceId}`,
    });
    leaving!.child.signal('SIGTERM');
    expect(await leaving!.child.exited).toBe(0);
    const target = targetOf(leaving!.port);
    await pollUntil(
      async () => !(await readTargets(stack, 'orders')).some((t) => t.target === target),
      {
        timeoutMs: 10_000,
        what: `${target} to leave Kong after deregistration`,
      },
    );
    // Keep the clients going a little past the removal: every one of these must succeed too.
    const servedBefore = loop.count.byInstance[staying!.instanceId] ?? 0;
    await pollUntil(() => (loop.count.byInstance[staying!.instanceId] ?? 0) >= servedBefore + 20, {
      timeoutMs: 10_000,
      what: `${staying!.instanceId} to keep serving`,
    });
    const count = await loop.stop();
    console.log(
      `e2e: SIGTERM ${leaving!.instanceId} during a client loop: ${describeCount(count)}`,
    );
    expect(count.failures).toEqual({});
    expect(count.byInstance[leaving!.instanceId]).toBeGreaterThan(0);
  });
});

describe('registration', () => {
  it('a newly registered service becomes reachable through the proxy (time logged)', async () => {
    const kind = echoKind(`e2e-${randomBytes(3).toString('hex')}`);
    expect((await proxy(kind.samplePath)).status).toBe(404);
    const started = Date.now();
    const instance = await stack.startInstance(kind, `${kind.service}-1`);
    const registeredMs = Date.now() - started;
    await stack.waitForRoute(kind, 20_000);
    console.log(
      `e2e: new service ${kind.service}: registered ${registeredMs} ms after spawn, reachable through the proxy after ${Date.now() - started} ms`,
    );
    const reply = await proxy(`${kind.prefix}/hello`);
    expect(reply.body).toMatchObject({
      service: kind.service,
      instanceId: instance.instanceId,
      path: '/hello',
    });
  });
});

describe('shutdown', () => {
  it('stops every process in order: services drain and deregister, nothing needs SIGKILL', async () => {
    const services = stack.instances.filter((i) => i.child.running);
    expect(await stack.stop()).toBe(true);
    for (const instance of services) expect(await instance.child.exited).toBe(0);
    for (const child of stack.processes()) expect(child.running).toBe(false);
  });
});
