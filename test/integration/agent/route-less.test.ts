/**
 * `kong-registry agent --no-route` in process (RegistrationAgent) against a real registry on real
 * Redis: a worker registers at once with its labels and no route, and each heartbeat carries what
 * --health-cmd says (run by /bin/sh) as its own health; SIGTERM's path deregisters it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningRegistry } from '@kong-registry/registry';
import { RegistrationAgent } from '../../../cli/src/agent/agent';
import { loadAgentConfig } from '../../../cli/src/agent/config';
import { runHealthCommand } from '../../../cli/src/agent/health-command';
import { createAgentLogger } from '../../../cli/src/agent/logger';
import { waitFor } from '../../helpers/wait';
import { instanceOf, startAgentRegistry, stopAgentRegistry } from './harness';

let registry: RunningRegistry;
let dir: string;

beforeAll(async () => {
  registry = await startAgentRegistry();
  dir = mkdtempSync(join(tmpdir(), 'kr-worker-'));
});

afterAll(async () => {
  await stopAgentRegistry(registry);
  rmSync(dir, { recursive: true, force: true });
});

it('runs a health command: exit 0 healthy, else its status and last line, killed when slow', async () => {
  expect(await runHealthCommand('echo fine', 2000)).toEqual({ ok: true, status: 0 });
  expect(await runHealthCommand('echo checking; echo "queue stuck" >&2; exit 3', 2000)).toEqual({
    ok: false,
    status: 3,
    error: 'exit 3: queue stuck',
  });
  const slow = await runHealthCommand('sleep 5', 200);
  expect(slow).toMatchObject({ ok: false, error: 'no answer within 200 ms' });
});

it('registers a worker with labels and reports --health-cmd with each heartbeat', async () => {
  const okFile = join(dir, 'ok');
  writeFileSync(okFile, '');
  const config = loadAgentConfig(
    {
      service: 'gpu-worker',
      port: '9100',
      host: '127.0.0.1',
      token: registry.mintToken({ role: 'service', service: 'gpu-worker' }),
      registryUrl: registry.url,
      route: 'false',
      labels: 'gpu=true,host=box-2',
      healthCmd: `test -f ${okFile} || { echo "CUDA device lost"; exit 1; }`,
      ttlSeconds: '3',
      drainSeconds: '0',
    },
    {},
  );
  const agent = new RegistrationAgent(config, {
    logger: createAgentLogger('silent', { service: 'gpu-worker' }),
  });
  agent.start();
  try {
    await waitFor(
      async () =>
        (await instanceOf(registry, 'gpu-worker', '127.0.0.1-9100'))?.selfHealth?.status ===
        'healthy',
      { what: 'a healthy report' },
    );
    const view = (await (
      await fetch(`${registry.url}/v1/services/gpu-worker`, {
        headers: { authorization: `Bearer ${registry.adminToken ?? ''}` },
      })
    ).json()) as { definition: { route: boolean; prefix: string | null } };
    expect(view.definition).toMatchObject({ route: false, prefix: null });
    expect((await instanceOf(registry, 'gpu-worker', '127.0.0.1-9100'))?.labels).toEqual({
      gpu: 'true',
      host: 'box-2',
    });

    rmSync(okFile);
    await waitFor(
      async () =>
        (await instanceOf(registry, 'gpu-worker', '127.0.0.1-9100'))?.selfHealth?.status ===
        'unhealthy',
      { what: 'an unhealthy report' },
    );
    const unhealthy = await instanceOf(registry, 'gpu-worker', '127.0.0.1-9100');
    expect(unhealthy?.selfHealth?.detail).toBe('health-cmd: exit 1: CUDA device lost');
    // Still registered and not draining: a worker's bad health is reported, not acted on.
    expect(unhealthy?.draining).toBe(false);
    expect(agent.state).toBe('registered');
  } finally {
    expect(await agent.stop()).toBe(0);
  }
  expect(await instanceOf(registry, 'gpu-worker', '127.0.0.1-9100')).toBeUndefined();
});
