/**
 * Faults of the control plane: kong-sim down and restarted empty; a controller (a real child
 * process) SIGKILLed in the middle of applying a large plan while a second controller waits on
 * the leader lock. The survivor must take over within the lock TTL and converge Kong with no
 * duplicates and no leftovers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Controller } from '@kong-registry/kong-plugin';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import type { RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { startCountingProxy, type CountingProxy } from './support/counting-proxy';
import { recordFigure } from './support/figures';
import { LogCapture } from './support/registry';
import {
  controllerConfig,
  stackPrefix,
  startCapturedController,
  startRestartableKong,
  startTestRegistry,
} from './support/stack';

const ROOT = join(__dirname, '..', '..');

/** Registers `count` services with `perService` instances each, through the admin API. */
async function registerMany(
  registry: RunningRegistry,
  count: number,
  perService: number,
  port = 9,
): Promise<void> {
  const token = registry.adminToken ?? '';
  const puts: Promise<void>[] = [];
  for (let s = 0; s < count; s += 1) {
    for (let i = 0; i < perService; i += 1) {
      puts.push(
        fetch(`${registry.url}/v1/services/svc-${s}/instances/i-${i}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ host: `10.0.${s}.${i + 1}`, port, ttlSeconds: 300 }),
        }).then(async (res) => {
          if (res.status >= 300)
            throw new Error(`register svc-${s}/i-${i}: ${res.status} ${await res.text()}`);
        }),
      );
    }
  }
  await Promise.all(puts);
}

/** Managed entity names per kind in kong-sim, and whether any name appears twice. */
async function kongInventory(
  admin: string,
): Promise<{ counts: Record<string, number>; duplicates: string[] }> {
  const counts: Record<string, number> = {};
  const duplicates: string[] = [];
  for (const kind of ['services', 'routes', 'upstreams']) {
    const names: string[] = [];
    let next: string | null = `/${kind}?size=1000`;
    while (next) {
      const page = (await (await fetch(`${admin}${next}`)).json()) as {
        data: { name?: string }[];
        next: string | null;
      };
      names.push(...page.data.map((e) => e.name ?? ''));
      next = page.next;
    }
    counts[kind] = names.length;
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) duplicates.push(`${kind}:${name}`);
      seen.add(name);
    }
  }
  let targets = 0;
  const upstreams = (await (await fetch(`${admin}/upstreams?size=1000`)).json()) as {
    data: { id: string }[];
  };
  for (const upstream of upstreams.data) {
    const list = (await (
      await fetch(`${admin}/upstreams/${upstream.id}/targets?size=1000`)
    ).json()) as {
      data: { target: string }[];
    };
    targets += list.data.length;
    const seen = new Set<string>();
    for (const t of list.data) {
      if (seen.has(t.target)) duplicates.push(`target:${t.target}`);
      seen.add(t.target);
    }
  }
  counts.targets = targets;
  return { counts, duplicates };
}

describe('reliability/faults: kong-sim down and restarted empty', () => {
  it('the controller keeps retrying without crashing and reconverges within one resync after Kong returns', async () => {
    const registry = await startTestRegistry(sharedRedisUrl(), stackPrefix());
    const kong = await startRestartableKong();
    const logs = new LogCapture();
    const { controller } = startCapturedController(
      controllerConfig(registry.url, registry.adminToken ?? '', kong.admin, {
        RESYNC_INTERVAL: '2s',
        LOG_LEVEL: 'warn',
      }),
      logs,
    );
    try {
      await controller.start();
      await registerMany(registry, 5, 2);
      const converged = async () => {
        const inv = await kongInventory(kong.admin).catch(() => undefined);
        return (
          inv?.counts.services === 5 && inv.counts.targets === 10 && inv.duplicates.length === 0
        );
      };
      await waitFor(converged, { timeoutMs: 15_000, what: 'first convergence' });

      await kong.stop();
      const linesBefore = logs.lines.length;
      // Changes made while Kong is away must land once it is back.
      await registerMany(registry, 6, 2);
      await waitFor(
        () => logs.lines.slice(linesBefore).filter((l) => /"level":(40|50)/.test(l)).length >= 2,
        { timeoutMs: 15_000, what: 'failed reconciles logged while Kong is down' },
      );
      const failuresLogged = logs.lines
        .slice(linesBefore)
        .filter((l) => /"level":(40|50)/.test(l)).length;

      await kong.restart();
      const backAt = Date.now();
      await waitFor(
        async () => {
          const inv = await kongInventory(kong.admin).catch(() => undefined);
          return (
            inv?.counts.services === 6 && inv.counts.targets === 12 && inv.duplicates.length === 0
          );
        },
        { timeoutMs: 15_000, what: 'reconvergence on the empty kong-sim' },
      );
      recordFigure('kong-fault', 'warn/error lines while Kong was down', failuresLogged);
      recordFigure('kong-fault', 'reconverged after Kong returned (ms)', Date.now() - backAt);
      recordFigure('kong-fault', 'resync interval (ms)', 2000);
      expect(controller.ready).toBe(true);
    } finally {
      await controller.stop();
      await kong.stop();
      await registry.close();
    }
  });
});

describe('reliability/faults: leader SIGKILLed mid-apply', () => {
  let registry: RunningRegistry;
  let kong: KongSim;
  let follower: Controller | undefined;
  let child: ChildProcess | undefined;
  let redis: Redis;
  let followerKong: CountingProxy;

  beforeAll(async () => {
    registry = await startTestRegistry(sharedRedisUrl(), stackPrefix());
    kong = await startKongSim();
    followerKong = await startCountingProxy(kong.admin);
    redis = new Redis(sharedRedisUrl());
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await follower?.stop();
    await followerKong.close();
    await kong.close();
    await registry.close();
    redis.disconnect();
  });

  it('exactly one controller writes; the follower takes over within the lock TTL and converges with no duplicates or leftovers', async () => {
    const lockKey = `${registry.config.keyPrefix}leader`;
    const lockTtlMs = 2000;
    const env = {
      REGISTRY_URL: registry.url,
      REGISTRY_TOKEN: registry.mintToken({ role: 'admin' }),
      KONG_ADMIN_URL: kong.admin,
      REDIS_URL: sharedRedisUrl(),
      LEADER_LOCK_KEY: lockKey,
      LEADER_LOCK_TTL: `${lockTtlMs}ms`,
      RESYNC_INTERVAL: '30s',
      EVENT_DEBOUNCE: '300ms',
      APPLY_CONCURRENCY: '2',
      HEALTH_FEEDBACK_INTERVAL: '0',
      CONTROLLER_ID: 'leader-child',
      LOG_LEVEL: 'warn',
    };
    let childOutput = '';
    child = spawn(process.execPath, [join(ROOT, 'cli', 'bin', 'kong-registry.js'), 'controller'], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (childOutput += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (childOutput += d.toString()));
    await waitFor(async () => (await redis.get(lockKey))?.startsWith('leader-child:'), {
      timeoutMs: 20_000,
      what: 'the child controller to take the lock',
    }).catch((err: Error) => {
      throw new Error(`${err.message}; child output: ${childOutput.slice(-500)}`);
    });

    ({ controller: follower } = startCapturedController(
      controllerConfig(registry.url, registry.mintToken({ role: 'admin' }), followerKong.url, {
        REDIS_URL: sharedRedisUrl(),
        LEADER_LOCK_KEY: lockKey,
        LEADER_LOCK_TTL: `${lockTtlMs}ms`,
        CONTROLLER_ID: 'follower',
        RESYNC_INTERVAL: '1s',
        LOG_LEVEL: 'warn',
      }),
    ));
    await follower.start();
    expect(follower.isLeader).toBe(false);

    // A large plan: 60 services x 3 instances (60 services, routes, upstreams, 180 targets).
    kong.resetRequests();
    await registerMany(registry, 60, 3);
    // The follower reconciles too, but must not write while it is not the leader.
    await follower.reconcileOnce().catch(() => undefined);
    await waitFor(() => kong.writeCount() >= 60, {
      timeoutMs: 20_000,
      what: 'the leader applying',
    });
    expect(followerKong.writes).toBe(0);
    child.kill('SIGKILL');
    const killedAt = Date.now();
    const writesAtKill = kong.writeCount();
    await new Promise((resolve) => child?.once('exit', resolve));
    const partial = await kongInventory(kong.admin);

    await waitFor(() => follower?.isLeader, {
      timeoutMs: lockTtlMs * 4,
      what: 'the follower taking the lock',
    });
    const takeoverMs = Date.now() - killedAt;
    await waitFor(
      async () => {
        const inv = await kongInventory(kong.admin);
        return inv.counts.services === 60 && inv.counts.routes === 60 && inv.counts.targets === 180;
      },
      { timeoutMs: 20_000, what: 'convergence by the new leader' },
    );
    const final = await kongInventory(kong.admin);
    expect(final.duplicates).toEqual([]);
    expect(final.counts).toEqual({ services: 60, routes: 60, upstreams: 60, targets: 180 });
    // Converged: another reconcile writes nothing (no leftovers, nothing to fix).
    const writes = kong.writeCount();
    await follower.reconcileOnce();
    expect(kong.writeCount()).toBe(writes);
    expect(followerKong.writes).toBeGreaterThan(0);

    recordFigure('leader-fault', 'writes applied before SIGKILL', writesAtKill);
    recordFigure('leader-fault', 'entities at kill', JSON.stringify(partial.counts));
    recordFigure('leader-fault', 'takeover after SIGKILL (ms)', takeoverMs);
    recordFigure('leader-fault', 'lock TTL (ms)', lockTtlMs);
    recordFigure('leader-fault', 'duplicates after convergence', final.duplicates.length);
  });
});
