/**
 * A mass expiry held across a controller restart. The guard keeps no memory of its own for it:
 * the registry's tombstones say which removals were expiries and when they happened, so a new
 * controller process holds the same removals and lets them go when the original hold ends, not a
 * whole hold after its own start (and never at once, as it did when reasons came from events).
 */
import { kongTargets, startStack, type Stack } from './harness';

const HOLD_MS = 4000;
const INSTANCES = ['r-0', 'r-1', 'r-2', 'r-3'];

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    env: { MASS_EXPIRY_HOLD: `${HOLD_MS}ms` },
    registryEnv: { REGISTRY_LEASE_MIN_TTL_SECONDS: '1' },
  });
  // Reaped by hand: the expiry happens at a moment the test knows.
  await stack.registry.reaper.stop();
});

afterAll(async () => {
  await stack.close();
});

const targets = async (): Promise<number> => (await kongTargets(stack.kong, 'fleet')).length;

const sleepUntil = (at: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

it('a restarted controller resumes the hold from the tombstones and ends it on time', async () => {
  const first = stack.controllers[0]!;
  for (const [i, id] of INSTANCES.entries()) {
    await stack.register('fleet', id, { host: `10.8.0.${i + 1}`, port: 8080, ttlSeconds: 1 });
  }
  await first.reconcileOnce();
  expect(await targets()).toBe(4);

  // Every lease runs out at once.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const reapedBefore = Date.now();
  expect(await stack.registry.reaper.reapOnce()).toHaveLength(4);
  const reapedAfter = Date.now();

  const held = await first.reconcileOnce();
  expect(held.nodes[0]?.held).toEqual([expect.objectContaining({ service: 'fleet' })]);
  expect(await targets()).toBe(4);

  // The controller restarts halfway through the hold: a new process, with nothing remembered.
  await first.stop();
  await sleepUntil(reapedAfter + HOLD_MS / 2);
  const second = stack.addController();
  const startedAt = Date.now();
  const resumed = await second.reconcileOnce();
  expect(resumed.nodes[0]?.held).toEqual([
    {
      service: 'fleet',
      targets: expect.arrayContaining([expect.stringContaining('fleet.upstream/')]),
      // Resumed, not restarted: as old as the expiry, not as the new controller.
      heldForMs: expect.any(Number),
    },
  ]);
  expect(resumed.nodes[0]!.held[0]!.heldForMs).toBeGreaterThanOrEqual(HOLD_MS / 2);
  expect(await targets()).toBe(4);

  // The original hold ends; the new controller has been up for only about half a hold.
  await sleepUntil(reapedAfter + HOLD_MS + 100);
  const released = await second.reconcileOnce();
  expect(released.nodes[0]?.held).toEqual([]);
  expect(await targets()).toBe(0);
  expect(Date.now() - startedAt).toBeLessThan(HOLD_MS);
  expect(Date.now() - reapedBefore).toBeGreaterThanOrEqual(HOLD_MS);
});
