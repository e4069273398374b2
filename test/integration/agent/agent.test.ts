/**
 * `kong-registry agent` as a real child process against a real registry on real Redis:
 * register, heartbeat, health-gated draining, re-registration on recovery, SIGTERM drain and
 * deregistration with exit 0, and the failure modes an operator meets first.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningRegistry } from '@kong-registry/registry';
import { freePort } from '../../helpers/ports';
import { waitFor } from '../../helpers/wait';
import {
  buildCli,
  instanceOf,
  spawnAgent,
  startAgentRegistry,
  startHealthServer,
  stopAgentRegistry,
  writeTokenFile,
  type AgentProcess,
  type FlippableHealth,
} from './harness';
import { AGENT_OPTIONS } from '../../../cli/src/agent/options';

jest.setTimeout(60_000);

let registry: RunningRegistry;
let health: FlippableHealth;
let tokens: ReturnType<typeof writeTokenFile>;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  buildCli();
  registry = await startAgentRegistry();
  health = await startHealthServer();
  tokens = writeTokenFile(registry.mintToken({ role: 'service', service: 'orders' }));
});

afterEach(async () => {
  health.healthy = true;
  await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
});

afterAll(async () => {
  await health?.close();
  await stopAgentRegistry(registry);
  tokens?.cleanup();
});

/** The agent for `orders` on the health server's port, fast probes, short lease. */
function startOrdersAgent(extra: string[] = [], env: Record<string, string> = {}): AgentProcess {
  const agent = spawnAgent(
    [
      '--service',
      'orders',
      '--port',
      String(health.port),
      '--host',
      '127.0.0.1',
      '--health',
      health.url,
      '--token-file',
      tokens.path,
      '--registry',
      registry.url,
      '--ttl',
      '3',
      '--health-interval',
      '0.1',
      '--unhealthy-threshold',
      '3',
      '--log-level',
      'debug',
      ...extra,
    ],
    env,
  );
  agents.push(agent);
  return agent;
}

const ID = (port: number): string => `127.0.0.1-${port}`;

