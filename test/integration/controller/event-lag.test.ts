/**
 * A reconcile whose registry snapshot is ahead of the event stream: instances are gone from the
 * snapshot, the events saying why have not arrived. A mass expiry must not slip past the
 * mass-expiry guard for that. The reasons travel with the snapshot (its tombstones, read with the
 * instances), so these reconcilers get no events at all, the longest lag there is, and still
 * hold the expiries and apply the deliberate removals, with no timing window.
 */
import pino from 'pino';
import { createAdminClient, Reconciler, RegistryClient } from '@kong-registry/kong-plugin';
import type { StateSnapshot } from '@kong-registry/sdk';
import { kongTargets, startStack, type Stack } from './harness';

let stack: Stack;
let reconciler: Reconciler;

const INSTANCES = ['i-0', 'i-1', 'i-2', 'i-3'];

/** A reconciler on the stack's registry and kong-sim; it never sees an event. */
function eventlessReconciler(): Reconciler {
  const { config } = stack;
  return new Reconciler({
    registry: new RegistryClient({ url: config.registryUrl, token: config.registryToken }),
    nodes: [
      {
        url: stack.kong.admin,
        client: createAdminClient(config.kong, stack.kong.admin),
        mode: 'db',
      },
    ],
    ownershipTag: config.ownershipTag,
    applyConcurrency: 4,
    guard: { threshold: 0.5, holdMs: 60_000, minTargets: 2 },
    logger: pino({ level: 'silent' }),
  });
}

const targets = async (service: string): Promise<number> =>
  (await kongTargets(stack.kong, service)).length;

async function registerAll(service: string, ttlSeconds: number, net: number): Promise<void> {
  for (const [i, id] of INSTANCES.entries()) {
    await stack.register(service, id, { host: `10.9.${net}.${i + 1}`, port: 8080, ttlSeconds });
  }
}

beforeAll(async () => {
  stack = await startStack({ registryEnv: { REGISTRY_LEASE_MIN_TTL_SECONDS: '1' } });
  // The test reaps by hand, so the removals happen exactly between two reconciles.
  await stack.registry.reaper.stop();
  reconciler = eventlessReconciler();
});

afterAll(async () => {
  await stack.close();
});

it('holds a mass expiry whose events have not arrived: the snapshot says why', async () => {
  await registerAll('lagging', 1, 0);
  await reconciler.reconcile({ apply: true });
  expect(await targets('lagging')).toBe(4);

  // Every lease runs out; the reaper removes them. No event reaches the reconciler.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect(await stack.registry.reaper.reapOnce()).toHaveLength(4);
  const state = (await stack.api('GET', '/v1/state')).body as StateSnapshot;
  expect(state.tombstones.filter((t) => t.service === 'lagging')).toEqual(
    INSTANCES.map((instanceId) => expect.objectContaining({ instanceId, reason: 'expired' })),
  );

  const ahead = await reconciler.reconcile({ apply: true });
  expect(ahead.nodes[0]?.held).toEqual([
    expect.objectContaining({ service: 'lagging', targets: expect.any(Array) }),
  ]);
  expect(await targets('lagging')).toBe(4);
});

it('applies deliberate removals at once, events or not', async () => {
  await registerAll('leaving', 300, 1);
  await reconciler.reconcile({ apply: true });
  expect(await targets('leaving')).toBe(4);

  for (const id of INSTANCES) await stack.deregister('leaving', id);
  const report = await reconciler.reconcile({ apply: true });
  expect(report.nodes[0]?.held.filter((h) => h.service === 'leaving')).toEqual([]);
  expect(await targets('leaving')).toBe(0);
});

it('changes nothing for a reconciler whose events never flow (one-shot sync)', async () => {
  const oneShot = eventlessReconciler();
  await registerAll('oneshot', 300, 2);
  await oneShot.reconcile({ apply: true });
  expect(await targets('oneshot')).toBe(4);
  for (const id of INSTANCES) await stack.deregister('oneshot', id);
  const report = await eventlessReconciler().reconcile({ apply: true });
  expect(report.nodes[0]?.held.filter((h) => h.service === 'oneshot')).toEqual([]);
  expect(await targets('oneshot')).toBe(0);
});
