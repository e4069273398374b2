/**
 * A controller (a real child process) SIGKILLed in the middle of applying a large plan while a
 * second controller waits on the leader lock. The survivor must take over within the lock TTL and converge Kong with no
 * duplicates and no leftovers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Controller } from '@kong-registry/kong-plugin';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import type { RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { startCountingProxy, type CountingProxy } from './counting-proxy';
import { recordFigure } from './figures';
import { kongInventory, registerMany } from './kong-inventory';
import { controllerConfig, stackPrefix, startCapturedController, startTestRegistry } from './stack';

const ROOT = join(__dirname, '..', '..', '..');

/** Size of one run: services x 3 instances; the leader dies after `killAfterWrites` writes. */
export interface LeaderFaultScale {
  label: string;
  services: number;
  killAfterWrites: number;
}

/** Defines the suite at the given scale. */
export function describeLeaderFault({ label, services, killAfterWrites }: LeaderFaultScale): void {
  describe(`reliability/faults (${label}): leader SIGKILLed mid-apply`, () => {
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
      child = spawn(
        process.execPath,
        [join(ROOT, 'cli', 'bin', 'kong-registry.js'), 'controller'],
        {
          env: { PATH: process.env.PATH, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
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

      // A large plan: N services x 3 instances (N services, routes, upstreams, 3N targets).
      kong.resetRequests();
      await registerMany(registry, services, 3);
      // The follower reconciles too, but must not write while it is not the leader.
      await follower.reconcileOnce().catch(() => undefined);
      await waitFor(() => kong.writeCount() >= killAfterWrites, {
        timeoutMs: 20_000 + services * 100,
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
          return (
            inv.counts.services === services &&
            inv.counts.routes === services &&
            inv.counts.targets === services * 3
          );
        },
        { timeoutMs: 20_000 + services * 100, what: 'convergence by the new leader' },
      );
      const final = await kongInventory(kong.admin);
      expect(final.duplicates).toEqual([]);
      expect(final.counts).toEqual({
        services,
        routes: services,
        upstreams: services,
        targets: services * 3,
      });
      // Converged: another reconcile writes nothing (no leftovers, nothing to fix).
      const writes = kong.writeCount();
      await follower.reconcileOnce();
      expect(kong.writeCount()).toBe(writes);
      expect(followerKong.writes).toBeGreaterThan(0);

      recordFigure(`leader-fault-${label}`, 'writes applied before SIGKILL', writesAtKill);
      recordFigure(`leader-fault-${label}`, 'entities at kill', JSON.stringify(partial.counts));
      recordFigure(`leader-fault-${label}`, 'takeover after SIGKILL (ms)', takeoverMs);
      recordFigure(`leader-fault-${label}`, 'lock TTL (ms)', lockTtlMs);
      recordFigure(
        `leader-fault-${label}`,
        'duplicates after convergence',
        final.duplicates.length,
      );
    });
  });
}
