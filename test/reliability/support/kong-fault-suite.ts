/**
 * kong-sim down and restarted empty (same ports): the controller logs failed reconciles, never
 * crashes, and reconverges within one resync after Kong returns, changes made meanwhile included.
 */
import { sharedRedisUrl } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { recordFigure } from './figures';
import { kongInventory, registerMany } from './kong-inventory';
import { LogCapture } from './registry';
import {
  controllerConfig,
  stackPrefix,
  startCapturedController,
  startRestartableKong,
  startTestRegistry,
} from './stack';

/** Defines the suite: Kong stays away at least `downMs` (and until failures are logged). */
export function describeKongFault(label: string, downMs: number): void {
  describe(`reliability/faults (${label}): kong-sim down and restarted empty`, () => {
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
        const downSince = Date.now();
        await waitFor(() => Date.now() - downSince >= downMs, {
          timeoutMs: downMs + 5000,
          what: 'the outage',
        });
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
        recordFigure(`kong-fault-${label}`, 'Kong down (ms)', backAt - downSince);
        recordFigure(`kong-fault-${label}`, 'warn/error lines while Kong was down', failuresLogged);
        recordFigure(
          `kong-fault-${label}`,
          'reconverged after Kong returned (ms)',
          Date.now() - backAt,
        );
        recordFigure(`kong-fault-${label}`, 'resync interval (ms)', 2000);
        expect(controller.ready).toBe(true);
      } finally {
        await controller.stop();
        await kong.stop();
        await registry.close();
      }
    });
  });
}
