/**
 * Gap 4 of docs/RELIABILITY.md (fixed), reproduced deterministically: a reconcile that runs after
 * Redis came back empty but before the SDKs re-registered. The registry's revision goes
 * backwards and its tombstones are gone with the rest: removals no tombstone explains count as
 * expiries, so the mass-expiry guard holds them and Kong keeps every target.
 */
import { startKongSim } from '@kong-registry/kong-sim';
import { startRedisServer } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { recordFigure } from './support/figures';
import { kongInventory, registerMany } from './support/kong-inventory';
import {
  controllerConfig,
  stackPrefix,
  startCapturedController,
  startTestRegistry,
} from './support/stack';

describe('reliability/faults: reconcile right after Redis returned empty', () => {
  it('sees the registry revision go backwards and keeps the targets', async () => {
    const redis = await startRedisServer();
    const registry = await startTestRegistry(redis.url, stackPrefix());
    const kong = await startKongSim();
    const { controller } = startCapturedController(
      controllerConfig(registry.url, registry.adminToken ?? '', kong.admin, { LOG_LEVEL: 'warn' }),
    );
    try {
      await registerMany(registry, 2, 4);
      const before = await controller.reconcileOnce();
      expect((await kongInventory(kong.admin)).counts.targets).toBe(8);

      await redis.kill();
      await redis.restart();
      await waitFor(async () => (await fetch(`${registry.url}/readyz`)).status === 200, {
        what: 'the registry reconnected to the empty Redis',
      });
      const after = await controller.reconcileOnce();
      expect(after.revision).toBeLessThan(before.revision);
      const left = (await kongInventory(kong.admin)).counts;
      recordFigure(
        'redis-empty-restart',
        'targets kept by an immediate reconcile (of 8)',
        left.targets ?? 0,
      );
      expect(left.targets).toBe(8);
    } finally {
      await controller.stop();
      await kong.close();
      await registry.close();
      await redis.stop();
    }
  });
});