describe('kong-registry agent', () => {
  it('registers, heartbeats, drains after N failed probes, registers again, and drains + deregisters on SIGTERM (exit 0)', async () => {
    const agent = startOrdersAgent(['--drain-seconds', '1', '--prefix', '/orders']);
    const id = ID(health.port);

    // 1. Registered once the health URL answers, with the definition from the flags.
    const registered = await waitFor(() => instanceOf(registry, 'orders', id), {
      timeoutMs: 15_000,
      what: `orders/${id} registered\n${agent.output()}`,
    });
    expect(registered).toMatchObject({ host: '127.0.0.1', port: health.port, draining: false });
    const view = (await (
      await fetch(`${registry.url}/v1/services/orders`, {
        headers: { authorization: `Bearer ${registry.adminToken ?? ''}` },
      })
    ).json()) as { definition: { prefix: string; healthCheck: { path: string } } };
    expect(view.definition.prefix).toBe('/orders');
    expect(view.definition.healthCheck.path).toBe('/health');

    // 2. Heartbeats move the lease forward (ttl 3 s: one per second).
    await waitFor(
      async () => {
        const now = await instanceOf(registry, 'orders', id);
        return now !== undefined && now.leaseExpiresAt > registered.leaseExpiresAt;
      },
      { timeoutMs: 10_000, what: 'a heartbeat renewing the lease' },
    );

    // 3. Health fails: after 3 consecutive failed probes the instance is draining (weight 0).
    const probesBefore = health.probes;
    health.healthy = false;
    const draining = await waitFor(
      async () => {
        const now = await instanceOf(registry, 'orders', id);
        return now?.draining === true ? now : undefined;
      },
      { timeoutMs: 10_000, what: 'the instance marked draining' },
    );
    expect(draining.weight).toBe(0);
    expect(health.probes - probesBefore).toBeGreaterThanOrEqual(3);
    // The registry answers before the agent has read the reply and logged it, so wait for the line.
    const drainLog = await waitFor(
      () => agent.logs().find((l) => l.msg.startsWith('health failing: instance marked')),
      { timeoutMs: 5_000, what: `the agent's drain log line\n${agent.output()}` },
    );
    expect(drainLog).toMatchObject({ failures: 3, outcome: 'done' });

    // ... and no heartbeats while unhealthy: lastHeartbeatAt stays put over several intervals.
    const heartbeatsWhileDraining = agent.logs().length;
    await waitFor(() => health.probes - probesBefore >= 20, { what: '20 failed probes' });
    const still = await instanceOf(registry, 'orders', id);
    expect(still?.lastHeartbeatAt).toBe(draining.lastHeartbeatAt);
    expect(
      agent
        .logs()
        .slice(heartbeatsWhileDraining)
        .filter((l) => l.msg === 'heartbeat'),
    ).toEqual([]);

    // 4. Health returns: registered again, draining cleared, heartbeats resume.
    health.healthy = true;
    const back = await waitFor(
      async () => {
        const now = await instanceOf(registry, 'orders', id);
        return now?.draining === false ? now : undefined;
      },
      { timeoutMs: 10_000, what: 'the instance registered again, not draining' },
    );
    expect(back.weight).toBe(100);
    await waitFor(
      async () =>
        ((await instanceOf(registry, 'orders', id))?.leaseExpiresAt ?? '') > back.leaseExpiresAt,
      { timeoutMs: 10_000, what: 'heartbeats after recovery' },
    );

    // 5. SIGTERM: draining first (weight 0 for --drain-seconds), then gone; exit 0.
    const exitCode = agent.stop('SIGTERM');
    await waitFor(async () => (await instanceOf(registry, 'orders', id))?.draining === true, {
      timeoutMs: 5_000,
      what: 'draining after SIGTERM',
    });
    await waitFor(async () => (await instanceOf(registry, 'orders', id)) === undefined, {
      timeoutMs: 10_000,
      what: 'deregistered after SIGTERM',
    });
    expect(await exitCode).toBe(0);
    expect(agent.logs().map((l) => l.msg)).toEqual(
      expect.arrayContaining(['deregistered', 'agent stopped']),
    );
  });

  it('waits for a healthy probe before registering, and exits 0 on SIGTERM with nothing registered', async () => {
    health.healthy = false;
    const agent = startOrdersAgent(['--instance-id', 'never-healthy']);
    await waitFor(() => agent.logs().filter((l) => l.msg === 'health probe failed').length >= 3, {
      what: 'three failed probes',
    });
    expect(await instanceOf(registry, 'orders', 'never-healthy')).toBeUndefined();
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(agent.logs().map((l) => l.msg)).toContain(
      'stopping: not registered, nothing to deregister',
    );
  });

  it('deregisters an instance that is draining for bad health when SIGTERM arrives', async () => {
    const agent = startOrdersAgent(['--instance-id', 'sick-then-stopped']);
    await waitFor(() => instanceOf(registry, 'orders', 'sick-then-stopped'), {
      timeoutMs: 15_000,
      what: 'registered',
    });
    health.healthy = false;
    await waitFor(
      async () => (await instanceOf(registry, 'orders', 'sick-then-stopped'))?.draining === true,
      { what: 'draining' },
    );
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(await instanceOf(registry, 'orders', 'sick-then-stopped')).toBeUndefined();
  });

  it('without --health registers at once; settings come from env and a YAML file, flags first', async () => {
    const file = join(tokens.dir, 'agent.yaml');
    writeFileSync(
      file,
      [
        'service: orders',
        `port: ${health.port}`,
        'host: 127.0.0.1',
        'instanceId: from-file',
        'version: "0.0.1-file"',
        'metadata: { zone: a }',
        'ttlSeconds: 3',
      ].join('\n'),
    );
    const agent = spawnAgent(
      ['--config', file, '--instance-id', 'from-flag', '--drain-seconds', '0.3'],
      {
        AGENT_TOKEN_FILE: tokens.path,
        REGISTRY_URL: registry.url,
        AGENT_VERSION: '0.0.2-env',
        LOG_LEVEL: 'info',
      },
    );
    agents.push(agent);
    const instance = await waitFor(() => instanceOf(registry, 'orders', 'from-flag'), {
      timeoutMs: 15_000,
      what: `orders/from-flag registered\n${agent.output()}`,
    });
    expect(instance).toMatchObject({ version: '0.0.2-env', metadata: { zone: 'a' } });
    expect(await agent.stop('SIGINT')).toBe(0);
    await waitFor(async () => (await instanceOf(registry, 'orders', 'from-flag')) === undefined, {
      timeoutMs: 1_000,
      what: `orders/from-flag deregistered before exit\n${agent.output()}`,
    });
  });

  it('a second SIGTERM cuts the drain wait short and still deregisters (exit 0)', async () => {
    // A drain far longer than the test timeout: only the second signal can end it in time.
    const agent = startOrdersAgent(['--instance-id', 'impatient', '--drain-seconds', '600']);
    await waitFor(() => instanceOf(registry, 'orders', 'impatient'), {
      timeoutMs: 15_000,
      what: 'registered',
    });
    agent.child.kill('SIGTERM');
    await waitFor(async () => (await instanceOf(registry, 'orders', 'impatient'))?.draining, {
      what: 'draining after the first SIGTERM',
    });
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(await instanceOf(registry, 'orders', 'impatient')).toBeUndefined();
  });

  it('keeps retrying while the registry is unreachable, and still exits 0 on SIGTERM', async () => {
    const deadPort = await freePort();
    const agent = startOrdersAgent([
      '--instance-id',
      'no-registry',
      '--registry',
      `http://127.0.0.1:${deadPort}`,
    ]);
    await waitFor(() => agent.logs().some((l) => l.msg === 'sdk: registration failed, retrying'), {
      what: `a retried registration\n${agent.output()}`,
    });
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(agent.logs().map((l) => l.msg)).toContain(
      'stopping: the registry never confirmed the registration; closing',
    );
  });

  it('exits 1 with a clear log line when the registry refuses the token', async () => {
    const wrong = writeTokenFile(registry.mintToken({ role: 'service', service: 'billing' }));
    try {
      const agent = startOrdersAgent(['--token-file', wrong.path, '--instance-id', 'forbidden']);
      expect(await agent.exited).toBe(1);
      const fatal = agent.logs().find((l) => l.level === 60);
      expect(fatal).toMatchObject({ code: 'SDK_ERR_FORBIDDEN', statusCode: 403 });
      expect(await instanceOf(registry, 'orders', 'forbidden')).toBeUndefined();
    } finally {
      wrong.cleanup();
    }
  });

  it('exits 1 listing every bad setting, and --help documents every flag and variable', async () => {
    const bad = spawnAgent(['--port', '70000', '--auth', 'basic', '--health', 'ftp://x/']);
    expect(await bad.exited).toBe(1);
    const said = bad.output();
    for (const part of ['--service', 'required', '--port', '--auth', '--health', 'token']) {
      expect(said).toContain(part);
    }

    const help = spawnAgent(['--help']);
    expect(await help.exited).toBe(0);
    const text = help.output();
    for (const option of AGENT_OPTIONS) {
      expect(text).toContain(`--${option.flag} `);
      for (const name of option.env) expect(text).toContain(name);
    }
  });
});
